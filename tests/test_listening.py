"""Where a member stopped listening: kept per member in the members' database (migration 0004;
SQLite and a real PostgreSQL, tests/pg.py), on the API (`GET/PUT/DELETE /api/listening/<doc_id>`,
a real waitress server) and rendered into the pages for the script's "Nghe tiếp từ …" offer.
The walls (every kind of viewer) are in tests/test_walls.py; the offer in a real browser in
tests/test_browser_listening.py."""
from __future__ import annotations

import json
import math
import re
import threading
import urllib.error
import urllib.request

import pytest
from argon2 import PasswordHasher

from index import AccessDefaults
from members import MAX_LISTENING_SECONDS, Members, MembersError
from search_api import create_app
from tests.helpers_api import EDITOR_TOKEN, Server, build_library, csrf_token, make_settings
from tests.pg import database_url, postgres_cluster  # noqa: F401  (fixtures)

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
NEWS = "tin-tuc/hoi-nghi-chuyen-doi-so"
OTHER_NEWS = "tin-tuc/hien-mau-tinh-nguyen"
INTERNAL = "bien-ban-chi-bo-9"  # internal to chi-bo-9
PASSWORD = "mat-khau-cua-lan-2024"


# -- the Members service, on both databases ------------------------------------------------------

@pytest.fixture
def two_members(database_url):  # noqa: F811
    members = Members(database_url, hasher=CHEAP)
    members.add_org("chi-bo", "Chi bộ")
    members.add_user("lan", "chi-bo", password=PASSWORD)
    members.add_user("minh", "chi-bo", password=PASSWORD)
    lan, minh = (members.sign_in(name, PASSWORD).member_id for name in ("lan", "minh"))
    return members, lan, minh


def test_a_position_is_kept_replaced_and_forgotten_per_member(two_members):
    members, lan, minh = two_members
    assert members.listening_position(lan, NEWS) is None
    first = members.save_listening_position(lan, NEWS, 155.5)
    assert members.listening_position(lan, NEWS) == (155.5, first)
    members.save_listening_position(lan, NEWS, 12)
    members.save_listening_position(lan, OTHER_NEWS, 40.25)
    seconds, when = members.listening_position(lan, NEWS)
    assert seconds == 12.0 and when >= first
    # Another member stopped nowhere, and their own position does not touch Lan's.
    assert members.listening_position(minh, NEWS) is None
    members.save_listening_position(minh, NEWS, 3)
    assert members.listening_positions(lan, [NEWS, OTHER_NEWS, "khong-co"]) == {NEWS: 12.0, OTHER_NEWS: 40.25}
    assert members.listening_positions(minh, [NEWS, OTHER_NEWS]) == {NEWS: 3.0}
    assert members.listening_positions(lan, []) == {}

    assert members.forget_listening_position(lan, NEWS) is True
    assert members.forget_listening_position(lan, NEWS) is False
    assert members.listening_position(lan, NEWS) is None
    assert members.listening_position(minh, NEWS)[0] == 3.0


@pytest.mark.parametrize("seconds", [-0.5, math.nan, math.inf, -math.inf, MAX_LISTENING_SECONDS + 1, 10**400,
                                     "12", True, None])
def test_a_position_that_is_no_place_in_an_article_is_refused(two_members, seconds):
    members, lan, _ = two_members
    with pytest.raises(MembersError, match="seconds must be"):
        members.save_listening_position(lan, NEWS, seconds)
    assert members.listening_position(lan, NEWS) is None


