"""Old office formats (.doc, .rtf, .odt) read with the real programs (ingest/office.py), files
recognised by content (ingest/sniff.py), and what goes wrong: passwords, a converter that hangs,
macros, damaged files, two conversions at once.

The documents are written once a session: a party document with its header and signature tables
and a table-less news article, as DOCX by python-docx, then converted by LibreOffice to .doc, .rtf
and .odt. What ingest/word.py reads from the DOCX is the text each reader must give back.
"""
from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest import office
from ingest.errors import ReadError
from ingest.external import Scratch
from ingest.limits import Limits
from ingest.sniff import kind_to_read, sniff
from ingest.sources import content_type, read_file_bytes
from ingest.word import read_docx

pytestmark = pytest.mark.skipif(not all(shutil.which(p) for p in ("soffice", "antiword", "unrtf")),
                                reason="needs LibreOffice, antiword and unrtf (make setup installs them)")

MARKS = "Đảng viên gương mẫu: ế ể ễ ệ ộ ổ ỗ ữ ự ỹ Ỹ Ỵ Ằ Ẳ Ẵ ừ ử."
BODY = [
    "Ngày 03/01/2023, Chi bộ Tổ dân phố số 7 họp thường kỳ, có 46/52 đảng viên dự. Sau khi thảo luận, "
    "Chi bộ thống nhất quyết nghị:",
    "I. ĐÁNH GIÁ NĂM 2022",
    "Tổ dân phố số 7 có 612 hộ, 2.180 nhân khẩu; 95% hộ đạt danh hiệu gia đình văn hóa; hoàn thành thu quỹ "
    "\"Vì người nghèo\" đạt 21,4 triệu đồng; cải tạo xong sân chơi ngõ 82.",
    "II. NHIỆM VỤ NĂM 2023",
    "1. 100% đảng viên gương mẫu phân loại rác tại nguồn, vận động hộ gia đình phụ trách cùng thực hiện.",
    "2. Phấn đấu 100% đảng viên sử dụng \"Sổ tay đảng viên điện tử\"; phân công đồng chí Phạm Thu Hà hỗ trợ "
    "các đảng viên cao tuổi.",
    MARKS,
]
NEWS = [
    "Hà Nội đẩy mạnh chuyển đổi số trong sinh hoạt chi bộ",
    "Các chi bộ tổ dân phố trên địa bàn quận Hoàng Mai đã đưa Sổ tay đảng viên điện tử vào sinh hoạt thường kỳ, "
    "giúp đảng viên cao tuổi theo dõi nghị quyết ngay trên điện thoại.",
    "Theo Ban Tuyên giáo Quận ủy, đến hết quý II có 94% đảng viên cài đặt và sử dụng ứng dụng; nhiều chi bộ "
    "gửi tài liệu trước kỳ họp để đảng viên nghiên cứu, góp ý dự thảo nghị quyết.",
    "Đồng chí Bí thư Chi bộ số 12 cho biết: \"Sinh hoạt ngắn gọn hơn, đi vào việc cụ thể hơn; những ý kiến "
    "đóng góp được ghi nhận đầy đủ và trả lời công khai.\"",
    "Thời gian tới, quận tiếp tục tập huấn cho cấp ủy viên, hỗ trợ đảng viên lớn tuổi và hoàn thiện quy trình "
    "gửi, nhận văn bản điện tử giữa các chi bộ.",
    MARKS,
] * 3
VBA = ["Sub AutoOpen()", "    Shell \"cmd.exe /c echo pwned > C:\\pwned.txt\"", "End Sub",
       "Private Sub Document_Open(): Kill \"C:\\*.*\": End Sub"]


