"""The pages as a member meets them: Debian's Chromium, driven by Playwright, against a real
waitress server on a small real library (embedded by the fake hashing embedder of tests/fakes.py:
the queries here share their words with the documents; what the real model finds by meaning is
tested in test_search_quality.py and test_corpus_search.py)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from search_api import create_app
from tests.helpers_api import DOCUMENTS, EDITOR_TOKEN, UPLOAD_NAME, UPLOAD_TEXT, Server, build_library, make_settings

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(os.environ.get("SOTAY_SCREENSHOTS", "/tmp/sotay-screenshots"))

if not Path(CHROMIUM).exists():
    pytest.skip("needs Debian's chromium (apt-get install chromium chromium-driver)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory, fake_embedder, sotay_home):
    settings = make_settings(tmp_path_factory.mktemp("browser") / "index", sotay_home)
    library = build_library(settings, fake_embedder)
    with Server(create_app(settings, library)) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        # launch() gives every run a new, empty profile; nothing is downloaded (no `playwright install`).
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="vi-VN", accept_downloads=True, base_url=server.url)
    page = context.new_page()
    yield page
    context.close()


def search(page, query: str) -> None:
    page.goto("/")
    page.fill("#q", query)
    with page.expect_navigation():
        page.press("#q", "Enter")


@pytest.mark.parametrize("query", ["nghị quyết chuyển đổi số quốc gia", "nghi quyet chuyen doi so quoc gia",
                                   "57-NQ/TW"])
def test_search_finds_the_resolution(page, query):
    search(page, query)
    first = page.locator(".hit h2 a").first
    assert "57-NQ/TW" in first.inner_text()
    assert page.locator(".hit mark").count() > 0


def test_open_a_document_and_download_the_original(page):
    search(page, "phong chong tham nhung")
    with page.expect_navigation():
        page.locator(".hit h2 a").first.click()
    assert "Chỉ-thị-12" in page.url or "Ch%E1%BB%89" in page.url
    assert "phòng, chống tham nhũng" in page.locator(".text").inner_text()
    with page.expect_download() as info:
        page.get_by_text("Tải văn bản gốc").click()
    download = info.value
    assert download.suggested_filename == "Chỉ thị 12 phòng chống tham nhũng.txt"
    assert Path(download.path()).read_bytes() == dict(DOCUMENTS)["Chỉ thị 12 phòng chống tham nhũng.txt"]


def test_news_play_button_streams_audio(page):
    page.goto("/news")
    titles = page.locator(".newsitem h2").all_inner_texts()
    assert titles[0] == "Hà Nội đẩy mạnh chuyển đổi số trong sinh hoạt chi bộ"
    page.locator(".newsitem button.listen").first.click()
    page.wait_for_function("""() => {
        const a = document.querySelector('.newsitem audio');
        return a.readyState >= 1 && a.duration > 0 && !a.error;
    }""", timeout=30_000)
    duration = page.evaluate("document.querySelector('.newsitem audio').duration")
    assert duration > 1


def test_document_page_listen_button(page):
    """Pressing "▶ Nghe" starts the article: the sound plays on and the button offers a pause;
    pressing it again pauses and the button says "▶ Nghe" again."""
    page.goto("/doc/tin-tuc/hien-mau-tinh-nguyen")
    button = page.get_by_role("button", name="▶ Nghe")
    button.click()
    page.wait_for_function("() => { const a = document.getElementById('audio-doc');"
                           " return a.currentTime > 0.2 && !a.paused && !a.error; }", timeout=30_000)
    state = page.evaluate("(() => { const a = document.getElementById('audio-doc');"
                          " return {duration: a.duration, paused: a.paused, error: a.error}; })()")
    assert state["error"] is None and not state["paused"] and state["duration"] > 1
    pause = page.locator("button[data-play=audio-doc]")
    expect(pause).to_have_text("❚❚ Tạm dừng")
    pause.click()
    page.wait_for_function("() => document.getElementById('audio-doc').paused")
    # The label follows the audio's "pause" event, which the browser fires a moment after the
    # element reports paused: wait for it (up to 5 s) rather than read it at once.
    expect(pause).to_have_text("▶ Nghe", timeout=5_000)


def test_editor_uploads_a_file_and_finds_it(page):
    page.goto("/editor")
    page.fill("#token", "sai-ma")
    page.set_input_files("#files", files=[{"name": UPLOAD_NAME, "mimeType": "text/plain",
                                           "buffer": UPLOAD_TEXT.encode("utf-8")}])
    page.click("form#upload button[type=submit]")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('không đúng')")
    assert page.locator("#report").is_hidden()

    page.fill("#token", EDITOR_TOKEN)
    page.set_input_files("#files", files=[
        {"name": UPLOAD_NAME, "mimeType": "text/plain", "buffer": UPLOAD_TEXT.encode("utf-8")},
        {"name": "bang-tinh-khong-ho-tro.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04"},
    ])
    page.click("form#upload button[type=submit]")
    page.wait_for_function("() => !document.querySelector('form#upload button').disabled", timeout=60_000)
    assert page.locator("#status").inner_text() == "Đã nạp xong. Văn bản mới có thể tìm kiếm ngay."
    rows = page.locator("#rows tr").all_inner_texts()
    assert any("Đã thêm" in row and "ke-hoach-phong-chong-lut" in row for row in rows)
    assert any("Lỗi" in row and "bang-tinh-khong-ho-tro.xlsx" in row and "unsupported" in row for row in rows)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "editor-report-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    search(page, "ke hoach phong chong ngap lut")
    assert page.locator(".hit h2 a").first.get_attribute("href") == "/doc/ke-hoach-phong-chong-lut"


def test_search_works_without_javascript(browser, server):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, base_url=server.url)
    page = context.new_page()
    page.goto("/")
    page.fill("#q", "sinh hoat chi bo")
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    assert page.locator(".hit").count() >= 1
    assert "sinh hoạt chi bộ" in page.locator(".hit").first.inner_text().lower()
    context.close()


def test_text_size_toggle_is_remembered(page):
    page.goto("/")
    before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("#textsize")
    after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert after > before
    page.reload()
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == after


@pytest.mark.parametrize("name, path", [
    ("search", "/?q=nghi+quyet+chuyen+doi+so&type=&year_from=2020"),
    ("home", "/"),
    ("document", "/doc/nq-57-2024"),
    ("news", "/news"),
    ("editor", "/editor"),
])
def test_phone_width_has_no_horizontal_scroll_and_big_tap_targets(page, name, path):
    page.goto(path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small = page.evaluate("""() => [...document.querySelectorAll('button, .button, input, select, nav a')]
        .filter(e => e.offsetParent !== null && e.type !== 'hidden')
        .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == []


def test_editor_follows_a_scan_page_by_page_and_offers_both_downloads(page):
    """A scan's OCR takes seconds: the editor page says which page it is recognising, then
    shows the report; the document page then offers its searchable PDF and the scan as received."""
    from tests import scans

    # Four pages, so that recognising them outlasts the page's polling on a fast machine too (with
    # two, a fast CI machine finished the OCR between two polls and no page was ever shown).
    typeset = scans.typeset("KẾ HOẠCH\nvề trồng cây xanh\nChi bộ tổ dân phố số 7 vận động đảng viên "
                            "trồng cây bàng quanh nhà văn hóa.\n\f\nĐảng viên báo cáo chi ủy vào cuối quý."
                            "\n\f\nMỗi đảng viên trồng một cây.\n\f\nChi ủy tổng kết vào tháng mười hai.")
    assert len(typeset.pages) == 4
    scan = scans.image_pdf([scans.scan(p, seed=i) for i, p in enumerate(typeset.pages)])
    page.goto("/editor")
    # Every text the status line shows, kept as it changes (a page may show for under a second).
    page.evaluate("""() => { window.statusTexts = [];
        new MutationObserver(() => window.statusTexts.push(document.getElementById('status').textContent))
            .observe(document.getElementById('status'), {childList: true, characterData: true, subtree: true}); }""")
    page.fill("#token", EDITOR_TOKEN)
    page.set_input_files("#files", files=[{"name": "quet-trong-cay.pdf", "mimeType": "application/pdf",
                                           "buffer": scan}])
    page.click("form#upload button[type=submit]")
    page.wait_for_function("() => !document.querySelector('form#upload button').disabled", timeout=180_000)
    shown = page.evaluate("() => window.statusTexts")
    assert any(re.fullmatch(r"Đang nhận dạng chữ quet-trong-cay\.pdf: trang [1-4]/4", text) for text in shown), shown
    assert page.locator("#status").inner_text() == "Đã nạp xong. Văn bản mới có thể tìm kiếm ngay."
    assert any("Đã thêm" in row and "quet-trong-cay" in row for row in page.locator("#rows tr").all_inner_texts())
    page.goto("/doc/quet-trong-cay")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Tải bản PDF (có lớp chữ)").click()
    assert pdf.value.suggested_filename == "quet-trong-cay.pdf"
    with page.expect_download() as original:
        page.get_by_role("link", name="Tải bản quét gốc").click()
    assert Path(original.value.path()).read_bytes() == scan