def test_a_phone_and_a_computer_saving_at_once_leave_one_position(two_members):
    members, lan, _ = two_members
    errors: list[BaseException] = []

    def listen(start: int) -> None:
        try:
            for step in range(10):
                members.save_listening_position(lan, NEWS, start + step)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=listen, args=(100 * n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert members.listening_position(lan, NEWS)[0] in {100 * n + 9 for n in range(4)}
    assert members.forget_listening_position(lan, NEWS) and members.listening_position(lan, NEWS) is None


# -- the API and the pages, over a real server ---------------------------------------------------

@pytest.fixture(scope="module")
def world(tmp_path_factory, fake_embedder, sotay_home):
    settings = make_settings(tmp_path_factory.mktemp("listening") / "index", sotay_home)
    library = build_library(settings, fake_embedder)
    members = Members(settings.members_database, hasher=CHEAP)
    members.add_org("quan", "Quận ủy")
    members.add_org("chi-bo-9", "Chi bộ 9", parent="quan")
    members.add_org("chi-bo-10", "Chi bộ 10", parent="quan")
    members.add_user("lan", "chi-bo-9", password=PASSWORD)
    members.add_user("minh", "chi-bo-10", password=PASSWORD)
    text = "BIÊN BẢN họp chi bộ 9\n\nChi bộ 9 bàn việc tuần tra khu dân cư.\n"
    assert not library.ingest_uploads([(INTERNAL + ".txt", text.encode())],
                                      access=AccessDefaults(visibility="internal", org="chi-bo-9")).failed
    app = create_app(settings, library)
    app.extensions["sotay"]["members"] = members
    tokens = {name: {"Authorization": f"Bearer {members.issue_token(name)}"} for name in ("lan", "minh")}
    with Server(app) as server:
        yield app, server, members, tokens


def call(server, method: str, path: str, headers: dict | None = None, body=None, raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {**(headers or {}), **({"Content-Type": "application/json"} if data is not None else {})}
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    return status, (json.loads(payload) if payload else None)


def test_a_member_saves_reads_and_forgets_where_they_stopped(world):
    _, server, _, tokens = world
    lan, minh = tokens["lan"], tokens["minh"]
    path = f"/api/listening/{NEWS}"
    assert call(server, "GET", path, lan) == (200, {"doc_id": NEWS, "seconds": None, "updated_at": None})

    status, saved = call(server, "PUT", path, lan, {"seconds": 155.5})
    assert status == 200 and saved["doc_id"] == NEWS and saved["seconds"] == 155.5 and saved["updated_at"]
    status, read = call(server, "GET", path, lan)
    assert status == 200 and read == saved
    # Another member (another organisation too) has stopped nowhere in it.
    assert call(server, "GET", path, minh)[1]["seconds"] is None

    assert call(server, "PUT", path, lan, {"seconds": 0})[1]["seconds"] == 0
    assert call(server, "DELETE", path, lan) == (204, None)
    assert call(server, "DELETE", path, lan) == (204, None)  # the page may send it twice
    assert call(server, "GET", path, lan)[1]["seconds"] is None


@pytest.mark.parametrize(("raw", "says"), [
    (b'{"seconds": -1}', "greater than or equal to 0"),
    (b'{"seconds": 86401}', "less than or equal to 86400"),
    (b'{"seconds": NaN}', "nan or infinity"),
    (b'{"seconds": Infinity}', "nan or infinity"),
    (b'{"seconds": 1' + b"0" * 400 + b"}", "nan or infinity"),
    (b'{"seconds": "155"}', "Not a valid number"),
    (b'{"seconds": true}', "Not a valid number"),
    (b'{"seconds": null}', "may not be null"),
    (b"{}", "Missing data"),
    (b'{"seconds": 5, "at": 1}', "Unknown field"),
])
def test_a_position_that_is_no_place_in_an_article_is_a_422_naming_seconds(world, raw, says):
    _, server, _, tokens = world
    status, body = call(server, "PUT", f"/api/listening/{NEWS}", tokens["lan"], raw=raw)
    assert status == 422, body
    assert body["error"]["code"] == "invalid_parameter" and says in body["error"]["message"]
    assert call(server, "GET", f"/api/listening/{NEWS}", tokens["lan"])[1]["seconds"] is None


def test_a_document_the_member_may_not_see_is_404_on_every_listening_route(world):
    _, server, members, tokens = world
    lan, minh = tokens["lan"], tokens["minh"]
    assert call(server, "PUT", f"/api/listening/{INTERNAL}", lan, {"seconds": 30})[0] == 200
    for method, body in (("GET", None), ("PUT", {"seconds": 30}), ("DELETE", None)):
        unseen = call(server, method, f"/api/listening/{INTERNAL}", minh, body)
        missing = call(server, method, "/api/listening/khong-co-van-ban-nay", minh, body)
        assert unseen[0] == missing[0] == 404, method
        assert unseen[1]["error"]["message"].replace(INTERNAL, "") == \
            missing[1]["error"]["message"].replace("khong-co-van-ban-nay", "")
    # Lan's position is untouched by Minh's attempts, and stops answering when she may no longer see it.
    assert call(server, "GET", f"/api/listening/{INTERNAL}", lan)[1]["seconds"] == 30
    members.set_org("lan", "chi-bo-10")
    try:
        assert call(server, "GET", f"/api/listening/{INTERNAL}", lan)[0] == 404
    finally:
        members.set_org("lan", "chi-bo-9")
    assert call(server, "DELETE", f"/api/listening/{INTERNAL}", lan)[0] == 204


def test_nobody_and_the_automation_token_keep_no_positions(world):
    _, server, _, _ = world
    status, body = call(server, "PUT", f"/api/listening/{NEWS}", {}, {"seconds": 10})
    assert status == 401 and "sign in" in body["error"]["message"]
    assert call(server, "GET", f"/api/listening/{NEWS}")[0] == 401
    status, body = call(server, "PUT", f"/api/listening/{NEWS}", {"Authorization": f"Bearer {EDITOR_TOKEN}"},
                        {"seconds": 10})
    assert status == 403 and "no member" in body["error"]["message"]


@pytest.fixture
def signed_in(world):
    """Lan's browser: the session cookie of /dang-nhap, as the pages' script has it."""
    app, _, members, _ = world
    app.testing = True
    client = app.test_client()
    token = csrf_token(client.get("/dang-nhap").get_data(as_text=True))
    assert client.post("/dang-nhap", data={"username": "lan", "password": PASSWORD, "csrf_token": token}) \
        .status_code == 303
    yield client
    lan = members.sign_in("lan", PASSWORD).member_id
    for doc_id in (NEWS, OTHER_NEWS, INTERNAL):
        members.forget_listening_position(lan, doc_id)


def page_csrf(page: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert match, "no CSRF token for the page's script"
    return match[1]


def audio_tag(page: str, doc_id: str) -> str:
    match = re.search(r'<audio [^>]*data-doc="' + re.escape(doc_id) + '"[^>]*>', page)
    assert match, f"no audio of {doc_id} on the page"
    return match[0]


def test_the_session_cookie_alone_cannot_save_a_position_without_the_pages_token(signed_in):
    refused = signed_in.put(f"/api/listening/{NEWS}", json={"seconds": 42})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    assert signed_in.get(f"/api/listening/{NEWS}").get_json()["seconds"] is None
    assert signed_in.delete(f"/api/listening/{NEWS}").status_code == 400

    token = page_csrf(signed_in.get("/news").get_data(as_text=True))
    saved = signed_in.put(f"/api/listening/{NEWS}", json={"seconds": 42}, headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and signed_in.get(f"/api/listening/{NEWS}").get_json()["seconds"] == 42


def test_the_pages_carry_where_the_member_stopped(signed_in, world):
    _, _, members, _ = world
    lan = members.sign_in("lan", PASSWORD).member_id
    members.save_listening_position(lan, NEWS, 155.5)
    members.save_listening_position(lan, INTERNAL, 61)
    news = signed_in.get("/news").get_data(as_text=True)
    tag = audio_tag(news, NEWS)
    assert 'data-resume="155.5"' in tag and f'data-listening="/api/listening/{NEWS}"' in tag
    assert "data-resume" not in audio_tag(news, OTHER_NEWS)
    assert 'data-resume="155.5"' in audio_tag(signed_in.get(f"/doc/{NEWS}").get_data(as_text=True), NEWS)

    token = page_csrf(news)
    signed_in.post("/xem-sau", data={"doc_id": INTERNAL, "csrf_token": token})
    saved = signed_in.get("/xem-sau").get_data(as_text=True)
    assert 'data-resume="61.0"' in audio_tag(saved, INTERNAL)
    signed_in.post("/xem-sau/bo", data={"doc_id": INTERNAL, "csrf_token": token})


def test_a_visitors_page_keeps_positions_in_the_browser(world):
    app, _, members, _ = world
    lan = members.sign_in("lan", PASSWORD).member_id
    members.save_listening_position(lan, NEWS, 155.5)
    try:
        page = app.test_client().get("/news").get_data(as_text=True)
    finally:
        members.forget_listening_position(lan, NEWS)
    tag = audio_tag(page, NEWS)
    assert "data-listening" not in tag and "data-resume" not in tag
    assert 'name="csrf-token"' not in page
