"""Uploads as jobs: the files are kept on disk and loaded by one worker thread, so an upload
returns at once and a 40-page scan's OCR never holds a request open.

A job is a folder `<index>/jobs/<id>/`: `job.json` (its state, progress and, at the end, the
ingest report) and `files/` (the upload, until it is loaded). Every change of `job.json` is
written whole and renamed into place, so a job is always readable and never half-written. One
thread of the serving process runs the queued jobs oldest first; while one runs, searches see the
library as before, and its documents appear when its commit switches the library (index.store).

A server that stops mid-job (a restart, a crash, SIGKILL) leaves that job "running" on disk:
the next start of the worker takes it up again from its kept files. Loading is idempotent
(unchanged content is a no-op) and a commit is all or nothing, so running a job again is safe.
Only the process holding `jobs/worker.lock` runs jobs, so two server processes over one index
never run one job twice.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

JOBS_DIR = "jobs"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
_ID = re.compile(r"[0-9a-f]{24}")
# How long a finished job's record is kept for its status page.
KEEP_FINISHED_S = 7 * 24 * 3600
PROGRESS_WRITE_S = 0.5  # progress is written to disk at most this often
# A job the server stopped during this many times is failed, not tried again: it may be what
# stops the server (a file that crashes a converter's host, say).
MAX_RESTARTS = 3


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    job_id: str
    status: str
    created_at: str
    # Who uploaded it: {"automation": true} or {"member_id", "epoch", "username"}; the job runs
    # with that account's rights as they are when it runs.
    owner: dict
    files: list[str]
    params: dict = field(default_factory=dict)  # doc_type, visibility, org as the upload gave them
    started_at: str | None = None
    finished_at: str | None = None
    progress: dict = field(default_factory=dict)  # {"stage", "done", "total"}
    report: dict | None = None
    error: str | None = None
    restarts: int = 0

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("owner")
        data.pop("params")
        return data


Runner = Callable[[Job, list[tuple[str, bytes]], Callable[[int, int, str], None]], dict]


class JobQueue:
    """The jobs of one index folder. `runner(job, files, progress)` loads a job's files and
    returns the ingest report (as JSON); what it raises fails the job with its message."""

    def __init__(self, index_dir: Path, runner: Runner):
        self.root = Path(index_dir) / JOBS_DIR
        self.runner = runner
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._lock_file = None

    # --- what requests do ---------------------------------------------------------------------
    def submit(self, files: list[tuple[str, bytes]], owner: dict, params: dict) -> Job:
        job = Job(job_id=secrets.token_hex(12), status=QUEUED, created_at=_now(), owner=owner,
                  files=[name for name, _ in files], params=params)
        staging = Path(tempfile.mkdtemp(prefix=".new-", dir=self._ensure_root()))
        (staging / "files").mkdir()
        for number, (_, data) in enumerate(files):
            _write_durably(staging / "files" / str(number), data)
        _write_durably(staging / "job.json", json.dumps(asdict(job), ensure_ascii=False).encode("utf-8"))
        os.replace(staging, self.root / job.job_id)  # the job appears whole, or not at all
        self.start()
        with self._wake:
            self._wake.notify_all()
        return job

    def get(self, job_id: str) -> Job | None:
        if not _ID.fullmatch(job_id):
            return None
        path = self.root / job_id / "job.json"
        try:
            return Job(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def wait(self, job_id: str, seconds: float) -> Job | None:
        """The job once it has finished, or as it is after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            job = self.get(job_id)
            if job is None or job.status in (DONE, FAILED) or time.monotonic() >= deadline:
                return job
            with self._wake:
                self._wake.wait(min(0.2, max(0.0, deadline - time.monotonic())))

    # --- the worker ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread (once); it also takes up jobs a stopped server left."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._work, name="sotay-jobs", daemon=True)
        self._thread.start()

    def pending(self) -> bool:
        return any(job.status in (QUEUED, RUNNING) for job in self._jobs())

    def _work(self) -> None:
        self._hold_worker_lock()
        while True:
            job = self._next()
            if job is None:
                with self._wake:
                    self._wake.wait(2.0)
                continue
            self._run(job)

    def _hold_worker_lock(self) -> None:
        root = self._ensure_root()
        handle = open(root / "worker.lock", "a+")  # noqa: SIM115 - held for the life of the thread
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock_file = handle
                return
            except BlockingIOError:
                time.sleep(2.0)  # another server process runs the jobs of this index

    def _next(self) -> Job | None:
        self._prune()
        waiting = [job for job in self._jobs() if job.status in (QUEUED, RUNNING)]
        return min(waiting, key=lambda job: job.created_at) if waiting else None

    def _run(self, job: Job) -> None:
        if job.status == RUNNING:  # left by a server that stopped while running it
            job.restarts += 1
            if job.restarts >= MAX_RESTARTS:
                self._finish(job, error=f"the server stopped {job.restarts} times while loading this upload: "
                                        "split it and upload the files one by one to find the one at fault")
                return
        job.status, job.started_at, job.progress = RUNNING, _now(), {}
        self._save(job)
        folder = self.root / job.job_id / "files"
        try:
            files = [(name, (folder / str(number)).read_bytes()) for number, name in enumerate(job.files)]
        except OSError as exc:
            self._finish(job, error=f"the uploaded files could not be read back ({exc}); upload them again")
            return
        last = [0.0]

        def progress(done: int, total: int, stage: str) -> None:
            job.progress = {"stage": stage, "done": done, "total": total}
            if time.monotonic() - last[0] >= PROGRESS_WRITE_S or done == total:
                last[0] = time.monotonic()
                self._save(job)

        try:
            report = self.runner(job, files, progress)
        except Exception as exc:  # the job fails with its reason; the worker goes on
            self._finish(job, error=str(exc) or exc.__class__.__name__)
            return
        self._finish(job, report=report)

    def _finish(self, job: Job, report: dict | None = None, error: str | None = None) -> None:
        job.status = FAILED if error is not None else DONE
        job.report, job.error, job.finished_at = report, error, _now()
        self._save(job)
        shutil.rmtree(self.root / job.job_id / "files", ignore_errors=True)  # in the library now
        with self._wake:
            self._wake.notify_all()

    def _save(self, job: Job) -> None:
        target = self.root / job.job_id / "job.json"
        _write_durably(target.with_name(".job.json.tmp"), json.dumps(asdict(job), ensure_ascii=False).encode())
        os.replace(target.with_name(".job.json.tmp"), target)

    def _jobs(self) -> list[Job]:
        if not self.root.is_dir():
            return []
        jobs = (self.get(path.name) for path in self.root.iterdir() if _ID.fullmatch(path.name))
        return [job for job in jobs if job is not None]

    def _prune(self) -> None:
        cutoff = time.time() - KEEP_FINISHED_S
        for job in self._jobs():
            if job.status in (DONE, FAILED) and job.finished_at and \
                    datetime.fromisoformat(job.finished_at).timestamp() < cutoff:
                shutil.rmtree(self.root / job.job_id, ignore_errors=True)

    def _ensure_root(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
