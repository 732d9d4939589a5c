"""Followed news topics: a member follows or stops following a topic from /news?topic= (a form
post with the CSRF token), its news come first on /news, the choice is kept in the members'
database (migration 0003); an anonymous viewer or a bearer token is sent to sign in."""
from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from members import Members, MembersError
from search_api import create_app
from tests.helpers_api import EDITOR_TOKEN, build_library, csrf_token, make_settings

PASSWORD = "mat-khau-cua-lan-2024"
RICE = "Nông dân ngoại thành bắt đầu gieo cấy vụ mới"  # the oldest of helpers_api's three news


@pytest.fixture(scope="module")
def world(tmp_path_factory, fake_embedder, sotay_home):
    settings = make_settings(tmp_path_factory.mktemp("follow") / "index", sotay_home)
    library = build_library(settings, fake_embedder)
    members = Members(settings.members_database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    members.add_org("quan", "Quận ủy")
    members.add_user("lan", "quan", password=PASSWORD)
    app = create_app(settings, library)
    app.extensions["sotay"]["members"] = members
    app.testing = True
    return app, members


@pytest.fixture
def member(world):
    app, members = world
    client = app.test_client()
    token = csrf_token(client.get("/dang-nhap").get_data(as_text=True))
    assert client.post("/dang-nhap", data={"username": "lan", "password": PASSWORD, "csrf_token": token}) \
        .status_code == 303
    yield client
    lan = members.sign_in("lan", PASSWORD)
    for slug in ("nong-nghiep", "suc-khoe"):
        members.unfollow_topic(lan.member_id, slug)


def titles(page: str) -> list[str]:
    return re.findall(r'<li class="newsitem">\s*<h2><a href="[^"]+">([^<]+)</a>', page)


def test_a_member_follows_a_topic_and_its_news_come_first(member):
    before = member.get("/news").get_data(as_text=True)
    assert titles(before)[-1] == RICE and "được xếp lên trước" not in before
    page = member.get("/news?topic=nong-nghiep").get_data(as_text=True)
    assert "☆ Theo dõi chủ đề này" in page

    assert member.post("/news/theo-doi", data={"topic": "nong-nghiep"}).status_code == 400  # no CSRF token
    followed = member.post("/news/theo-doi", data={"topic": "nong-nghiep", "action": "follow",
                                                   "csrf_token": csrf_token(page)})
    assert followed.status_code == 303 and followed.headers["Location"] == "/news?topic=nong-nghiep"
    page = member.get("/news?topic=nong-nghiep").get_data(as_text=True)
    assert "★ Đang theo dõi" in page

    after = member.get("/news").get_data(as_text=True)
    assert titles(after)[0] == RICE and sorted(titles(after)) == sorted(titles(before))
    assert "★ Nông nghiệp" in after and "được xếp lên trước" in after

    member.post("/news/theo-doi", data={"topic": "nong-nghiep", "action": "unfollow", "csrf_token": csrf_token(page)})
    assert titles(member.get("/news").get_data(as_text=True)) == titles(before)


def test_an_unknown_topic_is_refused(member, world):
    page = member.get("/news").get_data(as_text=True)
    refused = member.post("/news/theo-doi", data={"topic": "trong-trot", "csrf_token": csrf_token(page)})
    assert refused.status_code == 422
    _, members = world
    with pytest.raises(MembersError, match="field 'topics'.*nong-nghiep"):
        members.follow_topic(members.sign_in("lan", PASSWORD).member_id, "trong-trot")


@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Bearer {EDITOR_TOKEN}"}])
def test_only_a_signed_in_member_follows(world, headers):
    app, _ = world
    client = app.test_client()
    token = csrf_token(client.get("/dang-nhap").get_data(as_text=True))
    sent = client.post("/news/theo-doi", data={"topic": "suc-khoe", "csrf_token": token}, headers=headers)
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/dang-nhap")
    assert "Theo dõi chủ đề này" not in client.get("/news?topic=suc-khoe", headers=headers).get_data(as_text=True)
