"""Listening goes on where it stopped, in Debian's Chromium under Playwright against a real
waitress server, with real espeak-ng audio: on a 360 px phone a member plays a news article,
moves it on, pauses, reloads, and is offered "Nghe tiếp từ 0:…", which plays from there; their
computer (another browser, same account) offers the same on the article's page; listening to the
end forgets it. A visitor who is not signed in gets the same offer from this browser's storage.
"""
from __future__ import annotations

import re
import time

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import expect, sync_playwright

from members import Members
from search_api import create_app
from tests.helpers_api import Server, build_library, make_settings

# Importing test_browser skips this module too where Debian's chromium is missing.
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser

USERNAME = "tran.binh"
PASSWORD = "mat-khau-cua-binh-2024"
NEWS = "tin-tuc/hoi-nghi-chuyen-doi-so"  # the newest news of tests/helpers_api.py: first on /news
AUDIO = f'audio[data-doc="{NEWS}"]'
OFFER = re.compile(r"^Nghe tiếp từ \d+:\d\d$")


@pytest.fixture(scope="module")
def world(tmp_path_factory, fake_embedder, sotay_home):
    settings = make_settings(tmp_path_factory.mktemp("browser-listening") / "index", sotay_home)
    library = build_library(settings, fake_embedder)
    members = Members(settings.members_database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    members.add_org("chi-bo-7", "Chi bộ tổ dân phố số 7")
    members.add_user(USERNAME, "chi-bo-7", full_name="Trần Bình", password=PASSWORD)
    app = create_app(settings, library)
    app.extensions["sotay"]["members"] = members
    with Server(app) as running:
        yield running, members


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, server, phone: bool = True):
    options = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True} if phone \
        else {"viewport": {"width": 1280, "height": 900}}
    context = browser.new_context(locale="vi-VN", base_url=server.url, **options)
    return context, context.new_page()


def sign_in(page) -> None:
    page.goto("/dang-nhap?next=/news")
    page.get_by_label("Tên đăng nhập").fill(USERNAME)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    assert page.url.endswith("/news"), page.url


def audio_state(page) -> dict:
    return page.evaluate(f"""(() => {{ const a = document.querySelector('{AUDIO}');
        return {{t: a.currentTime, paused: a.paused, ended: a.ended, error: a.error && a.error.code}}; }})()""")


def play_and_move_on(page, listen_button, to_seconds: float) -> None:
    """Press the listen button, and once the article speaks, move it on to `to_seconds`."""
    listen_button.click()
    page.wait_for_function(f"() => {{ const a = document.querySelector('{AUDIO}');"
                           " return a.currentTime > 0.3 && !a.paused; }", timeout=30_000)
    page.evaluate(f"document.querySelector('{AUDIO}').currentTime = {to_seconds}")
    page.wait_for_function(f"() => document.querySelector('{AUDIO}').currentTime > {to_seconds + 0.5}",
                           timeout=30_000)


def resumes_near(page, offer, seconds: float) -> None:
    """The offer plays the article from `seconds`: it speaks, from there, and the offer is gone."""
    offer.click()
    # Read as soon as it plays: from the beginning it would be a second in, not near `seconds`.
    page.wait_for_function(f"() => {{ const a = document.querySelector('{AUDIO}');"
                           " return !a.paused && a.currentTime > 0; }", timeout=30_000)
    state = audio_state(page)
    assert state["error"] is None and seconds - 0.5 <= state["t"] <= seconds + 1.5, (state, seconds)
    expect(offer).to_have_count(0)