def _party_docx() -> bytes:
    from docx import Document

    doc = Document()
    left, right = doc.add_table(rows=1, cols=2).rows[0].cells
    left.paragraphs[0].add_run("ĐẢNG BỘ PHƯỜNG DỊCH VỌNG").bold = True
    left.add_paragraph("CHI BỘ TỔ DÂN PHỐ SỐ 7")
    left.add_paragraph("*")
    left.add_paragraph("Số 02-NQ/CB")
    right.paragraphs[0].add_run("ĐẢNG CỘNG SẢN VIỆT NAM").bold = True
    right.add_paragraph("Dịch Vọng, ngày 10 tháng 01 năm 2023").runs[0].italic = True
    doc.add_paragraph().add_run("NGHỊ QUYẾT").bold = True
    doc.add_paragraph("về lãnh đạo thực hiện nhiệm vụ năm 2023")
    for text in BODY:
        doc.add_paragraph(text)
    left, right = doc.add_table(rows=1, cols=2).rows[0].cells
    left.paragraphs[0].add_run("Nơi nhận:").bold = True
    left.add_paragraph("- Đảng ủy phường,")
    left.add_paragraph("- Lưu chi bộ.")
    right.paragraphs[0].add_run("T/M CHI BỘ").bold = True
    right.add_paragraph("BÍ THƯ")
    right.add_paragraph("Nguyễn Thị Hằng")
    doc.add_paragraph("Nghị quyết được niêm yết tại nhà văn hóa tổ dân phố.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _plain_docx(paragraphs: list[str]) -> bytes:
    from docx import Document

    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _legacy_docx() -> bytes:
    """A document with a line typed in the TCVN3 font .VnTime ("Đảng ủy" as TCVN3 bytes, shown as
    Windows-1252 "§¶ng ñy"): too short for its characters alone to prove the encoding."""
    from docx import Document

    doc = Document()
    left, right = doc.add_table(rows=1, cols=2).rows[0].cells
    left.paragraphs[0].add_run("CHI BỘ TỔ DÂN PHỐ SỐ 7")
    right.paragraphs[0].add_run("ĐẢNG CỘNG SẢN VIỆT NAM")
    doc.add_paragraph().add_run("§¶ng ñy").font.name = ".VnTime"
    for text in NEWS[1:4]:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _soffice(sources: list[Path], target: str, outdir: Path) -> None:
    with Scratch() as scratch:
        subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={(scratch / 'p').as_uri()}",
                        "--convert-to", target, "--outdir", str(outdir), *map(str, sources)], check=True,
                       capture_output=True, timeout=300, env={"HOME": str(scratch), "PATH": os.environ["PATH"]})


@pytest.fixture(scope="session")
def office_files(tmp_path_factory) -> Path:
    """party.{docx,doc,rtf,odt}, news.*, vba.* (a document whose text is VBA code)."""
    folder = tmp_path_factory.mktemp("office")
    sources = []
    for stem, data in (("party", _party_docx()), ("news", _plain_docx(NEWS)), ("vba", _plain_docx(NEWS[:2] + VBA)),
                       ("legacy", _legacy_docx())):
        (folder / f"{stem}.docx").write_bytes(data)
        sources.append(folder / f"{stem}.docx")
    for target in ("doc", "rtf", "odt"):
        _soffice(sources, target, folder)
    return folder


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def expected(folder: Path, stem: str) -> list[str]:
    return lines(read_docx((folder / f"{stem}.docx").read_bytes()))


IN_PROCESS = Limits(isolate=False)


def read(path: Path, name: str | None = None, limits: Limits = IN_PROCESS) -> tuple[str, list[str]]:
    text, _, notes = read_file_bytes(path.read_bytes(), name or path.name, limits)
    return text, notes


# ---------------------------------------------------------------- exact Vietnamese text

@pytest.mark.parametrize("suffix", [".doc", ".rtf", ".odt"])
@pytest.mark.parametrize("stem", ["party", "news"])
def test_old_office_formats_are_read_exactly(office_files, stem, suffix):
    text, notes = read(office_files / f"{stem}{suffix}")
    assert lines(text) == expected(office_files, stem)
    assert MARKS in text and notes == []


def test_a_doc_without_tables_is_read_by_antiword_and_one_with_tables_by_libreoffice(office_files, monkeypatch):
    monkeypatch.setattr(office, "SOFFICE", "no-such-soffice")
    text, _ = read(office_files / "news.doc")
    assert lines(text) == expected(office_files, "news")
    with pytest.raises(ReadError, match="no-such-soffice is not installed.*libreoffice-writer-nogui"):
        read(office_files / "party.doc")


