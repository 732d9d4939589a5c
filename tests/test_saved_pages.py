"""The "Xem sau" pages: buttons on results, the document page and news; /xem-sau newest first
with a listen button; form posts with CSRF; a bookmark the member can no longer see is gone."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from index import AccessDefaults
from members import Members
from search_api import create_app
from tests.helpers_api import build_library, csrf_token, make_settings

INTERNAL = "bien-ban-chi-bo-9"
PASSWORD = "mat-khau-cua-lan-2024"


@pytest.fixture(scope="module")
def world(tmp_path_factory, fake_embedder, sotay_home):
    settings = make_settings(tmp_path_factory.mktemp("saved") / "index", sotay_home)
    library = build_library(settings, fake_embedder)
    members = Members(settings.members_database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    members.add_org("quan", "Quận ủy")
    members.add_org("chi-bo-9", "Chi bộ 9", parent="quan")
    members.add_org("chi-bo-10", "Chi bộ 10", parent="quan")
    members.add_user("lan", "chi-bo-9", password=PASSWORD)
    text = "BIÊN BẢN họp chi bộ 9 về xaydungnongthonmoi\n\nChi bộ 9 bàn việc xaydungnongthonmoi.\n"
    assert not library.ingest_uploads([(INTERNAL + ".txt", text.encode())],
                                      access=AccessDefaults(visibility="internal", org="chi-bo-9")).failed
    app = create_app(settings, library)
    app.extensions["sotay"]["members"] = members
    app.testing = True
    return app, members


@pytest.fixture
def member(world):
    app, _ = world
    client = app.test_client()
    token = csrf_token(client.get("/dang-nhap").get_data(as_text=True))
    assert client.post("/dang-nhap", data={"username": "lan", "password": PASSWORD, "csrf_token": token}) \
        .status_code == 303
    yield client
    for doc_id in ("tin-tuc/hien-mau-tinh-nguyen", INTERNAL, "qd-sinh-hoat-chi-bo"):
        page = client.get("/xem-sau").get_data(as_text=True)
        client.post("/xem-sau/bo", data={"doc_id": doc_id, "csrf_token": csrf_token(page)})


def test_bookmark_from_results_document_and_news_then_list_newest_first(member):
    results = member.get("/?q=xaydungnongthonmoi").get_data(as_text=True)
    assert "＋ Xem sau" in results
    saved = member.post("/xem-sau", data={"doc_id": INTERNAL, "next": "/?q=xaydungnongthonmoi",
                                          "csrf_token": csrf_token(results)})
    assert saved.status_code == 303 and saved.headers["Location"] == "/?q=xaydungnongthonmoi"
    assert "✓ Đã lưu xem sau" in member.get("/?q=xaydungnongthonmoi").get_data(as_text=True)

    doc_page = member.get("/doc/qd-sinh-hoat-chi-bo").get_data(as_text=True)
    assert "＋ Xem sau" in doc_page
    member.post("/xem-sau", data={"doc_id": "qd-sinh-hoat-chi-bo", "csrf_token": csrf_token(doc_page)})
    news = member.get("/news").get_data(as_text=True)
    member.post("/xem-sau", data={"doc_id": "tin-tuc/hien-mau-tinh-nguyen", "csrf_token": csrf_token(news)})

    listing = member.get("/xem-sau").get_data(as_text=True)
    order = [listing.index(f'href="/doc/{d}"') for d in ("tin-tuc/hien-mau-tinh-nguyen", "qd-sinh-hoat-chi-bo",
                                                         INTERNAL)]
    assert order == sorted(order)
    assert listing.count("▶ Nghe") == 3 and f"/api/documents/{INTERNAL}/audio" in listing

    removed = member.post("/xem-sau/bo", data={"doc_id": INTERNAL, "csrf_token": csrf_token(listing)})
    assert removed.status_code == 303 and removed.headers["Location"] == "/xem-sau"
    assert f'href="/doc/{INTERNAL}"' not in member.get("/xem-sau").get_data(as_text=True)


def test_without_the_csrf_token_nothing_is_saved(member):
    assert member.post("/xem-sau", data={"doc_id": "qd-sinh-hoat-chi-bo"}).status_code == 400
    assert 'href="/doc/qd-sinh-hoat-chi-bo"' not in member.get("/xem-sau").get_data(as_text=True)


def test_anonymous_and_unseen(world, member):
    app, members = world
    anonymous = app.test_client()
    assert anonymous.get("/xem-sau").headers["Location"].startswith("/dang-nhap")
    assert "Xem sau" not in anonymous.get("/?q=chi+bộ").get_data(as_text=True)
    page = anonymous.get("/dang-nhap").get_data(as_text=True)
    refused = anonymous.post("/xem-sau", data={"doc_id": "qd-sinh-hoat-chi-bo", "csrf_token": csrf_token(page)})
    assert refused.status_code == 303 and refused.headers["Location"].startswith("/dang-nhap")
    # A document the member may not see is a 404, like one that does not exist.
    token = csrf_token(member.get("/xem-sau").get_data(as_text=True))
    assert member.post("/xem-sau", data={"doc_id": "khong-co", "csrf_token": token}).status_code == 404


def test_a_bookmark_the_member_can_no_longer_see_is_gone_from_the_page(world, member):
    _, members = world
    token = csrf_token(member.get("/xem-sau").get_data(as_text=True))
    member.post("/xem-sau", data={"doc_id": INTERNAL, "csrf_token": token})
    assert f'href="/doc/{INTERNAL}"' in member.get("/xem-sau").get_data(as_text=True)
    members.set_org("lan", "chi-bo-10")
    try:
        assert f'href="/doc/{INTERNAL}"' not in member.get("/xem-sau").get_data(as_text=True)
    finally:
        members.set_org("lan", "chi-bo-9")
