"""Scans, photos and multi-page TIFFs become documents: real OCRmyPDF and Tesseract `vie`.

The pages are made by tests/scans.py from a party document's text (typeset, then scanned or
photographed synthetically), so what each page shows is known exactly. Every test here runs
Tesseract for seconds, so they are all marked slow.
"""
from __future__ import annotations

import io
import random
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from ingest.errors import IngestFailure
from ingest.limits import Limits
from ingest.sources import UNEXPECTED, SourceDocument, read_uploads
from tests import scans

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent

DOCUMENT = """ĐẢNG CỘNG SẢN VIỆT NAM
THÀNH ỦY HÀ NỘI
Số 21-NQ/TU
Hà Nội, ngày 12 tháng 5 năm 2023
NGHỊ QUYẾT
về tăng cường công tác xây dựng tổ chức cơ sở đảng
Ban Thường vụ Thành ủy yêu cầu các cấp ủy, tổ chức đảng tập trung nâng cao chất lượng sinh hoạt chi bộ,
bảo đảm sinh hoạt định kỳ đúng quy định, đổi mới nội dung và hình thức sinh hoạt phù hợp với từng loại hình chi bộ.
Các chi bộ tổ dân phố chủ động nắm bắt tình hình, giải quyết kịp thời những vấn đề bức xúc của nhân dân.
Đảng ủy các phường báo cáo kết quả thực hiện về Ban Thường vụ Thành ủy trước ngày 30 tháng 11 hằng năm.
"""
SECOND_PAGE = """Điều 2. Văn phòng Thành ủy chủ trì, phối hợp với Ban Tổ chức Thành ủy theo dõi, kiểm tra việc thực hiện
nghị quyết này và định kỳ tổng hợp, báo cáo Ban Thường vụ Thành ủy.
Điều 3. Nghị quyết có hiệu lực kể từ ngày ký.
"""


def typeset(text: str = DOCUMENT):
    return scans.typeset(text)


def read_one(name: str, data: bytes, **limits) -> SourceDocument | IngestFailure:
    items = list(read_uploads([(name, data)], limits=Limits(**limits)))
    assert len(items) == 1, items
    return items[0]


def test_a_scanned_pdf_is_recognised_and_kept_both_ways(make_library):
    page = typeset()
    pdf = scans.image_pdf([scans.scan(p, seed=1) for p in page.pages])
    library = make_library()
    report = library.ingest_uploads([("nghi-quyet-21.pdf", pdf)])
    assert not report.failed, report.to_json()
    assert any("recognised by OCR" in note for note in report.notes)
    doc = library.get("nghi-quyet-21")
    assert scans.character_error_rate(doc.text, page.truth) < 0.03  # one page, no vocabulary yet
    # Metadata comes from the recognised text as from any document.
    assert (doc.meta.get("type"), doc.meta.get("number")) == ("nghị quyết", "21-NQ/TU")
    # Members download a PDF whose text can be searched and copied; the scan is kept as received.
    path, filename, content_type = library.original_file("nghi-quyet-21")
    assert (filename, content_type) == ("nghi-quyet-21.pdf", "application/pdf")
    layer = PdfReader(path).pages[0].extract_text()
    assert "NGHỊ QUYẾT" in layer and "Ban Thường vụ" in layer
    received, received_name, _ = library.received_file("nghi-quyet-21")
    assert received.read_bytes() == pdf and received_name == "nghi-quyet-21.pdf"
    hits = library.search("sinh hoat chi bo to dan pho", mode="keyword").results
    assert hits and hits[0].doc_id == "nghi-quyet-21"


def test_a_mixed_pdf_keeps_its_text_layer_and_recognises_its_scanned_page():
    from pypdf import PdfWriter

    text_pdf = PdfReader(REPO / "corpus" / "library" / "van-ban" / "ct-24-2023.pdf")
    layer = text_pdf.pages[0].extract_text()
    writer = PdfWriter()
    writer.add_page(text_pdf.pages[0])
    for image_page in PdfReader(io.BytesIO(scans.image_pdf([scans.scan(typeset(SECOND_PAGE).pages[0], 7)]))).pages:
        writer.add_page(image_page)
    buffer = io.BytesIO()
    writer.write(buffer)
    doc = read_one("hon-hop.pdf", buffer.getvalue())
    assert isinstance(doc, SourceDocument), doc
    assert "1 page in" in doc.notes[-1]  # only the scanned page was recognised
    kept = [line for line in layer.splitlines()[3:-3] if line.strip()]
    assert all(line in doc.text for line in kept)  # the text layer as pypdf reads it, unchanged
    recognised = doc.text[doc.text.index("Điều 2."):]
    assert scans.character_error_rate(recognised, SECOND_PAGE) < 0.03
    assert len(PdfReader(io.BytesIO(doc.download)).pages) == 2