@pytest.mark.parametrize("suffix", [".doc", ".rtf", ".odt"])
def test_a_line_in_a_tcvn3_font_is_converted_by_its_font(office_files, suffix):
    text, notes = read(office_files / f"legacy{suffix}")
    assert "Đảng ủy" in lines(text) and "§¶ng ñy" not in text
    assert lines(text)[-3:] == NEWS[1:4]
    assert "converted from TCVN3 (font .VnTime) to Unicode" in notes


def test_download_types_of_the_old_formats():
    assert content_type("a.doc") == "application/msword"
    assert content_type("a.rtf") == "application/rtf"
    assert content_type("a.odt") == "application/vnd.oasis.opendocument.text"


# ---------------------------------------------------------------- recognised by content

def test_files_are_recognised_by_their_content(office_files):
    kinds = {name: sniff((office_files / name).read_bytes())
             for name in ("party.doc", "party.rtf", "party.odt", "party.docx")}
    assert kinds == {"party.doc": "doc", "party.rtf": "rtf", "party.odt": "odt", "party.docx": "docx"}
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n\x00\x00") == "png"
    assert sniff(b"II*\x00\x08\x00\x00\x00") == sniff(b"MM\x00*\x00\x00\x00\x08") == "tiff"
    assert sniff("<!DOCTYPE html><html><body>Thông báo</body></html>".encode()) == "html"
    assert sniff("\ufeff  <html lang='vi'><p>Tin</p></html>".encode()) == "html"
    assert sniff("Kế hoạch <b>số</b> 12".encode()) == "text"
    assert sniff("Kế hoạch".encode("utf-16")) == "text"
    assert sniff(b"\x00\x01\x02binary") == "binary"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == "ole"  # damaged: no directory


def test_a_doc_that_is_really_rtf_or_html_is_read_as_what_it_is(office_files, tmp_path):
    text, notes = read(office_files / "party.rtf", "nghi-quyet.doc")
    assert lines(text) == expected(office_files, "party")
    assert notes == ["read as RTF: the file is an RTF document although named .doc"]

    page = ("<html><head><meta charset='utf-8'><title>Thông báo số 12</title></head><body><article>"
            "<h1>Thông báo số 12-TB/CB</h1><p>Chi bộ tổ dân phố số 7 họp thường kỳ vào ngày 03 hằng tháng; "
            "đảng viên tham dự đầy đủ, đúng giờ theo quy định của Điều lệ Đảng.</p>"
            f"<p>{MARKS}</p></article></body></html>")
    (tmp_path / "thong-bao.doc").write_text(page, encoding="utf-8")
    text, notes = read(tmp_path / "thong-bao.doc")
    assert "Chi bộ tổ dân phố số 7 họp thường kỳ" in text and MARKS in text
    assert notes == ["read as HTML: the file is an HTML page although named .doc"]


def test_a_docx_that_is_really_a_doc_and_an_odt_named_docx(office_files):
    text, notes = read(office_files / "party.doc", "nghi-quyet.docx")
    assert lines(text) == expected(office_files, "party")
    assert notes == ["read as DOC: the file is a Word 97-2003 document (DOC) although named .docx"]
    text, notes = read(office_files / "news.odt", "tin.docx")
    assert lines(text) == expected(office_files, "news")
    assert notes == ["read as ODT: the file is an OpenDocument text (ODT) although named .docx"]


def test_text_kinds_are_still_told_apart_by_their_names():
    markdown = "<div>Kế hoạch</div>\n\n# Kế hoạch số 12\n\nVề công tác **cán bộ**.".encode()
    assert kind_to_read(markdown, ".md") == ("markdown", None)
    assert kind_to_read(markdown, ".txt") == ("text", None)
    assert kind_to_read(b"<html><body>x</body></html>", ".html") == ("html", None)


