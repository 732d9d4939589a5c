"""The walls hold: every route, for every kind of viewer, shows an internal document to exactly
those who may see it, and to everyone else answers as if it did not exist (404, never 403; not
in results, totals, pages, facets, news, snippets).

The tree: thanh-uy (the parent) -> quan-hm (the documents' organisation) -> phuong-hl (a child);
quan-bd is quan-hm's sibling. Viewers send `Authorization: Bearer <token>` from their account.
"""
from __future__ import annotations

import io

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from index import AccessDefaults
from members import Members
from search_api import create_app
from sotay import cli as cli_module
from tests.helpers_api import EDITOR_TOKEN, build_library, make_settings

SECRET_WORD = "khoanhvungbimat"
INTERNAL = "noi-bo-quan-hm"  # the uploaded file: internal to quan-hm
INTERNAL_NEWS = "tin/noi-bo-quan-hm"
MEMBERS_ONLY = "tin/cho-dang-vien"

# viewer -> may it see what is internal to quan-hm?
VIEWERS = {
    "anonymous": False,
    "member of the document's org": True,
    "member of a child org": True,
    "member of a sibling org": False,
    "member of the parent org": False,
    "editor of the document's org": True,
    "editor of a sibling org": False,
    "admin": True,
    "automation token": True,
}
ACCOUNTS = {
    "member of the document's org": ("an", "quan-hm", "member"),
    "member of a child org": ("binh", "phuong-hl", "member"),
    "member of a sibling org": ("chi", "quan-bd", "member"),
    "member of the parent org": ("dung", "thanh-uy", "member"),
    "editor of the document's org": ("giang", "quan-hm", "editor"),
    "editor of a sibling org": ("hoa", "quan-bd", "editor"),
    "admin": ("khanh", "thanh-uy", "admin"),
}
INTERNAL_TEXT = f"""KẾ HOẠCH nội bộ của Quận ủy Hoàng Mai về {SECRET_WORD}

Quận ủy yêu cầu các chi bộ triển khai {SECRET_WORD} trong quý II, giữ kín nội dung trong tổ chức.
"""
NEWS_JSONL = "\n".join([
    '{"_id": "tin/noi-bo-quan-hm", "type": "news", "date": "2030-01-01", "title": "Tin nội bộ quận ủy '
    + SECRET_WORD + '", "text": "Tin nội bộ về ' + SECRET_WORD + ' cho đảng viên quận.", '
    '"visibility": "internal", "org": "quan-hm", "issuer": "Ban nội bộ ' + SECRET_WORD + '", '
    '"topics": ["kinh-te"]}',
    '{"_id": "tin/cho-dang-vien", "type": "news", "date": "2029-01-01", "title": "Tin cho đảng viên", '
    '"text": "Tin dành cho mọi đảng viên đã đăng nhập.", "visibility": "members"}',
]) + "\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory, fake_embedder, sotay_home):
    settings = make_settings(tmp_path_factory.mktemp("walls") / "index", sotay_home)
    library = build_library(settings, fake_embedder)
    members = Members(settings.members_database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    members.add_org("thanh-uy", "Thành ủy Hà Nội")
    members.add_org("quan-hm", "Quận ủy Hoàng Mai", parent="thanh-uy")
    members.add_org("quan-bd", "Quận ủy Ba Đình", parent="thanh-uy")
    members.add_org("phuong-hl", "Đảng ủy phường Hoàng Liệt", parent="quan-hm")
    report = library.ingest_uploads([(INTERNAL + ".txt", INTERNAL_TEXT.encode()), ("tin.jsonl", NEWS_JSONL.encode())],
                                    access=AccessDefaults(visibility="internal", org="quan-hm"))
    assert not report.failed, report.to_json()
    headers = {"anonymous": {}, "automation token": {"Authorization": f"Bearer {EDITOR_TOKEN}"}}
    for viewer, (username, org, role) in ACCOUNTS.items():
        members.add_user(username, org, role=role)
        headers[viewer] = {"Authorization": f"Bearer {members.issue_token(username)}"}
    app = create_app(settings, library)
    app.extensions["sotay"]["members"] = members
    app.testing = True
    return app, headers, members


@pytest.fixture(params=sorted(VIEWERS))
def viewer(request, world):
    app, headers, _ = world
    return request.param, VIEWERS[request.param], app.test_client(), headers[request.param]


def test_search_results_total_pages_snippets(viewer):
    name, sees, client, headers = viewer
    body = client.get(f"/api/search?q={SECRET_WORD}&mode=keyword&top_k=10", headers=headers).get_json()
    ids = [hit["doc_id"] for hit in body["results"]]
    assert (INTERNAL in ids) is sees, name
    assert (INTERNAL_NEWS in ids) is sees, name
    assert body["total"] == (2 if sees else 0), name
    assert (SECRET_WORD in str(body["results"])) is sees
    page2 = client.get(f"/api/search?q={SECRET_WORD}&mode=keyword&top_k=1&page=2", headers=headers).get_json()
    assert len(page2["results"]) == (1 if sees else 0) and page2["total"] == body["total"]
    # A query that matches public documents too fills top_k with what this viewer may see.
    wide = client.get("/api/search?q=chi bộ đảng viên&mode=hybrid&top_k=3", headers=headers).get_json()
    assert len(wide["results"]) == 3
    assert sees or all(h["doc_id"] not in (INTERNAL, INTERNAL_NEWS) for h in wide["results"])


def test_document_file_and_audio(viewer):
    name, sees, client, headers = viewer
    status = 200 if sees else 404
    # The document is a text file, not a scan: it has no "original" beside its file, for anyone,
    # and those who may not see it get the answer of a document that does not exist.
    original = client.get(f"/api/documents/{INTERNAL}/original", headers=headers)
    assert original.status_code == 404
    if not sees:
        assert original.get_data().replace(INTERNAL.encode(), b"") == client.get(
            "/api/documents/khong-co/original", headers=headers).get_data().replace(b"khong-co", b"")
    for path in (f"/api/documents/{INTERNAL}", f"/api/documents/{INTERNAL}/file",
                 f"/api/documents/{INTERNAL}/audio?engine=offline", f"/doc/{INTERNAL}"):
        response = client.get(path, headers=headers)
        assert response.status_code == status, (name, path)
        if not sees:
            assert SECRET_WORD not in response.get_data(as_text=True)
            assert client.get(path.replace(INTERNAL, "khong-co-van-ban-nay"), headers=headers).get_data() \
                .replace(b"khong-co-van-ban-nay", b"") == response.get_data().replace(INTERNAL.encode(), b""), path


def test_news_api_and_page(viewer):
    name, sees, client, headers = viewer
    news = [item["doc_id"] for item in client.get("/api/news?limit=50", headers=headers).get_json()["results"]]
    assert (INTERNAL_NEWS in news) is sees, name
    assert (MEMBERS_ONLY in news) is (name != "anonymous"), name
    page = client.get("/news", headers=headers).get_data(as_text=True)
    assert (SECRET_WORD in page) is sees, name
    # By topic: the internal article is the only "kinh-te" news; the others see none, and no count.
    by_topic = client.get("/api/news?topic=kinh-te", headers=headers).get_json()["results"]
    assert [item["doc_id"] for item in by_topic] == ([INTERNAL_NEWS] if sees else []), name
    page = client.get("/news?topic=kinh-te", headers=headers).get_data(as_text=True)
    assert (SECRET_WORD in page) is sees, name
    assert client.get("/api/news?topic=khong-co", headers=headers).status_code == 422


def test_search_page_and_its_filter_choices(viewer):
    name, sees, client, headers = viewer
    page = client.get(f"/?q={SECRET_WORD}", headers=headers).get_data(as_text=True)
    assert (f"/doc/{INTERNAL}" in page) is sees, name
    home = client.get("/", headers=headers).get_data(as_text=True)
    # The hidden news item's issuer is a filter choice only for those who may see it.
    assert (f"Ban nội bộ {SECRET_WORD}" in home) is sees, name


def test_health_counts_only_what_the_viewer_may_see(world):
    app, headers, _ = world
    client = app.test_client()
    anonymous = client.get("/healthz").get_json()["documents"]
    assert client.get("/healthz", headers=headers["admin"]).get_json()["documents"] == anonymous + 3
    assert client.get("/healthz", headers=headers["member of a sibling org"]).get_json()["documents"] == anonymous + 1


def test_a_wrong_or_revoked_token_is_401_and_a_move_counts_at_the_next_request(world):
    app, headers, members = world
    client = app.test_client()
    response = client.get("/api/search?q=x", headers={"Authorization": "Bearer sotay_khong-phai-ma-that"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/news", headers={"Authorization": "Basic abc"}).status_code == 401

    members.add_user("moi", "quan-bd")
    token = {"Authorization": f"Bearer {members.issue_token('moi')}"}
    assert client.get(f"/api/documents/{INTERNAL}", headers=token).status_code == 404
    members.set_org("moi", "phuong-hl")
    assert client.get(f"/api/documents/{INTERNAL}", headers=token).status_code == 200
    members.revoke_tokens("moi")
    assert client.get(f"/api/documents/{INTERNAL}", headers=token).status_code == 401


def upload(client, headers, **fields):
    data = {"files": (io.BytesIO("Thông báo của chi bộ về sinh hoạt tháng.".encode()), "thong-bao-moi.txt"),
            **fields}
    return client.post("/api/documents?wait=60", data=data, headers=headers, content_type="multipart/form-data")


def test_editors_publish_and_remove_only_inside_their_subtree(world):
    app, headers, _ = world
    client = app.test_client()
    editor, sibling = headers["editor of the document's org"], headers["editor of a sibling org"]

    refused = upload(client, editor, visibility="internal", org="quan-bd")
    assert refused.status_code == 422
    assert "invalid parameter org: 'quan-bd' is not 'quan-hm' or an organisation below it" in \
        refused.get_json()["error"]["message"]
    assert upload(client, headers["member of the document's org"]).status_code == 403
    assert upload(client, {}).status_code == 401

    done = upload(client, editor, visibility="internal", org="phuong-hl")
    assert done.status_code == 200 and done.get_json()["added"] == ["thong-bao-moi"]
    assert client.get("/api/documents/thong-bao-moi", headers=headers["member of a child org"]).status_code == 200
    assert client.get("/api/documents/thong-bao-moi", headers=headers["member of the document's org"]) \
        .status_code == 404
    # Another organisation's editor may not overwrite it by reusing its id.
    again = upload(client, sibling, visibility="public")
    assert again.status_code == 200 and "cannot be replaced by this account" in again.get_json()["failed"][0]["reason"]

    # Delete: unseen is 404, seen but not theirs is 403, theirs is removed.
    assert client.delete(f"/api/documents/{INTERNAL}", headers=sibling).status_code == 404
    assert client.delete("/api/documents/qd-sinh-hoat-chi-bo", headers=editor).status_code == 403
    assert client.delete("/api/documents/thong-bao-moi", headers=sibling).status_code == 404
    assert client.delete("/api/documents/thong-bao-moi", headers=editor).status_code == 200


@pytest.mark.parametrize(("flags", "sees"), [([], False), (["--all"], True)])
def test_the_command_line_reads_as_anonymous_unless_told(world, monkeypatch, flags, sees):
    app, _, _ = world
    library = app.extensions["sotay"]["library"]
    monkeypatch.setattr(cli_module, "_library", lambda settings: library)
    runner = CliRunner(mix_stderr=False)
    found = runner.invoke(cli_module.cli, ["search", SECRET_WORD, "--mode", "keyword", "--json", *flags])
    assert found.exit_code == 0 and (INTERNAL in found.stdout) is sees
    read = runner.invoke(cli_module.cli, ["read", INTERNAL, "--show-text", *flags])
    assert (read.exit_code == 0) is sees
    assert (SECRET_WORD in read.stdout) is sees
    if not sees:
        assert f"no document {INTERNAL!r}" in read.stderr


def test_bookmarks_api(viewer, world):
    name, sees, client, headers = viewer
    _, _, members = world
    added = client.post("/api/bookmarks", json={"doc_id": INTERNAL}, headers=headers)
    listed = client.get("/api/bookmarks", headers=headers)
    removed = client.delete(f"/api/bookmarks/{INTERNAL}", headers=headers)
    if name == "anonymous":
        assert (added.status_code, listed.status_code, removed.status_code) == (401, 401, 401)
        return
    if name == "automation token":
        assert (added.status_code, listed.status_code, removed.status_code) == (403, 403, 403)
        return
    assert added.status_code == (201 if sees else 404), name
    assert (INTERNAL in [b["doc_id"] for b in listed.get_json()["results"]]) is sees, name
    assert SECRET_WORD not in listed.get_data(as_text=True) or sees
    assert removed.status_code == (204 if sees else 404), name
    assert client.get("/api/bookmarks", headers=headers).get_json()["results"] == []
    # A public document is bookmarked by anyone signed in; one that does not exist is 404 as well.
    assert client.post("/api/bookmarks", json={"doc_id": "qd-sinh-hoat-chi-bo"}, headers=headers).status_code == 201
    assert client.post("/api/bookmarks", json={"doc_id": "khong-co"}, headers=headers).status_code == 404
    assert client.delete("/api/bookmarks/qd-sinh-hoat-chi-bo", headers=headers).status_code == 204


def test_listening_api(viewer):
    name, sees, client, headers = viewer
    path = f"/api/listening/{INTERNAL}"
    saved = client.put(path, json={"seconds": 95.5}, headers=headers)
    read = client.get(path, headers=headers)
    forgotten = client.delete(path, headers=headers)
    statuses = (saved.status_code, read.status_code, forgotten.status_code)
    if name == "anonymous":
        assert statuses == (401, 401, 401)
        return
    if name == "automation token":
        assert statuses == (403, 403, 403)
        return
    assert statuses == ((200, 200, 204) if sees else (404, 404, 404)), name
    assert (read.get_json().get("seconds") == 95.5) is sees, name
    for response in (saved, read):
        assert SECRET_WORD not in response.get_data(as_text=True)
        if not sees:  # the same answer as for a document that does not exist
            missing = client.get(path.replace(INTERNAL, "khong-co-van-ban-nay"), headers=headers)
            assert missing.status_code == 404 and missing.get_data().replace(b"khong-co-van-ban-nay", b"") == \
                response.get_data().replace(INTERNAL.encode(), b""), name
    assert client.get(path, headers=headers).get_json().get("seconds") is None


def test_a_bookmark_the_member_can_no_longer_see_disappears(world):
    app, _, members = world
    client = app.test_client()
    members.add_user("tam", "phuong-hl")
    token = {"Authorization": f"Bearer {members.issue_token('tam')}"}
    assert client.post("/api/bookmarks", json={"doc_id": INTERNAL}, headers=token).status_code == 201
    members.set_org("tam", "quan-bd")
    assert client.get("/api/bookmarks", headers=token).get_json()["results"] == []
    assert client.delete(f"/api/bookmarks/{INTERNAL}", headers=token).status_code == 404
    members.set_org("tam", "phuong-hl")
    assert [b["doc_id"] for b in client.get("/api/bookmarks", headers=token).get_json()["results"]] == [INTERNAL]
