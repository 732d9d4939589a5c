"""Uploads run as jobs (search_api/jobs.py): answered at once, followed to the end, never lost.

The slow ones recognise a real scan (OCR takes seconds: long enough to look at the library while
the job runs, and to kill the server in the middle of it).
"""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from index.access import EVERYTHING
from members import Members
from search_api import create_app
from search_api.jobs import JOBS_DIR, RUNNING, Job
from tests import scans
from tests.helpers_api import EDITOR_TOKEN, build_library, make_settings

AUTH = {"Authorization": f"Bearer {EDITOR_TOKEN}"}
REPO = Path(__file__).resolve().parent.parent
SCAN_TEXT = """KẾ HOẠCH
về trồng cây xanh khuôn viên trụ sở Đảng ủy phường Hoàng Liệt
Chi bộ tổ dân phố số 7 vận động đảng viên trồng cây xanh quanh nhà văn hóa trong tháng ba.
Mỗi đảng viên nhận chăm sóc một cây bàng và báo cáo chi ủy vào cuối quý.
"""


def scan_pdf(seed: int = 1) -> bytes:
    return scans.image_pdf([scans.scan(page, seed) for page in scans.typeset(SCAN_TEXT).pages])


@pytest.fixture
def app(tmp_path, fake_embedder, sotay_home):
    settings = make_settings(tmp_path / "index", sotay_home)
    library = build_library(settings, fake_embedder)
    app = create_app(settings, library)
    app.testing = True
    return app


def post(client, files, headers=AUTH, query=""):
    data = {"files": [(io.BytesIO(body), name) for name, body in files]}
    return client.post("/api/documents" + query, data=data, headers=headers, content_type="multipart/form-data")


def wait_done(client, url, headers=AUTH, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers).get_json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job not finished in {seconds} s: {job}")


def test_an_upload_answers_at_once_with_its_job_and_the_job_ends_with_the_report(app):
    client = app.test_client()
    response = post(client, [("ke-hoach-trong-cay.txt", SCAN_TEXT.encode()), ("rong.txt", b"")])
    assert response.status_code == 202
    job = response.get_json()
    assert job["status"] in ("queued", "running", "done") and job["files"] == ["ke-hoach-trong-cay.txt", "rong.txt"]
    assert job["status_url"] == f"/api/jobs/{job['job_id']}"
    done = wait_done(client, job["status_url"])
    assert done["status"] == "done" and done["error"] is None and done["finished_at"]
    assert done["report"]["added"] == ["ke-hoach-trong-cay"]
    assert [f["path"] for f in done["report"]["failed"]] == ["rong.txt"]
    hits = client.get("/api/search?q=trồng cây xanh khuôn viên&mode=keyword").get_json()["results"]
    assert hits[0]["doc_id"] == "ke-hoach-trong-cay"
    # The kept upload is gone once it is in the library; the job's record stays for its page.
    assert not (Path(app.extensions["sotay"]["settings"].index_dir) / JOBS_DIR / job["job_id"] / "files").exists()


def test_wait_answers_the_report_when_the_job_finishes_in_time(app):
    response = post(app.test_client(), [("ke-hoach.txt", SCAN_TEXT.encode())], query="?wait=60")
    assert response.status_code == 200
    body = response.get_json()
    assert body["added"] == ["ke-hoach"] and len(body["job_id"]) == 24
    assert post(app.test_client(), [("a.txt", b"x")], query="?wait=-1").status_code == 422
    assert post(app.test_client(), [("a.txt", b"x")], query="?wait=301").status_code == 422


