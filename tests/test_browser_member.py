"""A member's walk-through on a 360 px phone, in Debian's Chromium driven by Playwright, against a
real waitress server: sign in at /dang-nhap, find the internal document of their chi bộ by the
words of its title, keep it with "＋ Xem sau", see it under /xem-sau, listen to a news article
(espeak-ng, offline), sign out, and search again: the internal document is gone.

The library is the small one of tests/helpers_api.py plus one document internal to the member's
chi bộ, embedded by the fake hashing embedder (the query shares its words with the title)."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import expect, sync_playwright

from index import AccessDefaults
from members import Members
from search_api import create_app
from tests.helpers_api import Server, build_library, make_settings

# Importing test_browser skips this module too where Debian's chromium is missing.
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, PHONE, SCREENSHOTS, search

pytestmark = pytest.mark.browser

USERNAME = "nguyen.an"
FULL_NAME = "Nguyễn Văn An"
PASSWORD = "mat-khau-cua-an-2024"
INTERNAL_ID = "ke-hoach-tuan-tra-chi-bo-7"
INTERNAL_TITLE = "Kế hoạch tuần tra an ninh khu dân cư của Chi bộ tổ dân phố số 7"
INTERNAL_TEXT = f"""---
type: Kế hoạch
date: 2024-06-01
title: {INTERNAL_TITLE}
---
Chi bộ phân công đảng viên tuần tra an ninh khu dân cư vào các tối thứ bảy trong tháng sáu.
Mỗi tổ tuần tra có ba đảng viên; tổ trưởng báo cáo kết quả tại buổi sinh hoạt chi bộ.
"""
QUERY = "kế hoạch tuần tra an ninh khu dân cư"


@pytest.fixture(scope="module")
def server(tmp_path_factory, fake_embedder, sotay_home):
    settings = make_settings(tmp_path_factory.mktemp("browser-member") / "index", sotay_home)
    library = build_library(settings, fake_embedder)
    # A cheap hasher for the test; verifying reads the cost from the stored hash either way.
    members = Members(settings.members_database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    members.add_org("quan-hm", "Quận ủy Hoàng Mai")
    members.add_org("chi-bo-7", "Chi bộ tổ dân phố số 7", parent="quan-hm")
    # A password given here, not an initial one: no change is forced at the first sign-in.
    members.add_user(USERNAME, "chi-bo-7", full_name=FULL_NAME, password=PASSWORD)
    report = library.ingest_uploads([(INTERNAL_ID + ".md", INTERNAL_TEXT.encode("utf-8"))],
                                    access=AccessDefaults(visibility="internal", org="chi-bo-7"))
    assert not report.failed, report.to_json()
    app = create_app(settings, library)
    app.extensions["sotay"]["members"] = members
    with Server(app) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="vi-VN", base_url=server.url)
    page = context.new_page()
    yield page
    context.close()


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def result_titles(page) -> list[str]:
    return page.locator(".hit h2 a").all_inner_texts()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"member-{name}-360.png"), full_page=True)


def test_a_member_signs_in_finds_keeps_listens_and_signs_out(page):
    # Signed out, the internal document is nowhere.
    search(page, QUERY)
    assert INTERNAL_TITLE not in result_titles(page)
    assert page.goto(f"/doc/{INTERNAL_ID}").status == 404

    # Sign in from the header's link; the member comes back to the page they were on.
    page.goto("/news")
    with page.expect_navigation():
        page.get_by_role("link", name="Đăng nhập").click()
    assert "/dang-nhap" in page.url
    no_horizontal_scroll(page)
    screenshot(page, "sign-in")
    page.get_by_label("Tên đăng nhập").fill(USERNAME)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    assert page.url.endswith("/news"), page.url
    expect(page.locator("header .who .me")).to_contain_text(FULL_NAME)
    expect(page.locator("header .who .me")).to_contain_text("Chi bộ tổ dân phố số 7")
    expect(page.locator("header nav")).to_contain_text("Xem sau")

    # The internal document is found by the words of its title, and shown.
    search(page, QUERY)
    hit = page.locator(".hit").filter(has=page.get_by_role("link", name=INTERNAL_TITLE))
    expect(hit).to_have_count(1)
    assert result_titles(page)[0] == INTERNAL_TITLE
    no_horizontal_scroll(page)
    screenshot(page, "search")

    # "＋ Xem sau" keeps it, and the page comes back with the button saying so.
    with page.expect_navigation():
        hit.get_by_role("button", name="＋ Xem sau").click()
    hit = page.locator(".hit").filter(has=page.get_by_role("link", name=INTERNAL_TITLE))
    expect(hit.get_by_role("button", name="✓ Đã lưu xem sau")).to_be_visible()

    # /xem-sau lists it, from the header's link.
    with page.expect_navigation():
        page.locator("header nav").get_by_role("link", name="Xem sau").click()
    assert page.url.endswith("/xem-sau")
    saved = page.locator(".saved .newsitem h2").all_inner_texts()
    assert saved == [INTERNAL_TITLE]
    no_horizontal_scroll(page)
    screenshot(page, "saved")

    # A news article plays (espeak-ng): the sound advances and is not paused.
    page.goto("/news")
    no_horizontal_scroll(page)
    page.locator(".newsitem button.listen").first.click()
    page.wait_for_function("() => { const a = document.querySelector('.newsitem audio');"
                           " return a.currentTime > 0.2 && !a.paused && !a.error; }", timeout=30_000)
    state = page.evaluate("(() => { const a = document.querySelector('.newsitem audio');"
                          " return {duration: a.duration, error: a.error}; })()")
    assert state["error"] is None and state["duration"] > 1
    page.locator(".newsitem button.listen").first.click()  # pause, before leaving the page
    page.wait_for_function("() => document.querySelector('.newsitem audio').paused")

    # Follow a topic from its chip: its news come first on /news, the chip starred.
    with page.expect_navigation():
        page.locator("nav.chips").get_by_role("link", name="Nông nghiệp (trồng trọt, canh tác)").click()
    with page.expect_navigation():
        page.get_by_role("button", name="☆ Theo dõi chủ đề này").click()
    expect(page.get_by_role("button", name="★ Đang theo dõi · bỏ theo dõi")).to_be_visible()
    no_horizontal_scroll(page)
    page.goto("/news")
    expect(page.locator("nav.chips")).to_contain_text("★ Nông nghiệp")
    assert page.locator(".newsitem h2").first.inner_text() == "Nông dân ngoại thành bắt đầu gieo cấy vụ mới"
    screenshot(page, "news-followed")

    # Sign out from the header.
    with page.expect_navigation():
        page.locator("header form.signout").get_by_role("button", name="Đăng xuất").click()
    expect(page.locator("header .who")).to_contain_text("Đăng nhập")
    expect(page.locator("header nav")).not_to_contain_text("Xem sau")

    # Searching again: the internal document is gone, from the results and from its address.
    search(page, QUERY)
    titles = result_titles(page)
    assert titles and INTERNAL_TITLE not in titles
    assert page.locator(".hit button", has_text="Xem sau").count() == 0
    no_horizontal_scroll(page)
    screenshot(page, "search-signed-out")
    assert page.goto(f"/doc/{INTERNAL_ID}").status == 404
    page.goto("/xem-sau")
    assert "/dang-nhap" in page.url and INTERNAL_TITLE not in page.content()
