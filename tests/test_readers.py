"""Readers: every format to clean text, and every kind of bad input to a clear, named failure."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from ingest.errors import IngestFailure
from ingest.sources import SourceDocument, make_doc_id, read_sources, read_uploads

REPO = Path(__file__).resolve().parent.parent
FONT = next((REPO / "corpus" / "fonts").glob("*.ttf"), None) if (REPO / "corpus" / "fonts").exists() else None

BODY = [
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "Số 27-QĐ/TW",
    "Hà Nội, ngày 10 tháng 8 năm 2021",
    "QUYẾT ĐỊNH về ứng dụng công nghệ thông tin trong các cơ quan đảng",
    "Điều 1. Phạm vi điều chỉnh và đối tượng áp dụng của quy định này.",
    "Điều 2. Các cơ quan đảng thực hiện chuyển đổi số theo lộ trình.",
]


def make_pdf(path: Path, pages: list[list[str]], header: str | None = None) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("viet", fname=str(FONT))
    pdf.set_font("viet", size=12)
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        if header:
            pdf.cell(0, 8, header, new_x="LMARGIN", new_y="NEXT")
        for line in lines:
            pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(-20)
        pdf.cell(0, 8, f"Trang {number}", align="C")
    pdf.output(str(path))
    return path


def one(items) -> SourceDocument | IngestFailure:
    items = list(items)
    assert len(items) == 1, items
    return items[0]


needs_font = pytest.mark.skipif(FONT is None, reason="corpus/fonts has no TTF to render PDFs")


@needs_font
def test_pdf_text_without_running_header_and_page_numbers(tmp_path):
    pages = [BODY[:3], BODY[3:5], BODY[5:] + ["Nơi nhận: các tỉnh ủy, thành ủy."]]
    path = make_pdf(tmp_path / "qd-27.pdf", pages, header="Văn phòng Trung ương Đảng — bản điện tử")
    doc = one(read_sources([path]))
    assert isinstance(doc, SourceDocument), doc
    assert "Văn phòng Trung ương Đảng — bản điện tử" not in doc.text
    assert "Trang 2" not in doc.text
    assert "Điều 2. Các cơ quan đảng thực hiện chuyển đổi số" in doc.text
    assert doc.doc_id == "qd-27" and doc.format == "pdf" and doc.data == path.read_bytes()


@needs_font
def test_encrypted_pdf_is_refused_with_reason(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", [BODY])
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="bi-mat", owner_password="chu-so-huu")
    locked = tmp_path / "khoa.pdf"
    with open(locked, "wb") as out:
        writer.write(out)
    failure = one(read_sources([locked]))
    assert isinstance(failure, IngestFailure)
    assert failure.path == str(locked) and "encrypted PDF" in failure.reason


def test_pdf_of_blank_pages_is_not_sent_to_ocr(tmp_path):
    # Pages without text and without images are blank, not scans: nothing to recognise.
    # (Scans are recognised: tests/test_ocr.py.)
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with open(path, "wb") as out:
        writer.write(out)
    failure = one(read_sources([path]))
    assert isinstance(failure, IngestFailure) and failure.reason == "no text found in the file"


def test_corrupt_pdf_empty_file_and_unsupported_extension(tmp_path):
    (tmp_path / "hong.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage" * 3)
    (tmp_path / "rong.txt").write_bytes(b"")
    (tmp_path / "bang.xlsx").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "tot.txt").write_text("Thông báo lịch sinh hoạt chi bộ tháng 12.", encoding="utf-8")
    items = {Path(i.origin if isinstance(i, SourceDocument) else i.path).name: i
             for i in read_sources([tmp_path])}
    assert isinstance(items["tot.txt"], SourceDocument)
    assert "corrupt" in items["hong.pdf"].reason or "no text" in items["hong.pdf"].reason
    assert items["rong.txt"].reason == "empty file"
    assert "unsupported file type .xlsx" in items["bang.xlsx"].reason


def windows_1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed base letters, tone marks as combining bytes."""
    import unicodedata

    from ingest.vntext import TONE_MARKS

    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONE_MARKS)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS)) + tones)
    return "".join(out).encode("cp1258")


