"""The repairs of recognised text (ingest/ocr_text.py) and the syllable inventory they rely on."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from ingest.errors import ReadError
from ingest.ocr_text import clean_recognised, glyphs, marks_with, numbers, recognised_text, specks
from ingest.syllables import is_syllable
from ingest.vntext import fold

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("word", ["nghiêng", "quyết", "giếng", "gì", "hòa", "hoà", "thuỷ", "khoẻ", "Đảng", "ủy",
                                  "người", "khuya", "ý", "yêu", "quốc", "chuyển", "tuyên", "oanh", "xuân"])
def test_real_syllables_are_syllables(word):
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["quyet", "đảngg", "ban ", "tiêt", "các1", "xyz", "thànhh", "hoạtt", "ẩnh", "ngh",
                                  "bảnn", "cúả"])
def test_what_cannot_be_a_syllable_is_refused(word):
    # "quyet", "tiêt": a rhyme closed by -t takes sắc or nặng only; the others are not spelt so.
    assert not is_syllable(word)


def test_the_sample_library_is_almost_all_syllables():
    """Every word of the sample library's documents is a syllable, but for foreign words, codes
    and abbreviations: the inventory is complete enough to judge OCR output by."""
    words: Counter[str] = Counter()
    for line in (REPO / "corpus" / "library" / "tin-tuc" / "ban-tin-tong-hop.jsonl").read_text("utf-8").splitlines():
        words.update(w.lower() for w in re.findall(r"[^\W\d_]+", json.loads(line)["text"]))
    for path in (REPO / "corpus" / "src").rglob("*.md"):
        body = re.sub(r"\A---\n.*?\n---\n", "", path.read_text("utf-8"), flags=re.S)  # front matter
        words.update(w.lower() for w in re.findall(r"[^\W\d_]+", body))
    unknown = {w: n for w, n in words.items() if not is_syllable(w)}
    # Abbreviations (tp, ubnd, qđ), Roman numerals and foreign words (vaccine, zalo) only...
    assert sum(unknown.values()) / sum(words.values()) < 0.02, sorted(unknown.items(), key=lambda kv: -kv[1])[:30]
    # ... and no word that carries a Vietnamese vowel or tone mark: those are all syllables.
    marked = {w for w in unknown if fold(w) != w.replace("đ", "d") and w.isalpha()}
    assert not marked, marked


def test_glyphs_tesseract_uses_become_plain_ones():
    assert glyphs("Trang 1\u20444") == "Trang 1/4"
    assert glyphs("hiệu quả\ufb01") == "hiệu quảfi"


def test_specks_of_dust_read_as_marks_are_dropped_and_real_punctuation_kept():
    text = "văn bản giấy. : 3. Các cuộc họp ' trực tuyến\nđảng viên n được chuẩn hóa\nHọ tên: ........ _ a) b."
    assert specks(text) == ("văn bản giấy. 3. Các cuộc họp trực tuyến\nđảng viên được chuẩn hóa\n"
                            "Họ tên: ........ a) b.")
    # Specks glued to a word or number go; a fill-in line and a name with an underscore stay.
    assert specks("Số 02-NQ/CB_. về _quy định` mới; Họ tên: ____ (tep_moi.docx)") == \
        "Số 02-NQ/CB. về quy định mới; Họ tên: ____ (tep_moi.docx)"


def test_document_numbers_misread_are_repaired():
    assert numbers("Số 2l-NQ/TW ngày 1O/5") == "Số 21-NQ/TW ngày 1O/5"  # only inside a number
    assert numbers("Số 27- QD/TW") == "Số 27-QĐ/TW"
    assert numbers("Số 1O5-QĐ / TW") == "Số 105-QĐ/TW"
    assert numbers("Kế hoạch 121-KH/TU") == "Kế hoạch 121-KH/TU"
    assert numbers("Ban-TC/TW") == "Ban-TC/TW"  # no digit: not a number


def test_a_word_that_cannot_be_a_syllable_gets_the_closest_one():
    no_vocabulary = marks_with(lambda term: 0)
    # One tone away, and only one syllable is: "quyet" can only be quyết or quyệt -> two, left alone
    # without a vocabulary; "tiêt" likewise. With the library's vocabulary the common one wins.
    vocabulary = Counter({"quyết": 50, "quyệt": 0, "giải quyết": 20, "tiết": 9, "chi tiết": 5})
    assert no_vocabulary("Giải quyet") == "Giải quyet"
    assert marks_with(vocabulary.__getitem__)("Giải quyet xong, chi tiêt") == "Giải quyết xong, chi tiết"


def test_a_valid_word_is_replaced_only_on_strong_evidence():
    vocabulary = Counter({"chi bộ": 120, "chỉ bộ": 0, "tổ chức": 300, "tố chức": 0, "chỉ đạo": 80, "chi": 200,
                          "chỉ": 150})
    repair = marks_with(vocabulary.__getitem__)
    assert repair("Các chỉ bộ và tố chức đảng") == "Các chi bộ và tổ chức đảng"
    assert repair("Ban Chỉ đạo") == "Ban Chỉ đạo"  # right as it is: "chỉ đạo" is common
    assert repair("TỐ CHỨC") == "TỔ CHỨC"  # case kept
    # Weak evidence (a phrase seen twice) changes nothing.
    assert marks_with(Counter({"chi bộ": 2}).__getitem__)("chỉ bộ") == "chỉ bộ"


def test_clean_recognised_runs_every_repair():
    assert clean_recognised("Số 2l-NQ/TW ' về tố chức", Counter({"tổ chức": 10}).__getitem__) == \
        "Số 21-NQ/TW về tổ chức"


def test_recognised_text_drops_running_lines_and_refuses_an_empty_scan():
    body = ["Điều {n}. Quy định thứ {w} của văn bản.", "Các chi bộ thực hiện nội dung {w}.",
            "Cấp ủy kiểm tra việc {w} hằng quý.", "Báo cáo kết quả {w} về Ban Thường vụ."]
    words = ["một", "hai", "ba"]
    pages = ["\n".join(line.format(n=i, w=words[i]) for line in body) + f"\nTrang {i + 1}\u20443" for i in range(3)]
    text = recognised_text(pages, [0, 1, 2])
    assert "Trang" not in text and "Cấp ủy kiểm tra việc hai hằng quý." in text
    with pytest.raises(ReadError, match="no text recognised"):
        recognised_text([" ' . ", ""], [0, 1])
    # A page that has its own text layer is kept as it is, even when the others found nothing.
    assert recognised_text(["Trang có lớp chữ đầy đủ nội dung", ""], [1]).strip() == "Trang có lớp chữ đầy đủ nội dung"