def test_a_phone_photo_becomes_a_document_with_a_pdf_to_download(make_library):
    page = typeset()
    photo = scans.jpeg(scans.photo(page.pages[0], seed=3))
    library = make_library()
    report = library.ingest_uploads([("anh-chup.jpg", photo)])
    assert not report.failed, report.to_json()
    doc = library.get("anh-chup")
    assert scans.character_error_rate(doc.text, page.truth) < 0.03
    _, filename, content_type = library.original_file("anh-chup")
    assert (filename, content_type) == ("anh-chup.pdf", "application/pdf")
    received, name, kind = library.received_file("anh-chup")
    assert (received.read_bytes(), name, kind) == (photo, "anh-chup.jpg", "image/jpeg")


def test_every_page_of_a_multi_page_tiff_is_read():
    page = typeset(DOCUMENT + "\f\n" + SECOND_PAGE)
    tiff = scans.tiff(page.pages)
    assert len(page.pages) == 2
    doc = read_one("ban-quet.tiff", tiff)
    assert isinstance(doc, SourceDocument), doc
    assert scans.character_error_rate(doc.text, page.truth) < 0.03
    assert "Số 21-NQ/TU" in doc.text and "Điều 3. Nghị quyết có hiệu lực" in doc.text
    assert len(PdfReader(io.BytesIO(doc.download)).pages) == 2


def test_a_page_scanned_upside_down_is_turned_the_right_way():
    page = typeset()
    upside_down = page.pages[0].rotate(180)
    doc = read_one("nguoc.png", _png(upside_down))
    assert isinstance(doc, SourceDocument), doc
    assert scans.character_error_rate(doc.text, page.truth) < 0.03


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(scans.DPI, scans.DPI))
    return buffer.getvalue()


