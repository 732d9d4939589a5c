"""Finished articles on disk, so that a replay is a file read.

Layout: `<dir>/<key[:2]>/<key>.<fmt>`, plus `<dir>/.locks/`. A file appears only complete (written
under a temporary name in the same folder, then renamed), so readers never see half an article,
and a crash leaves at most a `.part` file that eviction removes.
"""

import hashlib
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
# Partial files older than this belong to a writer that died.
STALE_PART_S = 3600


def default_dir() -> Path:
    home = os.environ.get("SOTAY_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "sotay")
    return Path(home) / "tts-cache"


class AudioCache:
    """Audio files keyed by (normalized text, engine key, format), capped at `max_bytes`.

    Eviction drops the least recently used files (a hit refreshes a file's mtime, because atime
    is often not kept on `relatime`/`noatime` mounts) until the total is under 90% of the cap.
    """

    def __init__(self, directory: str | os.PathLike | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES):
        self.directory = Path(directory) if directory else default_dir()
        self.max_bytes = max_bytes

    @staticmethod
    def key(spoken: str, engine_key: tuple, fmt: str, bitrate: int) -> str:
        material = "\x1f".join([spoken, *map(str, engine_key), fmt, str(bitrate)])
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def path(self, key: str, fmt: str) -> Path:
        return self.directory / key[:2] / f"{key}.{fmt}"

    def get(self, key: str, fmt: str) -> Path | None:
        path = self.path(key, fmt)
        try:
            os.utime(path)
        except FileNotFoundError:
            return None
        return path

    @contextmanager
    def lock(self, key: str, timeout: float):
        """Hold the key's lock (across threads and processes); yield False if it stayed busy."""
        locks = self.directory / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        lock = FileLock(locks / f"{key}.lock", thread_local=False)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    def writer(self, key: str, fmt: str) -> "CacheWriter":
        path = self.path(key, fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        return CacheWriter(self, path)

    def entries(self) -> list[tuple[float, int, Path]]:
        out = []
        for path in self.directory.glob("??/*"):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            if path.name.endswith(".part"):
                if time.time() - st.st_mtime > STALE_PART_S:
                    path.unlink(missing_ok=True)
                continue
            out.append((st.st_mtime, st.st_size, path))
        return out

    def size(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def evict(self) -> int:
        """Remove least recently used files until under 90% of the cap; return bytes freed."""
        entries = sorted(self.entries())
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return 0
        freed, target = 0, int(self.max_bytes * 0.9)
        for _, size, path in entries:
            if total - freed <= target:
                break
            path.unlink(missing_ok=True)
            freed += size
        return freed

    def clear(self) -> None:
        for _, _, path in self.entries():
            path.unlink(missing_ok=True)


class CacheWriter:
    """Append bytes, then `commit()` (atomic rename, then eviction) or `discard()`."""

    def __init__(self, cache: AudioCache, path: Path):
        self.cache, self.path = cache, path
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem[:16] + ".", suffix=".part")
        self._tmp = Path(tmp)
        self._file = os.fdopen(fd, "w+b")

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self, header: bytes | None = None, path: Path | None = None) -> Path:
        """Publish the file at `path` (default: the key it was opened for).

        `header` overwrites the first bytes (a WAV header whose sizes are now known).
        """
        if header is not None:
            self._file.seek(0)
            self._file.write(header)
        self._file.close()
        path = path or self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, path)
        self.cache.evict()
        return path

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)
