"""The API against its own OpenAPI document: schemathesis generates requests from /openapi.json
(valid and invalid parameters and bodies) and sends them to the real app under waitress on
loopback; every answer must match what the document promises.

Bounded and deterministic: a fixed number of examples per operation and mode, derandomized. The
one 5xx the contract allows is the documented 503 when an online speech engine cannot be reached
(here gTTS always fails: there is no network).
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, positive_data_acceptance

from members import open_members
from search_api import create_app
from tests.helpers_api import EDITOR_TOKEN, Server, build_library, make_settings

EXAMPLES = 15
# Operations that may answer 503 tts_unavailable, as their responses in the document say.
SPEECH = {"/api/documents/{doc_id}/audio", "/api/tts"}
# year_to earlier than year_from is refused with a 422 the parameter's description documents;
# OpenAPI 3.0 cannot state a rule between two parameters, so a generator that draws both
# independently would count that refusal as rejecting valid input. Server errors are checked
# below, with the documented exception.
EXCLUDED = [positive_data_acceptance, not_a_server_error]
HEADERS = {"Authorization": f"Bearer {EDITOR_TOKEN}"}
# Bookmarks and listening positions belong to a member (the automation token has none): those
# operations run as one.
MEMBER_HEADERS: dict[str, str] = {}
MEMBER_PATHS = ("/api/bookmarks", "/api/listening/")


@pytest.fixture(scope="module")
def server(tmp_path_factory, fake_embedder, sotay_home):
    # Not a test of the write limit (tests/test_limits.py is): the generated writes must all arrive.
    settings = make_settings(tmp_path_factory.mktemp("contract") / "index", sotay_home,
                             write_rate_limit="1000 per minute")
    app = create_app(settings, build_library(settings, fake_embedder))
    members = open_members(settings)
    members.add_org("chi-bo", "Chi bộ")
    members.add_user("hop-dong", "chi-bo", password="mat-khau-hop-dong")
    MEMBER_HEADERS["Authorization"] = f"Bearer {members.issue_token('hop-dong')}"
    with Server(app) as running:
        yield running


@pytest.fixture(scope="module")
def operations(server):
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    return {f"{op.method.upper()} {op.path}": op for op in (result.ok() for result in schema.get_all_operations())}


def check(case) -> None:
    headers = MEMBER_HEADERS if case.operation.path.startswith(MEMBER_PATHS) else HEADERS
    response = case.call(headers=headers, timeout=30)
    case.validate_response(response, excluded_checks=EXCLUDED)
    if response.status_code >= 500:
        code = response.json()["error"]["code"]
        assert response.status_code == 503 and case.operation.path in SPEECH and code == "tts_unavailable", (
            f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}")


def test_the_document_lists_every_operation(operations):
    assert set(operations) == {
        "GET /api/search", "GET /api/documents/{doc_id}", "GET /api/documents/{doc_id}/file",
        "GET /api/documents/{doc_id}/original", "GET /api/jobs/{job_id}",
        "GET /api/documents/{doc_id}/audio", "GET /api/news", "POST /api/tts", "POST /api/documents",
        "DELETE /api/documents/{doc_id}", "GET /healthz", "GET /api/bookmarks", "POST /api/bookmarks",
        "DELETE /api/bookmarks/{doc_id}", "GET /api/listening/{doc_id}", "PUT /api/listening/{doc_id}",
        "DELETE /api/listening/{doc_id}",
    }


def run_examples(operation, mode: GenerationMode = GenerationMode.POSITIVE) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    def run(case):
        check(case)

    run()


def test_valid_requests_get_what_the_document_promises(operations):
    for name, operation in sorted(operations.items()):
        if name != "DELETE /api/documents/{doc_id}":  # last, below: the others need documents
            run_examples(operation)


def test_invalid_requests_are_refused_as_the_document_says(operations):
    tested = set()
    for name, operation in sorted(operations.items()):
        try:
            run_examples(operation, GenerationMode.NEGATIVE)
        except Unsatisfiable:
            continue  # nothing in the operation can be made invalid (no parameters, free strings)
        tested.add(name)
    assert {"GET /api/search", "GET /api/news", "GET /api/documents/{doc_id}/audio", "POST /api/tts",
            "PUT /api/listening/{doc_id}"} <= tested


def _request(server, method: str, path: str, headers: dict | None = None, data: bytes | None = None):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_an_undeclared_method_is_a_json_405_that_says_what_is_allowed(server):
    status, headers, body = _request(server, "PUT", "/api/search?q=x")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD, OPTIONS"
    assert b'"code":"method_not_allowed"' in body


def test_a_delete_of_an_odd_id_is_404_not_405(server):
    status, _, body = _request(server, "DELETE", "/api/documents/%09x", HEADERS)
    assert status == 404, body


def test_options_on_the_audio_route_lists_only_its_own_methods(server):
    # "x/audio" is the audio of "x", never a document id that DELETE could also take.
    status, headers, _ = _request(server, "OPTIONS", "/api/documents/x/audio")
    assert status == 200
    assert "DELETE" not in headers["Allow"]


def test_an_empty_engine_is_refused_as_the_enum_says(server):
    status, _, body = _request(server, "GET", "/api/documents/nq-57-2024/audio?engine=")
    assert status == 422 and b"engine" in body


def test_speech_refuses_an_unknown_token_as_every_route_does(server):
    headers = {"Authorization": "Bearer khong-phai-token", "Content-Type": "application/json"}
    status, _, body = _request(server, "POST", "/api/tts", headers, data=b'{"text": "Xin chao"}')
    assert status == 401, body


def test_health_names_the_live_generation(server):
    status, _, body = _request(server, "GET", "/healthz")
    assert status == 200 and b'"generation":"m-' in body


def test_an_original_text_file_has_one_charset(server):
    status, headers, _ = _request(server, "GET", "/api/documents/qd-sinh-hoat-chi-bo/file")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


# Last: deletes leave the other tests fewer documents.
def test_deletes_keep_the_contract(operations):
    run_examples(operations["DELETE /api/documents/{doc_id}"])
