"""External programs (LibreOffice, antiword, OCRmyPDF...) run as bounded subprocesses.

A converter is handed files from anyone with an editor's token, and some (LibreOffice) keep a
profile that two conversions at once would fight over. So each run gets its own temporary folder
as its working directory and its home (the profile lives there), its own process group (a
timeout kills the converter and everything it started: soffice.bin, gs, tesseract), a memory
bound per process (`RLIMIT_AS`), no core dumps, and nothing on stdin. What it writes in its
folder is read back before the folder is removed.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ReadError


@dataclass
class Finished:
    returncode: int
    stdout: bytes
    stderr: bytes
    seconds: float


def which(program: str) -> str | None:
    return shutil.which(program)


def require(program: str, package: str) -> str:
    """The path of `program`, or a ReadError saying which Debian package provides it."""
    path = which(program)
    if path is None:
        raise ReadError(f"{program} is not installed on this server, so this file cannot be read: "
                        f"install the Debian package {package} (make setup does)")
    return path


def _limit(memory_mb: int) -> Callable[[], None]:
    def apply() -> None:
        os.setsid()  # its own process group: a timeout kills all of it
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if memory_mb > 0:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_bounded(argv: Sequence[str], *, workdir: Path, seconds: float, memory_mb: int = 0,
                env: dict[str, str] | None = None,
                on_stderr_line: Callable[[str], None] | None = None) -> Finished:
    """Run `argv` in `workdir` (also its HOME and TMPDIR) for at most `seconds`.

    Raises TimeoutError when it overruns (the whole process group is killed first). With
    `on_stderr_line`, stderr is read line by line as it comes (progress reports) and also kept.
    """
    base = {key: value for key, value in os.environ.items()
            if key in ("PATH", "LANG", "LC_ALL", "OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "PYTHONPATH")}
    base.update(HOME=str(workdir), TMPDIR=str(workdir), LC_ALL=base.get("LC_ALL", "C.UTF-8"))
    base.update(env or {})
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv), cwd=workdir, env=base, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, preexec_fn=_limit(memory_mb), close_fds=True,
    )
    try:
        if on_stderr_line is None:
            try:
                stdout, stderr = process.communicate(timeout=seconds)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                process.communicate()
                raise TimeoutError(f"took longer than {seconds:g} s") from None
        else:
            stdout, stderr = _follow(process, seconds, on_stderr_line)
    finally:
        _kill_group(process)  # anything it left running in its group goes with it
        if process.poll() is None:
            process.kill()
            process.wait()
    return Finished(process.returncode, stdout, stderr, time.perf_counter() - started)


def _follow(process: subprocess.Popen, seconds: float, on_line: Callable[[str], None]) -> tuple[bytes, bytes]:
    import selectors

    assert process.stdout is not None and process.stderr is not None
    deadline = time.monotonic() + seconds
    out, err, pending = bytearray(), bytearray(), bytearray()
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    selector.register(process.stderr, selectors.EVENT_READ)
    open_streams = 2
    while open_streams:
        left = deadline - time.monotonic()
        if left <= 0:
            _kill_group(process)
            process.wait()
            raise TimeoutError(f"took longer than {seconds:g} s")
        for key, _ in selector.select(timeout=min(left, 1.0)):
            chunk = os.read(key.fd, 65536)
            if not chunk:
                selector.unregister(key.fileobj)
                open_streams -= 1
                continue
            if key.fileobj is process.stdout:
                out += chunk
                continue
            err += chunk
            pending += chunk
            while b"\n" in pending:
                line, _, rest = bytes(pending).partition(b"\n")
                pending = bytearray(rest)
                on_line(line.decode("utf-8", "replace"))
    selector.close()
    left = max(0.1, deadline - time.monotonic())
    try:
        process.wait(left)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.wait()
        raise TimeoutError(f"took longer than {seconds:g} s") from None
    return bytes(out), bytes(err)


class Scratch:
    """A private temporary folder for one external run, removed afterwards."""

    def __init__(self, prefix: str = "sotay-"):
        self.path = Path(tempfile.mkdtemp(prefix=prefix))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
