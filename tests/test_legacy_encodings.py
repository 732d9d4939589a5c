"""TCVN3 and VNI text to Unicode (ingest/legacy_encodings.py), in every way such text reaches us.

The 30 passages of tests/data/legacy/passages.jsonl (their legacy forms made with Unikey's tables,
not ours) go through each transport: raw bytes in a .txt, a .txt re-saved as UTF-8, a DOCX with
runs in .VnTime / .VnTimeH / VNI-Times, a PDF text layer in those fonts. Every one must come out
exactly. Unicode and Windows-1258 text, and every document of the sample library, must not change.
"""
from __future__ import annotations

import io
import json
import re
import unicodedata
from pathlib import Path

import pytest

from ingest.legacy_encodings import (
    TCVN3,
    VNI,
    convert_legacy,
    convert_runs,
    decode_legacy,
    detect_legacy,
    font_encoding,
    legacy_note,
)
from ingest.limits import Limits
from ingest.plaintext import decode_text
from ingest.sources import SourceDocument, read_file_bytes, read_sources

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "ingest" / "data"
PASSAGES = [json.loads(line) for line in (REPO / "tests" / "data" / "legacy" / "passages.jsonl")
            .read_text(encoding="utf-8").splitlines()]
EVAL = REPO.parent / "shared" / "eval"
VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"


def test_thirty_passages_cover_the_alphabet():
    assert len(PASSAGES) == 30 and len({p["id"] for p in PASSAGES}) == 30
    text = "\n".join(p["unicode"] for p in PASSAGES)
    assert set(VIETNAMESE) <= set(text)
    marked_capitals = {ch.upper() for ch in VIETNAMESE if not ch.isascii()}
    assert marked_capitals - set(text) == {"Ẵ"}


# ---------------------------------------------------------------- tables

def _rows(name: str) -> list[list[str]]:
    return [line.split("\t") for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


def test_tcvn3_table_is_one_byte_a_letter_with_seven_capitals():
    rows = _rows("tcvn3.tsv")
    letters = [char for _, char, _ in rows]
    assert len(set(letters)) == len(rows) == 74
    assert {ch for ch in letters if ch.isupper()} == set("ĂÂÊÔƠƯĐ")
    assert {ch for ch in letters if ch.islower()} == {ch for ch in VIETNAMESE if not ch.isascii()}
    for code, _, shown in rows:
        assert len(code) == 2 and int(code, 16) >= 0xA1
        assert shown == ("U+00AD" if code == "AD" else bytes([int(code, 16)]).decode("cp1252"))


def test_vni_table_is_a_base_letter_and_a_mark():
    rows = _rows("vni.tsv")
    letters = [char for _, char, _ in rows]
    assert len(set(letters)) == len(rows) == 134
    assert set(letters) == {ch for ch in VIETNAMESE if not ch.isascii()} | {
        ch.upper() for ch in VIETNAMESE if not ch.isascii()}
    for code, char, shown in rows:
        raw = bytes(int(part, 16) for part in code.split())
        assert raw.decode("cp1252") == shown
        base = unicodedata.normalize("NFD", char)[0].replace("đ", "d").replace("Đ", "D")
        horn = "\u031b" in unicodedata.normalize("NFD", char)
        if len(raw) == 2:  # a base letter, or VNI's ơ (ô) and ư (ö), then a mark
            assert chr(raw[0]) == ({"o": "ô", "O": "Ô", "u": "ö", "U": "Ö"}[base] if horn else base)
        else:  # the single bytes: ỉ ì í ĩ ị, ỵ, đ, ơ, ư
            assert base in "iIyYdDoOuU"


def test_tables_convert_the_examples_every_editor_knows():
    assert convert_legacy("§¶ng ñy ph\xadêng", [".VnTime"]) == ("Đảng ủy phường", TCVN3)
    assert convert_legacy("Ñaûng uûy phöôøng", ["VNI-Times"]) == ("Đảng ủy phường", VNI)


# ---------------------------------------------------------------- the transports

def _is_caps(line: str) -> bool:
    return any(ch.isalpha() for ch in line) and line == line.upper()


def typed_small(tcvn3: str) -> str:
    """A TCVN3 line as typed without Shift in an upper-case font, which draws it in capitals
    all the same: plain letters small, and Ă Â Ê Ô Ơ Ư Đ (0xA1-0xA7) with the small codes."""
    return "".join(ch.lower() if ch.isascii() else chr(ord(ch) + 7) if "\xa1" <= ch <= "\xa7" else ch
                   for ch in tcvn3)


def make_docx(paragraphs: list[list[tuple[str, str | None]]], style_font: str | None = None) -> bytes:
    import docx

    document = docx.Document()
    if style_font:
        document.styles["Normal"].font.name = style_font
    for runs in paragraphs:
        paragraph = document.add_paragraph()
        for text, font in runs:
            run = paragraph.add_run(text)
            if font:
                run.font.name = font
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pdf(lines: list[tuple[str, bytes]]) -> bytes:
    """One page, a line a text fragment, each in its font (not embedded, WinAnsiEncoding), as
    printers made PDFs of .VnTime documents."""
    fonts = sorted({font for font, _ in lines})
    ids = {font: f"F{i + 1}" for i, font in enumerate(fonts)}
    content = b"BT 14 TL 40 800 Td\n" + b"".join(
        f"/{ids[font]} 11 Tf <{text.hex()}> Tj T*\n".encode() for font, text in lines) + b"ET\n"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << "
                + " ".join(f"/{ids[font]} {5 + i} 0 R" for i, font in enumerate(fonts)) + " >> >> >>").encode(),
               b"<< /Length %d >>\nstream\n%sendstream" % (len(content), content)]
    objects += [f"<< /Type /Font /Subtype /TrueType /BaseFont /{font} /Encoding /WinAnsiEncoding >>".encode()
                for font in fonts]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, 2)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _tcvn3_lines(passage: dict, number: int) -> list[tuple[str, str]]:
    """(font, line): lines in capitals in .VnTimeH, typed small in every other passage."""
    out = []
    for truth, line in zip(passage["unicode"].split("\n"), passage["tcvn3"].split("\n"), strict=True):
        if _is_caps(truth):
            out.append((".VnTimeH", typed_small(line) if number % 2 else line))
        else:
            out.append((".VnTime", line))
    return out