def test_bad_images_and_scans_are_reported_and_the_rest_committed(make_library):
    page = typeset()
    good = scans.image_pdf([scans.scan(page.pages[0], seed=2)])
    photo = scans.jpeg(scans.photo(page.pages[0], seed=4))
    blank = _png(scans.scan(page.pages[0].point(lambda v: 255), seed=5))  # dust, no text
    library = make_library()
    report = library.ingest_uploads([
        ("tot.pdf", good),
        ("cat-ngang.jpg", photo[: len(photo) // 2]),
        ("rong.tiff", b""),
        ("khong-chu.png", blank),
        ("hong.png", b"\x89PNG\r\n\x1a\n" + bytes(200)),
    ])
    reasons = {failure.path: failure.reason for failure in report.failed}
    assert report.added == ["tot"]
    assert "corrupt or truncated image" in reasons["cat-ngang.jpg"]
    assert reasons["rong.tiff"] == "empty file"
    assert "no text recognised" in reasons["khong-chu.png"]
    assert "corrupt or truncated image" in reasons["hong.png"]
    assert library.get("tot") is not None


def test_a_scan_over_the_page_limit_is_refused_before_ocr():
    page = typeset(DOCUMENT + "\f\n" + SECOND_PAGE)
    started = time.perf_counter()
    failure = read_one("dai.pdf", scans.image_pdf(page.pages), max_ocr_pages=1)
    assert isinstance(failure, IngestFailure)
    assert "2 pages to recognise" in failure.reason and "SOTAY_MAX_OCR_PAGES" in failure.reason
    assert time.perf_counter() - started < 10  # refused, not recognised


def test_ocr_that_overruns_its_deadline_is_killed_and_reported():
    page = typeset()
    started = time.perf_counter()
    failure = read_one("cham.pdf", scans.image_pdf(page.pages), ocr_page_seconds=0.1, ocr_start_seconds=0.3)
    assert isinstance(failure, IngestFailure)
    assert "took longer than 0.4 s" in failure.reason and "SOTAY_OCR_PAGE_TIMEOUT_S" in failure.reason
    assert time.perf_counter() - started < 10


def test_a_page_tesseract_gives_up_on_fails_the_file_instead_of_going_missing():
    # OCRmyPDF leaves a page Tesseract overran without text and carries on; the file must not
    # then be stored as if it were whole.
    page = typeset(DOCUMENT + "\f\n" + SECOND_PAGE)
    failure = read_one("cham.pdf", scans.image_pdf(page.pages), ocr_page_seconds=0.05, ocr_start_seconds=60)
    assert isinstance(failure, IngestFailure), failure
    assert "2 page(s) took Tesseract longer than 0.05 s" in failure.reason, failure.reason


def test_sotay_ingest_reports_each_page_it_recognises(tmp_path, make_library, monkeypatch):
    from sotay import cli as cli_module

    page = typeset(DOCUMENT + "\f\n" + SECOND_PAGE)
    scan = tmp_path / "quet.pdf"
    scan.write_bytes(scans.image_pdf([scans.scan(p, seed=i) for i, p in enumerate(page.pages)]))
    library = make_library()
    monkeypatch.setattr(cli_module, "_library", lambda settings: library)
    result = CliRunner(mix_stderr=False).invoke(cli_module.cli, ["ingest", str(scan), "--index", str(library.root)],
                                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "OCR quet.pdf: trang 1/2" in result.stderr and "OCR quet.pdf: trang 2/2" in result.stderr
    assert "added" in result.stdout and "recognised by OCR" in result.stdout


def test_damaged_images_give_documents_or_reported_failures():
    """The image readers under the fuzzing of tests/test_fuzz_readers.py (fewer cases: each one
    that still decodes is recognised, seconds apiece)."""
    page = scans.typeset("Chi bộ tổ dân phố số 7 sinh hoạt định kỳ.")
    small = page.pages[0].crop((0, 0, scans.A4[0], 400))
    seeds = {"a.png": _png(small), "a.jpg": scans.jpeg(small.convert("RGB")), "a.tif": scans.tiff([small])}
    rnd = random.Random(11)
    limits = Limits(reader_seconds=20, reader_memory_mb=1024)
    for name, data in seeds.items():
        for _ in range(3):
            at = rnd.randrange(len(data))
            damaged = [data[:at], data[:at] + rnd.randbytes(32) + data[at + 32:]][rnd.randrange(2)]
            for item in read_uploads([(name, damaged)], limits=limits):
                assert isinstance(item, (SourceDocument, IngestFailure))
                if isinstance(item, IngestFailure):
                    assert UNEXPECTED not in item.reason, (name, item.reason)


@pytest.fixture(scope="module")
def scanned_world(tmp_path_factory, fake_embedder, sotay_home):
    """An internal scan of quan-hm in the tree of tests/test_walls.py, and its viewers' tokens."""
    from argon2 import PasswordHasher

    from index import AccessDefaults
    from members import Members
    from search_api import create_app
    from tests.helpers_api import EDITOR_TOKEN, build_library, make_settings
    from tests.test_walls import ACCOUNTS

    settings = make_settings(tmp_path_factory.mktemp("scan-walls") / "index", sotay_home)
    library = build_library(settings, fake_embedder)
    members = Members(settings.members_database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    members.add_org("thanh-uy", "Thành ủy Hà Nội")
    members.add_org("quan-hm", "Quận ủy Hoàng Mai", parent="thanh-uy")
    members.add_org("quan-bd", "Quận ủy Ba Đình", parent="thanh-uy")
    members.add_org("phuong-hl", "Đảng ủy phường Hoàng Liệt", parent="quan-hm")
    scan = scans.jpeg(scans.photo(typeset().pages[0], seed=9))
    report = library.ingest_uploads([("quet-noi-bo.jpg", scan)], access=AccessDefaults(visibility="internal",
                                                                                       org="quan-hm"))
    assert not report.failed, report.to_json()
    headers = {"anonymous": {}, "automation token": {"Authorization": f"Bearer {EDITOR_TOKEN}"}}
    for viewer, (username, org, role) in ACCOUNTS.items():
        members.add_user(username, org, role=role)
        headers[viewer] = {"Authorization": f"Bearer {members.issue_token(username)}"}
    app = create_app(settings, library)
    app.extensions["sotay"]["members"] = members
    app.testing = True
    return app.test_client(), headers, scan


def test_a_scan_and_its_original_exist_only_for_those_who_may_see_it(scanned_world):
    from tests.test_walls import VIEWERS

    client, headers, scan = scanned_world
    for viewer, sees in VIEWERS.items():
        for path in ("/api/documents/quet-noi-bo/original", "/api/documents/quet-noi-bo/file",
                     "/api/documents/quet-noi-bo", "/doc/quet-noi-bo"):
            response = client.get(path, headers=headers[viewer])
            assert response.status_code == (200 if sees else 404), (viewer, path)
            if not sees:
                missing = client.get(path.replace("quet-noi-bo", "khong-co"), headers=headers[viewer])
                assert response.get_data().replace(b"quet-noi-bo", b"") == \
                    missing.get_data().replace(b"khong-co", b""), (viewer, path)
        if sees:
            original = client.get("/api/documents/quet-noi-bo/original", headers=headers[viewer])
            assert original.data == scan and original.mimetype == "image/jpeg"
            assert client.get("/api/documents/quet-noi-bo/file", headers=headers[viewer]).mimetype == \
                "application/pdf"
            body = client.get("/api/documents/quet-noi-bo", headers=headers[viewer]).get_json()
            assert body["original_url"].endswith("/api/documents/quet-noi-bo/original")
            page = client.get("/doc/quet-noi-bo", headers=headers[viewer]).get_data(as_text=True)
            assert "Tải bản quét gốc" in page and "Tải bản PDF (có lớp chữ)" in page
