"""A worker process that runs one call at a time under a deadline and a memory bound.

The format readers (pypdf, python-docx, trafilatura, the text decoders) are parsers handed files
from anyone with an editor's token; a crafted file can make one loop for ever or allocate without
end. Each file's reader therefore runs in a worker process that caps its own address space
(`RLIMIT_AS`) before it reads anything, and whose answer is awaited for at most the deadline. A
worker that overruns is killed, one that dies (out of memory, a crash in C code) is noticed, and
either way the next call gets a fresh worker: the caller reports that one file and goes on.

The worker is a plain `python -c` subprocess, not a multiprocessing child: it starts in ~0.2 s
(each reader's library is imported on first use, 0.5 s for all of them), it never imports the
caller's `__main__`, and starting it is safe inside a threaded web server. One worker serves
every file of an ingest. What comes back is JSON, never a pickle, so a parser subverted by a
crafted file can send the caller nothing but data.
"""
from __future__ import annotations

import importlib
import json
import os
import resource
import select
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

_LENGTH = struct.Struct(">Q")
# A fresh worker says it is ready before its first call, so a call's deadline measures the call
# and not the interpreter's start, which takes seconds on a loaded machine.
READY = b"ready"
STARTUP_S = 60.0
# Where `ingest` lives, so the worker imports this same code whatever its working directory.
_ROOT = str(Path(__file__).resolve().parent.parent)


class WorkerError(Exception):
    """The call did not come back: `kind` is "timeout", "memory" or "died"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _write(out: IO[bytes], blob: bytes) -> None:
    out.write(_LENGTH.pack(len(blob)))
    out.write(blob)


def _read(source: IO[bytes]) -> bytes | None:
    head = source.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    blob = source.read(size)
    return blob if len(blob) == size else None


def worker_main(memory_mb: int) -> None:
    """The worker: read (function, args) and a payload, answer JSON, until its input closes."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # The answers go out on a private copy of stdout; a library that prints writes to stderr.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    _write(answers, READY)
    answers.flush()
    while True:
        header, payload = _read(requests), _read(requests)
        if header is None or payload is None:
            return
        call = json.loads(header)
        try:
            module, _, name = call["function"].partition(":")
            function = getattr(importlib.import_module(module), name)
            answer: Any = {"ok": function(payload, *call["args"])}
            blob = json.dumps(answer).encode("ascii")
        except MemoryError:
            blob = b'{"memory": true}'
        except BaseException as exc:  # the function should answer, not raise: say what it did
            blob = json.dumps({"raised": f"{exc.__class__.__name__}: {exc}"}).encode("ascii")
        _write(answers, blob)
        answers.flush()


class BoundedWorker:
    """`call("module:function", payload, *args)` in a worker process, within `seconds` and
    `memory_mb`: the function gets the payload bytes and the JSON-able args, and answers
    something JSON-able. Use as a context manager, or call `close()`."""

    def __init__(self, seconds: float, memory_mb: int):
        self.seconds = seconds
        self.memory_mb = max(0, int(memory_mb))
        self._process: subprocess.Popen | None = None
        self.started = 0  # workers started so far: one, unless some had to be replaced

    def __enter__(self) -> BoundedWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])))
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", f"from ingest.isolation import worker_main; worker_main({self.memory_mb})"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True,
            )
        except OSError as exc:  # out of processes or memory: this file cannot be read now
            raise WorkerError("died", f"could not be started ({exc})") from exc
        self._process = process
        self.started += 1
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], STARTUP_S)
        if not ready or _read(process.stdout) != READY:
            code = self._stop(kill=True)
            raise WorkerError("died", f"could not be started ({_death(code, 0)})")
        return process

    def _stop(self, kill: bool) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            if kill:
                process.kill()
            return process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def close(self) -> None:
        self._stop(kill=False)

    def call(self, function: str, payload: bytes, *args) -> Any:
        process = self._process
        if process is None or process.poll() is not None:
            self._stop(kill=True)
            process = self._start()
        assert process.stdin is not None and process.stdout is not None
        try:
            _write(process.stdin, json.dumps({"function": function, "args": list(args)}).encode("utf-8"))
            _write(process.stdin, payload)
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], self.seconds)
        except (BrokenPipeError, OSError, ValueError):
            ready = [process.stdout]  # the worker is gone: reading says so below
        if not ready:
            self._stop(kill=True)
            raise WorkerError("timeout", f"took longer than {self.seconds:g} s")
        blob = _read(process.stdout)
        if blob is None:
            code = self._stop(kill=True)
            raise WorkerError("died", _death(code, self.memory_mb))
        answer = json.loads(blob)
        if "ok" in answer:
            return answer["ok"]
        # After a MemoryError or an escaped exception the worker's state is not to be trusted.
        self._stop(kill=True)
        if "memory" in answer:
            raise WorkerError("memory", f"needed more than {self.memory_mb:,} MB of memory")
        raise WorkerError("died", f"failed unexpectedly ({answer.get('raised')})")


def _death(code: int | None, memory_mb: int) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if memory_mb and name in ("SIGKILL", "SIGSEGV", "SIGABRT", "SIGBUS"):
            return f"stopped by {name} (it may have needed more than {memory_mb:,} MB of memory, or crashed)"
        return f"stopped by {name}"
    return f"stopped (exit status {code})"