def _chopped(line: str, width: int = 7) -> list[str]:
    """A line cut into runs every few characters, a VNI letter and its mark now and then apart."""
    return [line[i:i + width] for i in range(0, len(line), width)] or [""]


def via_tcvn3_bytes(passage, number):
    return read_file_bytes(passage["tcvn3"].encode("cp1252"), "van-ban.txt")


def via_vni_bytes(passage, number):
    return read_file_bytes(passage["vni"].encode("cp1252"), "van-ban.txt")


def via_tcvn3_resaved(passage, number):
    return read_file_bytes(passage["tcvn3"].encode("utf-8"), "van-ban.txt")


def via_vni_resaved(passage, number):
    return read_file_bytes(passage["vni"].encode("utf-8"), "van-ban.txt")


def via_tcvn3_docx(passage, number):
    return read_file_bytes(make_docx([[(line, font)] for font, line in _tcvn3_lines(passage, number)]), "van-ban.docx")


def via_vni_docx(passage, number):
    paragraphs = [[(run, "VNI-Times") for run in _chopped(line)] for line in passage["vni"].split("\n")]
    return read_file_bytes(make_docx(paragraphs), "van-ban.docx")


def via_tcvn3_pdf(passage, number):
    lines = [(font, line.encode("cp1252")) for font, line in _tcvn3_lines(passage, number)]
    return read_file_bytes(make_pdf(lines), "van-ban.pdf")


def via_vni_pdf(passage, number):
    return read_file_bytes(make_pdf([("VNI-Times", line.encode("cp1252")) for line in passage["vni"].split("\n")]),
                           "van-ban.pdf")