def saved_on_server(members: Members, member_id: int, at_least: float, timeout: float = 15) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = members.listening_position(member_id, NEWS)
        if found is not None and found[0] >= at_least:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no position of at least {at_least} s saved; last: {found}")


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_member_goes_on_where_they_stopped_on_their_phone_and_their_computer(world, browser):
    server, members = world
    member_id = members.sign_in(USERNAME, PASSWORD).member_id
    phone_context, phone = new_page(browser, server)
    computer_context, computer = new_page(browser, server, phone=False)
    try:
        sign_in(phone)
        item = phone.locator(".newsitem").filter(has=phone.locator(AUDIO))
        assert item.get_by_role("button", name=OFFER).count() == 0
        play_and_move_on(phone, item.locator("button.listen"), 9)
        item.locator("button.listen").click()  # pause: where it stopped goes to the server
        phone.wait_for_function(f"() => document.querySelector('{AUDIO}').paused")
        stopped = audio_state(phone)["t"]
        saved = saved_on_server(members, member_id, at_least=stopped - 0.2)
        assert abs(saved - stopped) < 0.2

        phone.reload()
        item = phone.locator(".newsitem").filter(has=phone.locator(AUDIO))
        offer = item.get_by_role("button", name=OFFER)
        expect(offer).to_have_text(f"Nghe tiếp từ 0:{int(saved):02d}")
        expect(item.get_by_role("button", name="▶ Nghe bản tin")).to_be_visible()
        no_horizontal_scroll(phone)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        item.screenshot(path=str(SCREENSHOTS / "listening-offer-360.png"))
        resumes_near(phone, offer, saved)
        item.locator("button.listen").click()
        phone.wait_for_function(f"() => document.querySelector('{AUDIO}').paused")
        saved = saved_on_server(members, member_id, at_least=saved)

        # The same member on their computer: the article's own page offers the same place.
        sign_in(computer)
        computer.goto(f"/doc/{NEWS}")
        offer = computer.get_by_role("button", name=OFFER)
        expect(offer).to_have_text(f"Nghe tiếp từ 0:{int(saved):02d}")
        resumes_near(computer, offer, saved)

        # Listened to the end: nothing left to go on from, here or on the phone.
        computer.wait_for_function(f"() => isFinite(document.querySelector('{AUDIO}').duration)", timeout=30_000)
        duration = computer.evaluate(f"document.querySelector('{AUDIO}').duration")
        computer.evaluate(f"document.querySelector('{AUDIO}').currentTime = {duration - 1.5}")
        computer.wait_for_function(f"() => document.querySelector('{AUDIO}').ended", timeout=30_000)
        deadline = time.monotonic() + 15
        while members.listening_position(member_id, NEWS) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert members.listening_position(member_id, NEWS) is None
        phone.reload()
        expect(phone.locator(AUDIO)).to_have_count(1)
        assert phone.get_by_role("button", name=OFFER).count() == 0
    finally:
        phone_context.close()
        computer_context.close()


def test_a_visitor_goes_on_where_they_stopped_in_the_same_browser(world, browser):
    server, members = world
    context, page = new_page(browser, server)
    try:
        page.goto("/news")
        item = page.locator(".newsitem").filter(has=page.locator(AUDIO))
        play_and_move_on(page, item.locator("button.listen"), 7)
        # Left while it plays: the page keeps the place as it goes.
        left_at = audio_state(page)["t"]
        page.reload()
        item = page.locator(".newsitem").filter(has=page.locator(AUDIO))
        offer = item.get_by_role("button", name=OFFER)
        expect(offer).to_be_visible()
        kept = page.evaluate(f"JSON.parse(localStorage.getItem('sotay.listening'))['{NEWS}'].s")
        assert left_at - 0.5 <= kept <= left_at + 1.5
        assert offer.inner_text() == f"Nghe tiếp từ 0:{int(kept):02d}"
        no_horizontal_scroll(page)
        resumes_near(page, offer, kept)

        # "▶ Nghe" on a fresh page starts from the beginning, and the offer goes.
        item.locator("button.listen").click()
        page.wait_for_function(f"() => document.querySelector('{AUDIO}').paused")
        page.reload()
        item = page.locator(".newsitem").filter(has=page.locator(AUDIO))
        expect(item.get_by_role("button", name=OFFER)).to_be_visible()
        item.locator("button.listen").click()
        page.wait_for_function(f"() => {{ const a = document.querySelector('{AUDIO}');"
                               " return a.currentTime > 0.3 && !a.paused; }", timeout=30_000)
        assert audio_state(page)["t"] < 3
        expect(item.get_by_role("button", name=OFFER)).to_have_count(0)
    finally:
        context.close()
