"""What one client may ask of the service: write rates per address, body sizes per route, and
which address counts when a reverse proxy stands in front."""
from __future__ import annotations

import io

import pytest

from search_api import create_app
from tests.helpers_api import EDITOR_TOKEN, build_library, make_settings

AUTH = {"Authorization": f"Bearer {EDITOR_TOKEN}"}
WRONG = {"Authorization": "Bearer doan-mo"}


@pytest.fixture
def make_app(tmp_path, fake_embedder, sotay_home):
    library = {}

    def factory(**overrides):
        settings = make_settings(tmp_path / "index", sotay_home, **overrides)
        if "library" not in library:
            library["library"] = build_library(settings, fake_embedder)
        return create_app(settings, library["library"])

    return factory


def test_writes_past_the_limit_are_refused_whatever_the_token(make_app):
    client = make_app(write_rate_limit="3 per minute").test_client()
    statuses = [client.delete("/api/documents/khong-co", headers=WRONG).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    # A guesser is stopped, and so is the right token from the same address.
    refused = client.delete("/api/documents/khong-co", headers=AUTH)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) > 0
    assert client.post("/api/documents", headers=AUTH, data={"type": "news"}).status_code == 429
    # Reading is not limited, and another address still writes.
    assert all(client.get("/api/search?q=chi+bộ").status_code == 200 for _ in range(10))
    other = client.delete("/api/documents/khong-co", headers=AUTH, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 404


def test_a_forwarded_for_header_is_not_believed_by_default(make_app):
    client = make_app(write_rate_limit="2 per minute").test_client()
    for i in range(2):
        client.delete("/api/documents/khong-co", headers={**WRONG, "X-Forwarded-For": f"203.0.113.{i}"})
    spoofed = client.delete("/api/documents/khong-co", headers={**WRONG, "X-Forwarded-For": "203.0.113.99"})
    assert spoofed.status_code == 429


def test_behind_a_trusted_proxy_each_client_is_counted_apart(make_app):
    client = make_app(write_rate_limit="2 per minute", trusted_proxies=1).test_client()
    first = {**WRONG, "X-Forwarded-For": "203.0.113.1"}
    assert [client.delete("/api/documents/x", headers=first).status_code for _ in range(3)] == [401, 401, 429]
    second = {**WRONG, "X-Forwarded-For": "203.0.113.2"}
    assert client.delete("/api/documents/x", headers=second).status_code == 401


def test_a_large_body_is_refused_on_a_route_that_takes_none(make_app):
    client = make_app().test_client()
    big = b'{"text": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = client.post("/api/tts", data=big, content_type="application/json")
    assert response.status_code == 413
    assert "1 MB limit of this route" in response.get_json()["error"]["message"]


def test_an_upload_may_be_larger_than_the_small_body_bound(make_app):
    # The file is refused by name in the report (an unsupported type), which is the point: the body
    # reached the library's readers instead of being cut off with a 413.
    client = make_app().test_client()
    data = b"\0" * (2 * 1024 * 1024)
    response = client.post("/api/documents?wait=60", headers=AUTH, content_type="multipart/form-data",
                           data={"files": (io.BytesIO(data), "ban-ghi.bin")})
    assert response.status_code == 200, response.get_json()
    assert [f["path"] for f in response.get_json()["failed"]] == ["ban-ghi.bin"]
