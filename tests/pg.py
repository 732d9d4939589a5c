"""A real PostgreSQL server for the tests: a throwaway cluster from Debian's binaries.

`initdb` makes a cluster in a temporary folder and `pg_ctl` starts it on a free loopback port
(about 3 s, once a session); each test gets a database of its own. Nothing is skipped: without
the server binaries the tests fail and say what to install. PostgreSQL refuses to run as root,
so as root the cluster belongs to the `postgres` account Debian's package creates.
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

MISSING = ("PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or on PATH: "
           "install Debian's postgresql package (`make test` does: APT_PACKAGES in the Makefile)")


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    return Path(which).parent if which else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    def __init__(self):
        bindir = _binaries()
        if bindir is None or not (bindir / "pg_ctl").exists():
            pytest.fail(MISSING, pytrace=False)
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="sotay-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root and there is no 'postgres' account to run PostgreSQL as: "
                            "install Debian's postgresql package, or run the tests as another user", pytrace=False)
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "sotay", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                  "-o", f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.root} -c fsync=off",
                  "start")
        self._names = itertools.count(1)

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run([*self.as_user, str(self.bindir / tool), *args], capture_output=True, text=True,
                                timeout=120)
        if result.returncode != 0:
            log = self.root / "server.log"
            pytest.fail(f"{tool} failed ({result.returncode}): {result.stderr.strip()}"
                        + (f"\n{log.read_text()[-2000:]}" if log.exists() else ""), pytrace=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://sotay@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"sotay_test_{next(self._names)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=sotay dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster():
    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh members' database: SQLite in a temporary folder, then a real PostgreSQL one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'members.sqlite3'}"
    return request.getfixturevalue("postgres_cluster").new_database()