def test_content_of_another_kind_is_refused_naming_it(tmp_path):
    (tmp_path / "bang.doc").write_bytes(b"PK\x03\x04")
    with zipfile.ZipFile(tmp_path / "bang.doc", "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ReadError, match="the file is an Excel workbook \\(XLSX\\) although named .doc"):
        read(tmp_path / "bang.doc")
    (tmp_path / "ghi-chu.doc").write_text("Ghi chú cuộc họp chi bộ.", encoding="utf-8")
    with pytest.raises(ReadError, match="the file holds plain text although named .doc; rename it .txt"):
        read(tmp_path / "ghi-chu.doc")


# ---------------------------------------------------------------- passwords

def _encrypted_copy(doc: bytes) -> bytes:
    """A real .doc with the FIB's fEncrypted bit set, as Word marks a password-protected one."""
    import olefile

    path = Path(Scratch().path) / "x.doc"
    path.write_bytes(doc)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        fib = bytearray(ole.openstream("WordDocument").read())
        flags = int.from_bytes(fib[10:12], "little") | 0x0100
        fib[10:12] = flags.to_bytes(2, "little")
        ole.write_stream("WordDocument", bytes(fib))
    data = path.read_bytes()
    shutil.rmtree(path.parent)
    return data


def test_a_password_protected_doc_is_refused_before_any_program_sees_it(office_files, tmp_path, monkeypatch):
    (tmp_path / "mat.doc").write_bytes(_encrypted_copy((office_files / "news.doc").read_bytes()))
    monkeypatch.setattr(office, "ANTIWORD", "no-such-antiword")
    monkeypatch.setattr(office, "SOFFICE", "no-such-soffice")
    with pytest.raises(ReadError, match="password-protected Word document.*remove the password"):
        read(tmp_path / "mat.doc")


def test_a_password_protected_odt_is_refused(office_files, tmp_path):
    source = zipfile.ZipFile(office_files / "news.odt")
    with zipfile.ZipFile(tmp_path / "mat.odt", "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "META-INF/manifest.xml":
                data = data.replace(b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
                                    b'manifest:full-path="content.xml" manifest:media-type="text/xml">'
                                    b'<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>'
                                    b'</manifest:file-entry>')
                assert b"encryption-data" in data
            out.writestr(info, data)
    with pytest.raises(ReadError, match="password-protected OpenDocument text"):
        read(tmp_path / "mat.odt")


# ---------------------------------------------------------------- a converter that hangs

def _hanging_program(folder: Path, name: str) -> Path:
    """A program that starts a child and then sleeps, both writing their process ids down."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    pids = folder / "pids"
    script.write_text(f"#!/bin/sh\nsleep 300 &\necho $! >> {pids}\necho $$ >> {pids}\nwait\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_a_converter_that_hangs_is_killed_at_its_timeout(office_files, tmp_path, monkeypatch):
    program = _hanging_program(tmp_path / "bin", "soffice")
    monkeypatch.setattr(office, "SOFFICE", str(program))
    started = time.perf_counter()
    with pytest.raises(ReadError) as caught:
        read(office_files / "party.doc", limits=Limits(isolate=False, converter_seconds=1.5))
    took = time.perf_counter() - started
    assert 1.4 < took < 10
    assert "LibreOffice took longer than 1.5 s converting this file and was stopped" in str(caught.value)
    assert "SOTAY_CONVERTER_TIMEOUT_S" in str(caught.value)
    pids = [int(p) for p in (tmp_path / "bin" / "pids").read_text().split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids), "the converter or its child outlived its timeout"


def test_the_converter_always_stops_before_the_readers_deadline(office_files, tmp_path, monkeypatch):
    """A converter timeout above the reader's is cut to end first: the reader (here in its
    worker process) reports the converter, never a dead worker that left it running."""
    program = _hanging_program(tmp_path / "bin", "soffice")
    monkeypatch.setenv("PATH", f"{program.parent}{os.pathsep}{os.environ['PATH']}")
    limits = Limits(reader_seconds=4, converter_seconds=60)
    from ingest.sources import _Reader

    reader = _Reader(limits)
    try:
        with pytest.raises(ReadError, match=r"LibreOffice took longer than 3\.\d s, what was left of the 4 s limit "
                                            r"for reading one file .*\(SOTAY_READER_TIMEOUT_S\)"):
            reader.read((office_files / "party.doc").read_bytes(), "party.doc")
    finally:
        reader.close()


# ---------------------------------------------------------------- two at once

def test_two_conversions_at_once_both_succeed(office_files):
    data = {suffix: (office_files / f"party{suffix}").read_bytes() for suffix in (".doc", ".rtf")}
    results: dict[str, str] = {}
    spans: dict[str, tuple[float, float]] = {}
    start = threading.Barrier(2)

    def convert(suffix: str) -> None:
        start.wait()
        began = time.monotonic()
        results[suffix] = read_docx(office.soffice_convert(data[suffix], suffix, "docx", office.Budget(seconds=120)))
        spans[suffix] = (began, time.monotonic())

    threads = [threading.Thread(target=convert, args=(suffix,)) for suffix in data]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert set(results) == {".doc", ".rtf"}
    (a0, a1), (b0, b1) = spans.values()
    assert a0 < b1 and b0 < a1, "the two conversions did not overlap"
    want = expected(office_files, "party")
    assert lines(results[".rtf"]) == want and lines(results[".doc"]) == want


# ---------------------------------------------------------------- macros

def _macro_odt(plain_odt: bytes, marker: Path) -> bytes:
    """An ODT whose Basic macro, bound to the document's load event, writes `marker`."""
    module = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD '
              'OfficeDocument 1.0//EN" "module.dtd">\n<script:module xmlns:script="http://openoffice.org/2000/script" '
              'script:name="Module1" script:language="StarBasic">Sub Main\n'
              f'Open &quot;{marker}&quot; For Output As #1\nPrint #1, &quot;ran&quot;\nClose #1\nEnd Sub\n'
              '</script:module>\n')
    library = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD '
               'OfficeDocument 1.0//EN" "library.dtd">\n<library:library '
               'xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" '
               'library:passwordprotected="false">\n'
               ' <library:element library:name="Module1"/>\n</library:library>\n')
    libraries = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD '
                 'OfficeDocument 1.0//EN" "libraries.dtd">\n<library:libraries xmlns:library="http://openoffice.org/2000/'
                 'library" xmlns:xlink="http://www.w3.org/1999/xlink">\n <library:library library:name="Standard" '
                 'xlink:href="Basic/Standard/script-lb.xml/" xlink:type="simple" library:link="false"/>\n'
                 '</library:libraries>\n')
    event = ('<office:scripts><office:event-listeners><script:event-listener script:language="ooo:script" '
             'script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic'
             '&amp;location=document" xlink:type="simple"/></office:event-listeners></office:scripts>')
    entries = "".join(f' <manifest:file-entry manifest:full-path="{path}" manifest:media-type="{kind}"/>\n'
                      for path, kind in (("Basic/", "application/binary"), ("Basic/script-lc.xml", "text/xml"),
                                         ("Basic/Standard/", "application/binary"),
                                         ("Basic/Standard/script-lb.xml", "text/xml"),
                                         ("Basic/Standard/Module1.xml", "text/xml")))
    source = zipfile.ZipFile(io.BytesIO(plain_odt))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info).decode("utf-8") if info.filename.endswith(".xml") else source.read(info)
            if info.filename == "content.xml":
                assert "<office:font-face-decls>" in data
                data = data.replace("<office:font-face-decls>", event + "<office:font-face-decls>", 1)
            elif info.filename == "META-INF/manifest.xml":
                data = data.replace("</manifest:manifest>", entries + "</manifest:manifest>")
            archive.writestr(info, data)
        archive.writestr("Basic/script-lc.xml", libraries)
        archive.writestr("Basic/Standard/script-lb.xml", library)
        archive.writestr("Basic/Standard/Module1.xml", module)
    return out.getvalue()