def test_legacy_windows_1258_text_is_decoded_and_said(tmp_path):
    text = "Nghị quyết về công tác kiểm tra, giám sát của Đảng ủy phường Hàng Bạc."
    path = tmp_path / "cu.txt"
    path.write_bytes(windows_1258(text))
    doc = one(read_sources([path]))
    assert isinstance(doc, SourceDocument)
    assert doc.text == text and doc.notes == ["decoded as windows-1258"]


def test_undecodable_bytes_are_refused(tmp_path):
    path = tmp_path / "rac.txt"
    path.write_bytes(bytes(range(128, 256)) * 4)
    failure = one(read_sources([path]))
    assert isinstance(failure, IngestFailure) and "UTF-8" in failure.reason


def test_zip_with_parent_paths_is_refused_whole(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tot.txt", "Văn bản hợp lệ.")
        archive.writestr("../../etc/evil.txt", "không được ghi ra ngoài")
    path = tmp_path / "tan-cong.zip"
    path.write_bytes(buffer.getvalue())
    failure = one(read_sources([path]))
    assert isinstance(failure, IngestFailure) and "zip refused" in failure.reason


def test_zip_folders_docx_html_and_sidecar(tmp_path):
    import docx

    document = docx.Document()
    for line in BODY:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Nơi nhận"
    table.rows[0].cells[1].text = "T/M BAN BÍ THƯ"
    docx_bytes = io.BytesIO()
    document.save(docx_bytes)
    html = ("<html><head><title>Hà Nội tiêm vắc-xin</title></head><body><nav>Trang chủ | Thời sự"
            " | Liên hệ</nav><article><h1>Hà Nội tiêm vắc-xin cho trẻ</h1><p>" + "Sáng 12/3, "
            "Sở Y tế Hà Nội tổ chức tiêm vắc-xin sởi cho 470.000 trẻ em trên địa bàn. " * 5
            + "</p></article><footer>Bản quyền thuộc báo Hà Nội mới</footer></body></html>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("van-ban/qd-27.docx", docx_bytes.getvalue())
        archive.writestr("tin/tiem-chung.html", html)
        archive.writestr("tin/tiem-chung.html.meta.json", json.dumps({"type": "news", "source": "Hà Nội mới"}))
    items = list(read_uploads([("goi.zip", buffer.getvalue())]))
    by_id = {i.doc_id: i for i in items}
    assert set(by_id) == {"van-ban/qd-27", "tin/tiem-chung"}, items
    assert "T/M BAN BÍ THƯ" in by_id["van-ban/qd-27"].text
    news = by_id["tin/tiem-chung"]
    assert news.meta == {"type": "news", "source": "Hà Nội mới"}
    assert "470.000 trẻ em" in news.text and "Trang chủ" not in news.text and "Bản quyền" not in news.text


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "lon.txt"
    path.write_text("chữ " * 2000, encoding="utf-8")
    failure = one(read_sources([path], max_bytes=1000))
    assert isinstance(failure, IngestFailure) and "over the" in failure.reason


def test_jsonl_lines_each_succeed_or_fail_alone(tmp_path):
    path = tmp_path / "goi.jsonl"
    path.write_text("\n".join([
        json.dumps({"_id": "tin-1", "title": "Tin một", "text": "Nội dung tin một.", "type": "news"},
                   ensure_ascii=False),
        "{not json",
        json.dumps({"_id": "tin-2"}),
        json.dumps({"title": "không có id", "text": "x"}, ensure_ascii=False),
    ]), encoding="utf-8")
    items = list(read_sources([path]))
    docs = [i for i in items if isinstance(i, SourceDocument)]
    failures = {i.path.rsplit(":", 1)[1]: i.reason for i in items if isinstance(i, IngestFailure)}
    assert [d.doc_id for d in docs] == ["tin-1"] and docs[0].meta["type"] == "news"
    assert set(failures) == {"2", "3", "4"}
    assert "invalid JSON" in failures["2"] and "no \"text\"" in failures["3"] and "_id" in failures["4"]


@pytest.mark.parametrize("raw, expected", [
    ("van-ban/qd 27 (2021)", "van-ban/qd-27-2021"),
    ("../../etc/passwd", "etc/passwd"),
    ("Nghị quyết/NQ-21", "Nghị-quyết/NQ-21"),
    ("/abs/./x", "abs/x"),
])
def test_doc_ids_are_safe_paths(raw, expected):
    assert make_doc_id(raw) == expected
