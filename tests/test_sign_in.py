"""Signing in on the pages: the session cookie, CSRF, lockout, no user enumeration, what a
signed-in member sees, signing out, changing the password, and nothing secret in the logs."""
from __future__ import annotations

import logging
import os
import re
import stat

import pytest
from argon2 import PasswordHasher

from index import AccessDefaults
from members import Members
from search_api import create_app
from search_api.sessions import COOKIE_NAME, SECRET_FILE
from tests.helpers_api import EDITOR_TOKEN, build_library, csrf_token, make_settings

SECRET_WORD = "kehoachrieng"
INTERNAL = "ke-hoach-chi-bo-7"
PASSWORD = "mat-khau-cua-an-2024"
CHILD_PASSWORD = "mat-khau-cua-binh-2024"
INTERNAL_TEXT = f"""KẾ HOẠCH của Chi bộ tổ dân phố số 7 về {SECRET_WORD}

Chi bộ phân công đảng viên thực hiện {SECRET_WORD} trong tháng tới.
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory, fake_embedder, sotay_home):
    settings = make_settings(tmp_path_factory.mktemp("signin") / "index", sotay_home,
                             sign_in_account_limit="3 per 15 minutes", sign_in_address_limit="6 per 15 minutes")
    library = build_library(settings, fake_embedder)
    members = Members(settings.members_database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    members.add_org("quan-hm", "Quận ủy Hoàng Mai")
    members.add_org("chi-bo-7", "Chi bộ tổ dân phố số 7", parent="quan-hm")
    members.add_org("chi-bo-8", "Chi bộ tổ dân phố số 8", parent="quan-hm")
    members.add_user("an", "chi-bo-7", full_name="Nguyễn Văn An", password=PASSWORD)
    members.add_user("chi", "chi-bo-8", password="mat-khau-cua-chi-2024")
    members.add_user("binh", "chi-bo-7", password=CHILD_PASSWORD)
    report = library.ingest_uploads([(INTERNAL + ".txt", INTERNAL_TEXT.encode())],
                                    access=AccessDefaults(visibility="internal", org="chi-bo-7"))
    assert not report.failed

    def make(**overrides):
        app = create_app(settings.with_(**overrides) if overrides else settings, library)
        app.extensions["sotay"]["members"] = members
        app.testing = True
        return app

    return make, members, settings


@pytest.fixture
def app(world):
    make, _, _ = world
    return make()


def sign_in(client, username, password, next_url=None, addr="127.0.0.1"):
    token = csrf_token(client.get("/dang-nhap", environ_base={"REMOTE_ADDR": addr}).get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if next_url:
        data["next"] = next_url
    return client.post("/dang-nhap", data=data, environ_base={"REMOTE_ADDR": addr})


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE_NAME + "=")]
    assert cookies, response.headers
    return cookies[-1]


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(app, world):
    client = app.test_client()
    response = sign_in(client, "an", PASSWORD)
    assert response.status_code == 303
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert PASSWORD not in cookie

    secure = app.test_client()
    token = csrf_token(secure.get("/dang-nhap", base_url="https://sotay.example").get_data(as_text=True))
    response = secure.post("/dang-nhap", base_url="https://sotay.example",
                           headers={"Referer": "https://sotay.example/dang-nhap"},
                           data={"username": "an", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303 and "; Secure" in session_cookie(response)

    # Behind a trusted proxy, the proxy's X-Forwarded-Proto says the member came over HTTPS.
    make, _, _ = world
    proxied = make(trusted_proxies=1).test_client()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5", "Host": "sotay.example"}
    token = csrf_token(proxied.get("/dang-nhap", headers=https).get_data(as_text=True))
    response = proxied.post("/dang-nhap", headers={**https, "Referer": "https://sotay.example/dang-nhap"},
                            data={"username": "an", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303 and "; Secure" in session_cookie(response)


def test_the_secret_key_is_kept_under_the_index_with_0600(app, world):
    _, _, settings = world
    path = settings.index_dir / SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # A restart signs with the same key, so a member stays signed in.
    assert create_app(settings, app.extensions["sotay"]["library"]).secret_key == app.secret_key
    assert create_app(settings.with_(secret_key="given-by-the-operator"),
                      app.extensions["sotay"]["library"]).secret_key == "given-by-the-operator"


def test_forms_without_the_csrf_token_are_refused(app):
    client = app.test_client()
    refused = client.post("/dang-nhap", data={"username": "an", "password": PASSWORD})
    assert refused.status_code == 400 and "Biểu mẫu đã hết hạn" in refused.get_data(as_text=True)
    assert sign_in(client, "an", PASSWORD).status_code == 303
    for path in ("/dang-xuat", "/doi-mat-khau"):
        assert client.post(path, data={}).status_code == 400, path
    assert client.post("/dang-xuat", data={"csrf_token": "gia-mao"}).status_code == 400
    # Still signed in: the forged sign-out did nothing.
    assert "Nguyễn Văn An" in client.get("/").get_data(as_text=True)
    # The JSON API with the session cookie needs the token too; with a bearer token it never does.
    assert client.post("/api/tts", json={"text": "xin chào"}).status_code == 400
    bearer = {"Authorization": f"Bearer {EDITOR_TOKEN}"}
    with_bearer = client.post("/api/tts", json={"text": "xin chào"}, headers=bearer)
    assert with_bearer.status_code == 200


def test_a_wrong_username_and_a_wrong_password_look_the_same(app):
    client = app.test_client()
    wrong_password = sign_in(client, "an", "khong-phai-mat-khau", addr="10.1.0.1")
    wrong_user = sign_in(client, "khong-co-ai", "khong-phai-mat-khau", addr="10.1.0.2")
    assert wrong_password.status_code == wrong_user.status_code == 200
    page_a = wrong_password.get_data(as_text=True).replace('value="an"', "")
    page_b = wrong_user.get_data(as_text=True).replace('value="khong-co-ai"', "")
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", page_a) == strip.sub("", page_b)
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page_a


def test_sign_in_locks_after_n_failures_per_account_and_per_address(world):
    make, _, _ = world
    app = make()
    client = app.test_client()
    statuses = [sign_in(client, "chi", f"sai-{i}-mat-khau", addr=f"10.2.0.{i}").status_code for i in range(3)]
    assert statuses == [200, 200, 200]
    locked = sign_in(client, "chi", "mat-khau-cua-chi-2024", addr="10.2.0.9")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Bạn đã nhập sai quá nhiều lần" in locked.get_data(as_text=True) and "phút" in locked.get_data(as_text=True)
    # An unknown username is locked the same way (the lock says nothing about who exists).
    for i in range(3):
        sign_in(client, "khong-co-ai", f"sai-{i}-mat-khau", addr=f"10.3.0.{i}")
    assert sign_in(client, "khong-co-ai", "x", addr="10.3.0.9").status_code == 429
    # Another member is not locked out by it; one address trying many accounts is.
    assert sign_in(client, "an", PASSWORD, addr="10.4.0.1").status_code == 303
    for i in range(6):
        sign_in(app.test_client(), f"nguoi-{i}", "sai-mat-khau-roi", addr="10.5.0.1")
    assert sign_in(app.test_client(), "binh", CHILD_PASSWORD, addr="10.5.0.1").status_code == 429


def test_a_signed_in_member_sees_their_organisations_internal_documents(app, world):
    anonymous = app.test_client()
    assert f"/doc/{INTERNAL}" not in anonymous.get(f"/?q={SECRET_WORD}").get_data(as_text=True)
    assert anonymous.get(f"/doc/{INTERNAL}").status_code == 404
    assert "Đăng nhập" in anonymous.get("/").get_data(as_text=True)

    member = app.test_client()
    assert sign_in(member, "an", PASSWORD, next_url=f"/doc/{INTERNAL}").headers["Location"] == f"/doc/{INTERNAL}"
    assert f"/doc/{INTERNAL}" in member.get(f"/?q={SECRET_WORD}").get_data(as_text=True)
    page = member.get(f"/doc/{INTERNAL}")
    assert page.status_code == 200 and SECRET_WORD in page.get_data(as_text=True)
    header = member.get("/").get_data(as_text=True)
    assert "Nguyễn Văn An" in header and "Chi bộ tổ dân phố số 7" in header and "Đăng xuất" in header
    # The session works on the JSON API too.
    assert member.get(f"/api/documents/{INTERNAL}").status_code == 200

    sibling = app.test_client()
    assert sign_in(sibling, "chi", "mat-khau-cua-chi-2024", addr="10.9.0.1").status_code == 303
    assert sibling.get(f"/doc/{INTERNAL}").status_code == 404


def test_next_never_leads_off_the_site(app):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = sign_in(app.test_client(), "an", PASSWORD, next_url=target, addr="10.6.0.1")
        assert response.headers["Location"] == "/", target


def test_sign_out_ends_the_session_and_every_copy_of_its_cookie(app):
    client = app.test_client()
    sign_in(client, "an", PASSWORD, addr="10.7.0.1")
    stolen = client.get_cookie(COOKIE_NAME).value
    page = client.get("/").get_data(as_text=True)
    out = client.post("/dang-xuat", data={"csrf_token": csrf_token(page)})
    assert out.status_code == 303
    assert client.get(f"/doc/{INTERNAL}").status_code == 404
    assert "Đăng xuất" not in client.get("/").get_data(as_text=True)
    replay = app.test_client()
    replay.set_cookie(COOKIE_NAME, stolen)
    assert replay.get(f"/doc/{INTERNAL}").status_code == 404


def test_an_initial_password_must_be_changed_first(app, world):
    _, members, _ = world
    initial = members.add_user("moi", "chi-bo-7").initial_password
    client = app.test_client()
    response = sign_in(client, "moi", initial, next_url="/news", addr="10.8.0.1")
    assert response.status_code == 303 and response.headers["Location"].startswith("/doi-mat-khau")
    assert client.get("/").headers["Location"].startswith("/doi-mat-khau")
    page = client.get("/doi-mat-khau?next=/news")
    assert "mật khẩu được cấp ban đầu" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    short = client.post("/doi-mat-khau", data={"csrf_token": token, "current_password": initial,
                                               "new_password": "ngan", "new_password_again": "ngan"})
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.get_data(as_text=True)
    done = client.post("/doi-mat-khau", data={"csrf_token": token, "current_password": initial, "next": "/news",
                                              "new_password": "mat-khau-moi-cua-toi", "new_password_again":
                                              "mat-khau-moi-cua-toi"})
    assert done.status_code == 303 and done.headers["Location"] == "/news"
    assert "Đã đổi mật khẩu" in client.get("/news").get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_changing_the_password_ends_the_other_sessions(app):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, "binh", CHILD_PASSWORD, addr="10.10.0.1")
    sign_in(laptop, "binh", CHILD_PASSWORD, addr="10.10.0.2")
    assert laptop.get(f"/doc/{INTERNAL}").status_code == 200
    token = csrf_token(phone.get("/doi-mat-khau").get_data(as_text=True))
    wrong = phone.post("/doi-mat-khau", data={"csrf_token": token, "current_password": "khong-dung-dau",
                                              "new_password": "mat-khau-moi-cua-binh", "new_password_again":
                                              "mat-khau-moi-cua-binh"})
    assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    done = phone.post("/doi-mat-khau", data={"csrf_token": token, "current_password": CHILD_PASSWORD,
                                             "new_password": "mat-khau-moi-cua-binh", "new_password_again":
                                             "mat-khau-moi-cua-binh"})
    assert done.status_code == 303
    assert phone.get(f"/doc/{INTERNAL}").status_code == 200
    assert laptop.get(f"/doc/{INTERNAL}").status_code == 404
    assert sign_in(app.test_client(), "binh", "mat-khau-moi-cua-binh", addr="10.10.0.3").status_code == 303


def test_passwords_and_tokens_are_never_logged(app, world, caplog):
    _, members, _ = world
    token = members.issue_token("an")
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    sign_in(client, "an", "mat-khau-sai-de-ghi-log", addr="10.11.0.1")
    sign_in(client, "an", PASSWORD, addr="10.11.0.2")
    client.get("/api/search?q=x", headers={"Authorization": f"Bearer {token}"})
    client.get("/api/search?q=x", headers={"Authorization": "Bearer sotay_token-sai-de-ghi-log"})
    logged = "\n".join(record.getMessage() + str(record.args) for record in caplog.records)
    for secret in ("mat-khau-sai-de-ghi-log", PASSWORD, token, "token-sai-de-ghi-log"):
        assert secret not in logged