def test_a_document_with_a_macro_is_read_and_nothing_is_executed(office_files, tmp_path):
    marker = tmp_path / "macro-ran"
    (tmp_path / "macro.odt").write_bytes(_macro_odt((office_files / "news.odt").read_bytes(), marker))
    text, notes = read(tmp_path / "macro.odt")
    assert lines(text) == expected(office_files, "news")
    assert notes == ["the document holds macros: they were not run, only its text was read"]
    # LibreOffice too, which is what could run one: converted, and the macro still not run.
    converted = office.soffice_convert((tmp_path / "macro.odt").read_bytes(), ".odt", "docx",
                                     office.Budget(seconds=120))
    assert lines(read_docx(converted)) == expected(office_files, "news")
    assert not marker.exists()
    # A .doc whose text is VBA code is text, read as it stands.
    text, _ = read(office_files / "vba.doc")
    assert lines(text) == expected(office_files, "vba") and VBA[1].strip() in text


@pytest.mark.slow
def test_the_macro_document_is_live(office_files, tmp_path):
    """The macro of the test above is real: LibreOffice opening the document with macro security
    at its lowest runs it (and writes the marker)."""
    marker = tmp_path / "macro-ran"
    document = tmp_path / "macro.odt"
    document.write_bytes(_macro_odt((office_files / "news.odt").read_bytes(), marker))
    profile = tmp_path / "profile" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" '
        'oor:op="fuse"><value>0</value></prop></item></oor:items>\n', encoding="utf-8")
    argv = ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.parent.as_uri()}", str(document)]
    process = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={"HOME": str(tmp_path), "PATH": os.environ["PATH"]})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, 9)
        process.wait()
    assert marker.exists()