TRANSPORTS = {
    "TCVN3 bytes in a .txt": (via_tcvn3_bytes, ["converted from TCVN3 to Unicode (recognised by its characters)"]),
    "VNI bytes in a .txt": (via_vni_bytes, ["converted from VNI to Unicode (recognised by its characters)"]),
    "TCVN3 .txt re-saved as UTF-8": (via_tcvn3_resaved,
                                     ["converted from TCVN3 to Unicode (recognised by its characters)"]),
    "VNI .txt re-saved as UTF-8": (via_vni_resaved, ["converted from VNI to Unicode (recognised by its characters)"]),
    "DOCX, .VnTime and .VnTimeH runs": (via_tcvn3_docx, None),
    "DOCX, VNI-Times runs": (via_vni_docx, ["converted from VNI (font VNI-Times) to Unicode"]),
    "PDF text layer, .VnTime and .VnTimeH": (via_tcvn3_pdf, None),
    "PDF text layer, VNI-Times": (via_vni_pdf, ["converted from VNI (font VNI-Times) to Unicode"]),
}


def via_tcvn3_html(passage, number):
    """A web page of the TCVN3 years, re-saved as UTF-8: the HTML reader drops its soft hyphens,
    which are TCVN3's ư."""
    import html

    body = "".join(f"<p><font face='.VnTime'>{html.escape(line)}</font></p>" for line in passage["tcvn3"].split("\n"))
    page = (f"<html><head><meta charset='utf-8'><title>Văn bản</title></head>"
            f"<body><article>{body}</article></body></html>")
    return read_file_bytes(page.encode("utf-8"), "van-ban.html")


def exact_counts() -> dict[str, int]:
    """How many of the 30 passages each transport gives back exactly (docs/ingest.md)."""
    counts = {name: sum(via(p, n)[0] == p["unicode"] for n, p in enumerate(PASSAGES)) for name, (via, _) in
              TRANSPORTS.items()}
    counts["HTML page, soft hyphens (ư) dropped"] = sum(via_tcvn3_html(p, n)[0] == p["unicode"]
                                                         for n, p in enumerate(PASSAGES))
    return counts


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_passage_is_converted_exactly(transport):
    via, expected_notes = TRANSPORTS[transport]
    wrong = []
    for number, passage in enumerate(PASSAGES):
        text, _, notes = via(passage, number)
        if text != passage["unicode"]:
            lines = [(got, want) for got, want in zip(text.split("\n"), passage["unicode"].split("\n"), strict=False)
                     if got != want]
            wrong.append((passage["id"], lines[:2] or text[:200]))
        if expected_notes is not None:
            assert notes == expected_notes, (passage["id"], notes)
        else:  # the fonts the passage's lines are in, named in the report
            fonts = sorted({font for font, _ in _tcvn3_lines(passage, number)})
            assert notes == [legacy_note(TCVN3, fonts)], (passage["id"], notes)
    assert not wrong, f"{len(wrong)} of 30 not exact: {wrong}"


def test_an_u_horn_lost_with_its_soft_hyphen_is_put_back_where_a_word_needs_it():
    from ingest.legacy_encodings import _syllable

    exact = 0
    for number, passage in enumerate(PASSAGES):
        text, _, notes = via_tcvn3_html(passage, number)
        assert notes == ["converted from TCVN3 to Unicode (recognised by its characters)"]
        assert "\u00ad" not in text and text.count("\n") == passage["unicode"].count("\n")
        exact += text == passage["unicode"]
        for got, want in zip(text.split(), passage["unicode"].split(), strict=True):
            # Only words that are syllables without their ư stay wrong ("ngời" for "người").
            assert got == want or (got == want.replace("ư", "").replace("Ư", "") and _syllable(got.strip(",.;:"))), (
                passage["id"], got, want)
    assert exact >= 24  # docs/legacy-encodings.md: 24 of 30, 5 without putting ư back


def test_the_report_names_the_file_and_what_it_was_converted_from(tmp_path):
    passage = PASSAGES[0]
    (tmp_path / "cu.docx").write_bytes(via_tcvn3_docx_bytes(passage))
    (tmp_path / "moi.txt").write_text(passage["unicode"], encoding="utf-8")
    docs = {doc.filename: doc for doc in read_sources([tmp_path], limits=Limits(isolate=False))}
    assert isinstance(docs["cu.docx"], SourceDocument) and docs["cu.docx"].text == passage["unicode"]
    assert docs["cu.docx"].notes == ["converted from TCVN3 (fonts .VnTime, .VnTimeH) to Unicode"]
    assert docs["moi.txt"].notes == [] and docs["moi.txt"].text == passage["unicode"]


