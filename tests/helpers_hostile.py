"""Readers that misbehave on purpose, for the tests of the reader worker (ingest/isolation.py).

They run inside the worker process, which imports this module by name: a test puts
`read_or_misbehave` in the place of the real reader (`ingest.sources._Reader.function`), and a
file whose name says so hangs, eats memory or crashes the worker, as a crafted file can make
pypdf, python-docx or trafilatura do.
"""
from __future__ import annotations

import os
import signal
import time


def echo(payload: bytes, *args) -> list:
    return [len(payload), *args]


def hang(payload: bytes, *args) -> None:
    time.sleep(3600)


def allocate(payload: bytes, *args) -> None:
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


def crash(payload: bytes, *args) -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def read_or_misbehave(data: bytes, name: str, limits: dict) -> list:
    """The real reader, except for files named `treo...` (hangs), `phinh...` (allocates without
    end) and `vo...` (crashes)."""
    from ingest.sources import read_in_worker

    base = os.path.basename(name)
    if base.startswith("treo"):
        hang(data)
    if base.startswith("phinh"):
        allocate(data)
    if base.startswith("vo"):
        crash(data)
    return read_in_worker(data, name, limits)