def test_a_job_exists_only_for_its_uploader_and_administrators(tmp_path, fake_embedder, sotay_home):
    settings = make_settings(tmp_path / "index", sotay_home)
    app = create_app(settings, build_library(settings, fake_embedder))
    members = Members(settings.members_database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    app.extensions["sotay"]["members"] = members
    members.add_org("thanh-uy", "Thành ủy")
    members.add_org("quan-hm", "Quận ủy Hoàng Mai", parent="thanh-uy")
    members.add_org("quan-bd", "Quận ủy Ba Đình", parent="thanh-uy")
    tokens = {}
    for username, org, role in (("giang", "quan-hm", "editor"), ("hoa", "quan-bd", "editor"),
                                ("khanh", "thanh-uy", "admin"), ("an", "quan-hm", "member")):
        members.add_user(username, org, role=role)
        tokens[username] = {"Authorization": f"Bearer {members.issue_token(username)}"}
    client = app.test_client()
    job = post(client, [("tin.txt", SCAN_TEXT.encode())], headers=tokens["giang"]).get_json()
    url = job["status_url"]
    assert wait_done(client, url, tokens["giang"])["status"] == "done"
    assert client.get(url, headers=tokens["khanh"]).status_code == 200
    assert client.get(url, headers=AUTH).status_code == 200
    other = client.get(url, headers=tokens["hoa"])
    missing = client.get("/api/jobs/" + "0" * 24, headers=tokens["hoa"])
    assert other.status_code == missing.status_code == 404
    assert other.get_json()["error"]["message"].replace(job["job_id"], "") == \
        missing.get_json()["error"]["message"].replace("0" * 24, "")
    assert client.get(url, headers=tokens["an"]).status_code == 403  # not an editor at all
    assert client.get(url).status_code == 401
    # The job ran with the uploader's rights: the document belongs to their organisation.
    assert app.extensions["sotay"]["library"].get("tin", scope=EVERYTHING).meta["org"] == "quan-hm"


def test_a_job_the_server_stopped_during_too_often_is_failed_not_retried(tmp_path, fake_embedder, sotay_home):
    settings = make_settings(tmp_path / "index", sotay_home)
    folder = Path(settings.index_dir) / JOBS_DIR / ("a" * 24)
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "0").write_bytes(SCAN_TEXT.encode())
    job = Job(job_id="a" * 24, status=RUNNING, created_at="2026-12-01T00:00:00+00:00", owner={"automation": True},
              files=["ke-hoach.txt"], restarts=2)
    (folder / "job.json").write_text(json.dumps(asdict(job)), encoding="utf-8")
    app = create_app(settings, build_library(settings, fake_embedder))
    client = app.test_client()
    done = wait_done(client, "/api/jobs/" + "a" * 24)
    assert done["status"] == "failed" and "stopped 3 times" in done["error"]
    assert app.extensions["sotay"]["library"].get("ke-hoach") is None


@pytest.mark.slow
def test_a_search_during_the_job_sees_the_library_as_before(app):
    client = app.test_client()
    job = post(client, [("quet-ke-hoach.pdf", scan_pdf())]).get_json()
    seen_running = False
    while True:
        state = client.get(job["status_url"], headers=AUTH).get_json()
        if state["status"] == "running" and state["progress"].get("stage", "").startswith("OCR "):
            seen_running = True
            hits = client.get("/api/search?q=cây bàng&mode=keyword").get_json()["results"]
            assert "quet-ke-hoach" not in [hit["doc_id"] for hit in hits]  # not before its job commits
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert seen_running and state["status"] == "done", state
    assert state["progress"] and any("recognised by OCR" in note for note in state["report"]["notes"])
    hits = client.get("/api/search?q=cây bàng&mode=keyword").get_json()["results"]
    assert hits and hits[0]["doc_id"] == "quet-ke-hoach"


SERVER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from index.store import Library
from search_api import create_app
from tests.fakes import FakeEmbedder
from tests.helpers_api import make_settings
settings = make_settings(Path({index!r}), Path({home!r}))
app = create_app(settings, Library(settings, embedder=FakeEmbedder()))
queue = app.extensions["sotay"]["jobs"]
job = queue.submit([("quet-ke-hoach.pdf", Path({scan!r}).read_bytes())], {{"automation": True}}, {{}})
print(job.job_id, flush=True)
time.sleep(600)
"""


@pytest.mark.slow
def test_a_job_survives_the_server_being_killed_in_the_middle(tmp_path, fake_embedder, sotay_home):
    """SIGKILL the serving process while its job recognises a scan; the next start finishes it."""
    index = tmp_path / "index"
    settings = make_settings(index, sotay_home)
    build_library(settings, fake_embedder)
    scan = tmp_path / "quet.pdf"
    scan.write_bytes(scan_pdf())
    script = SERVER.format(repo=str(REPO), index=str(index), home=str(sotay_home), scan=str(scan))
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, SOTAY_EDITOR_TOKEN=EDITOR_TOKEN))
    try:
        job_id = server.stdout.readline().strip()
        record = index / JOBS_DIR / job_id / "job.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = json.loads(record.read_text(encoding="utf-8"))
            if state["status"] == "running" and state["progress"].get("stage", "").startswith("OCR "):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the job never started recognising: {state}")
        os.kill(server.pid, signal.SIGKILL)  # a power cut in the middle of the job
    finally:
        server.kill()
        server.wait()
    assert json.loads(record.read_text(encoding="utf-8"))["status"] == "running"

    app = create_app(settings, build_library(settings, fake_embedder, files=[]))
    done = wait_done(app.test_client(), f"/api/jobs/{job_id}")
    assert done["status"] == "done" and done["restarts"] == 1, done
    assert done["report"]["added"] == ["quet-ke-hoach"]
    assert app.extensions["sotay"]["library"].get("quet-ke-hoach") is not None
