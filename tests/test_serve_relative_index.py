"""`make run` as a user runs it: `sotay ingest` and `sotay serve` with the relative `--index
data/index`, then the document page's download button, over real HTTP."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers_api import free_port

REPO = Path(__file__).resolve().parent.parent
SOTAY = Path(sys.executable).with_name("sotay")
PDF = REPO / "corpus" / "library" / "van-ban" / "qd-22-2021.pdf"

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_download_works_with_a_relative_index(tmp_path, sotay_home):
    # A working directory of its own stands in for the repository root, so the test writes
    # nothing into the checkout; the index path is relative to it, exactly as in the Makefile.
    shutil.copy(PDF, tmp_path / PDF.name)
    env = {**os.environ, "SOTAY_HOME": str(sotay_home), "SOTAY_THREADS": "2"}
    env.pop("SOTAY_INDEX", None)
    ingest = subprocess.run([str(SOTAY), "ingest", PDF.name, "--index", "data/index"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr

    port = free_port()
    server = subprocess.Popen([str(SOTAY), "serve", "--index", "data/index", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            if server.poll() is not None:
                pytest.fail(f"sotay serve exited: {server.stderr.read().decode()}")
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        status, body = _get(base + "/api/documents/qd-22-2021/file")
        assert status == 200, body[:500]
        assert body == PDF.read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=10)