def via_tcvn3_docx_bytes(passage):
    return make_docx([[(line, font)] for font, line in _tcvn3_lines(passage, 0)])


# ---------------------------------------------------------------- fonts in DOCX and PDF

def test_a_run_takes_its_font_from_the_paragraph_style():
    data = make_docx([[("Hµ Néi", None)], [("Đảng ủy", "Times New Roman")]], style_font=".VnTime")
    notes: list[str] = []
    assert read_file_bytes(data, "a.docx")[0] == "Hà Nội\nĐảng ủy"
    from ingest.word import read_docx

    read_docx(data, notes)
    assert notes == ["converted from TCVN3 (font .VnTime) to Unicode"]


def test_a_soft_hyphen_element_in_a_vntime_run_is_tcvn3_u_horn():
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    run = document.add_paragraph().add_run("n")
    run.font.name = ".VnTime"
    run._r.append(OxmlElement("w:softHyphen"))
    tail = OxmlElement("w:t")
    tail.text = "íc"
    run._r.append(tail)
    out = io.BytesIO()
    document.save(out)
    assert read_file_bytes(out.getvalue(), "a.docx")[0] == "nước"


def test_a_capital_mid_sentence_is_a_one_letter_upper_case_run():
    # TCVN3 has no code for Ủ: a lower-case-font text says it with the letter in .VnTimeH.
    runs = [("§ång chÝ Chñ nhiÖm ", ".VnTime"), ("ñ", ".VnTimeH"), ("y ban KiÓm tra ph¸t biÓu.", ".VnTime")]
    assert "".join(convert_runs(runs)[0]) == "Đồng chí Chủ nhiệm Ủy ban Kiểm tra phát biểu."
    # Raw bytes cannot say it: the small letter stays, as the file has it.
    assert convert_legacy("".join(text for text, _ in runs))[0] == "Đồng chí Chủ nhiệm ủy ban Kiểm tra phát biểu."


def test_unicode_text_in_a_font_still_named_vntime_is_left_alone():
    runs = [("Tô Lâm và các đồng chí", ".VnTime"), ("\n", None), ("Có và là", ".VnTime")]
    assert convert_runs(runs) == ([text for text, _ in runs], {})


def test_font_names_as_docx_and_pdf_write_them():
    assert font_encoding(".VnTime").encoding == TCVN3 and not font_encoding(".VnTime").capitals
    assert font_encoding("/ABCDEF+.VnTimeH,Bold").family == ".VnTimeH"
    assert font_encoding("VnArialH-BoldItalic").capitals
    assert font_encoding(".VnBook-AntiquaH").capitals and not font_encoding(".VnBook-Antiqua").capitals
    assert font_encoding("VNI-Times").encoding == VNI and font_encoding("/VNI-Helve-Condense").encoding == VNI
    for other in ("Times New Roman", "TimesNewRomanPSMT", "Arial", "DejaVuSerif", "VNtimes new roman", "", None):
        assert font_encoding(other) is None


def test_a_pdf_page_in_a_legacy_font_says_so_and_one_in_dejavu_does_not():
    data = make_pdf([(".VnTimeH", "®¶ng céng s¶n viÖt nam".encode("cp1252")),
                     ("ABCDEF+.VnTime", "Sè 27-Q§/TW, Hµ Néi, ngµy 10 th¸ng 8 n¨m 2021".encode("cp1252")),
                     ("Helvetica", b"Trang 1 / 3 - sotay")])
    text, _, notes = read_file_bytes(data, "a.pdf")
    assert text.split("\n")[:2] == ["ĐẢNG CỘNG SẢN VIỆT NAM", "Số 27-QĐ/TW, Hà Nội, ngày 10 tháng 8 năm 2021"]
    assert notes == ["converted from TCVN3 (fonts .VnTime, .VnTimeH) to Unicode"]