# ---------------------------------------------------------------- damaged files

@pytest.mark.parametrize("suffix, reason", [
    (".doc", "corrupt or truncated Word 97-2003 document"),
    (".rtf", "truncated RTF document: it ends with .* left open"),
    (".odt", "corrupt or unreadable ODT"),
])
def test_truncated_files_give_a_clear_reason(office_files, tmp_path, suffix, reason):
    data = (office_files / f"party{suffix}").read_bytes()
    (tmp_path / f"cut{suffix}").write_bytes(data[:len(data) // 2])
    with pytest.raises(ReadError, match=reason):
        read(tmp_path / f"cut{suffix}")


@pytest.mark.parametrize("suffix, reason", [
    (".doc", "corrupt or truncated Word 97-2003 document"),
    (".rtf", "not an RTF document"),
    (".odt", "corrupt or unreadable ODT"),
])
def test_garbage_under_an_office_name_gives_a_clear_reason(tmp_path, suffix, reason):
    header = {".doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".rtf": b"", ".odt": b"PK\x03\x04"}[suffix]
    (tmp_path / f"rac{suffix}").write_bytes(header + os.urandom(4096).replace(b"\x00", b"\x01"))
    with pytest.raises(ReadError, match=reason):
        read(tmp_path / f"rac{suffix}")


# ---------------------------------------------------------------- the settings and the command line

def test_the_converter_timeout_comes_from_the_settings(make_library, monkeypatch):
    from settings import Settings

    monkeypatch.setenv("SOTAY_CONVERTER_TIMEOUT_S", "7.5")
    assert Settings().converter_timeout_s == 7.5
    assert make_library(converter_timeout_s=Settings().converter_timeout_s).limits().converter_seconds == 7.5


def test_sotay_ingest_commits_the_good_office_files_and_reports_the_bad(office_files, tmp_path, make_library,
                                                                         monkeypatch):
    from sotay import cli as cli_module

    folder = tmp_path / "tai-lieu"
    folder.mkdir()
    for name, copy in (("news.doc", "tin.doc"), ("party.rtf", "nghi-quyet.rtf"), ("party.odt", "nghi-quyet-2.odt"),
                       ("party.rtf", "rtf-ten-doc.doc")):
        shutil.copy(office_files / name, folder / copy)
    (folder / "mat-khau.doc").write_bytes(_encrypted_copy((office_files / "news.doc").read_bytes()))
    data = (office_files / "party.odt").read_bytes()
    (folder / "hong.odt").write_bytes(data[: len(data) // 3])
    shutil.copy(office_files / "party.doc", folder / "treo.doc")  # has tables: LibreOffice, which hangs here
    program = _hanging_program(tmp_path / "bin", "soffice")
    monkeypatch.setenv("PATH", f"{program.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("SOTAY_CONVERTER_TIMEOUT_S", "2")
    library = make_library("index", converter_timeout_s=2)
    monkeypatch.setattr(cli_module, "_library", lambda settings: library)
    result = CliRunner(mix_stderr=False).invoke(cli_module.cli, ["ingest", str(folder), "--index", str(library.root)],
                                                catch_exceptions=False)
    out = result.stdout + result.stderr
    assert result.exit_code == 1, out
    assert sorted(library.generation().docs) == ["nghi-quyet", "nghi-quyet-2", "rtf-ten-doc", "tin"], out
    assert "read as RTF: the file is an RTF document although named .doc" in out
    assert "mat-khau.doc" in out and "password-protected Word document" in out
    assert "hong.odt" in out and "corrupt or unreadable ODT" in out
    assert "treo.doc" in out and "LibreOffice took longer than 2 s" in out