# ---------------------------------------------------------------- what must not change

def test_unicode_passages_and_their_windows_1258_bytes_are_unchanged():
    from tests.test_readers import windows_1258

    for passage in PASSAGES:
        truth = passage["unicode"]
        assert convert_legacy(truth) == (truth, None)
        assert read_file_bytes(truth.encode("utf-8"), "a.txt") == (truth, {}, [])
        assert decode_legacy(windows_1258(truth)) is None
        assert decode_text(windows_1258(truth)) == (truth, "windows-1258")


def test_a_unicode_paragraph_pasted_into_a_tcvn3_document_is_left_alone():
    tcvn3 = PASSAGES[2]["tcvn3"]
    unicode_lines = ["Bí thư chi bộ", "Bà Hồng nói: có."]
    text, encoding = convert_legacy("\n".join([tcvn3, *unicode_lines]))
    assert encoding == TCVN3 and text == "\n".join([PASSAGES[2]["unicode"], *unicode_lines])


def test_converted_text_is_not_converted_again():
    for passage in PASSAGES:
        for encoding in ("tcvn3", "vni"):
            once, _ = convert_legacy(passage[encoding])
            assert convert_legacy(once) == (once, None)


@pytest.mark.parametrize("text", [
    "Có và là",  # Unicode Vietnamese of Latin-1 letters only
    "Tô Lâm, Võ Văn Thưởng",
    unicodedata.normalize("NFD", "Đảng ủy phường Hàng Bạc"),  # decomposed marks
    "Café, crème brûlée à la française; Müller für Straße; año, señor, corazón; São Paulo, Ægir, Øresund.",
    "© 2024 — § 3 «Điều khoản» ±5 °C, ½ × ¼ ÷ 2",
    "Nguyễn Văn A\n" + "Hà Nội có đông dân cư. " * 50,
])
def test_other_text_is_not_taken_for_a_legacy_encoding(text):
    assert convert_legacy(text) == (text, None)
    assert detect_legacy(text) is None


def test_a_western_windows_1252_file_is_not_taken_for_tcvn3_or_vni():
    data = "Résumé: café crème, naïve façade, à bientôt. Müller für Straße; año, señor.".encode("cp1252")
    assert decode_legacy(data) is None
    assert not any(note.startswith("converted") for note in read_file_bytes(data, "fr.txt")[2])


def test_every_document_of_the_sample_library_is_unchanged():
    docs = [doc for doc in read_sources([REPO / "corpus" / "library", REPO / "corpus" / "demo"],
                                        limits=Limits(isolate=False)) if isinstance(doc, SourceDocument)]
    assert len(docs) > 50
    for doc in docs:
        assert not any(re.match("converted from", note) for note in doc.notes), (doc.origin, doc.notes)
        assert convert_legacy(doc.text) == (doc.text, None), doc.origin


def _windows_1258(text: str) -> bytes:
    """Text in Windows-1258 as Vietnamese editors wrote it (a base letter, then its tone mark),
    with "?" for what the code page lacks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        if len(parts) > 1 and parts[-1] in tones and not char.encode("cp1258", errors="ignore"):
            char = unicodedata.normalize("NFC", parts[:-1]) + parts[-1]
        out.append(char)
    return "".join(out).encode("cp1258", errors="replace")


@pytest.mark.slow
@pytest.mark.skipif(not EVAL.exists(), reason="../shared/eval is not here")
def test_no_text_of_the_evaluation_corpora_is_changed():
    # Research data: read in place, never copied (DESIGN.md).
    checked = 0
    for path in sorted(EVAL.glob("*/corpus.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                text = (record.get("title") or "") + "\n" + record["text"]
                assert convert_legacy(text) == (text, None), (path.parent.name, record.get("_id"))
                for paragraph in record["text"].split("\n"):
                    assert convert_legacy(paragraph)[1] is None, (path.parent.name, record.get("_id"), paragraph)
                # Its Windows-1258 bytes are never taken for TCVN3 or VNI.
                assert decode_legacy(_windows_1258(record["text"])) is None, (path.parent.name, record.get("_id"))
                checked += 1
    assert checked > 1000
