"""Vietnamese text utilities: one tone-mark placement for documents and queries alike."""
from __future__ import annotations

import unicodedata

import pytest

from ingest.vntext import canonical_tones, fold, has_diacritics, normalize_text


@pytest.mark.parametrize("written, canonical", [
    ("hoà", "hòa"), ("hòa", "hòa"), ("Hoà Bình", "Hòa Bình"), ("thuỷ lợi", "thủy lợi"),
    ("khoẻ", "khỏe"), ("hoá", "hóa"), ("tuỳ", "tùy"), ("uỷ ban", "ủy ban"), ("THUỶ", "THỦY"),
    ("loà", "lòa"), ("xoà", "xòa"), ("quỷ", "quỷ"),
    # Both styles agree when a consonant closes the syllable, or a vowel carries a shape mark.
    ("hoàn", "hoàn"), ("thuyền", "thuyền"), ("quyết", "quyết"), ("người", "người"),
    ("nghị quyết", "nghị quyết"), ("chuyển đổi", "chuyển đổi"), ("khuỷu", "khuỷu"),
    # "qu" and "gi" are onsets: the tone goes on the vowel after them.
    ("quý", "quý"), ("quả", "quả"), ("giá", "giá"), ("giữa", "giữa"), ("gì", "gì"),
    ("ngoài", "ngoài"), ("mùa", "mùa"), ("hỏi", "hỏi"), ("yêu", "yêu"),
])
def test_tone_marks_have_one_place(written, canonical):
    assert canonical_tones(written) == canonical
    assert canonical_tones(canonical) == canonical


def test_decomposed_input_becomes_nfc_with_canonical_tones():
    decomposed = unicodedata.normalize("NFD", "Thuỷ lợi Hoà Bình")
    assert canonical_tones(decomposed) == "Thủy lợi Hòa Bình"


def test_fold_strips_every_mark_and_d_bar():
    assert fold("Đảng Cộng sản Việt Nam, nghị quyết đại hội") == "Dang Cong san Viet Nam, nghi quyet dai hoi"
    assert not has_diacritics("nghi quyet") and has_diacritics("nghị quyết")


def test_normalize_text_keeps_lines_and_drops_noise():
    raw = "  Hà\u00a0 Nội,\r\n\r\n\r\n ngày\u200b 10 tháng 8 \x0c\nThuỷ "
    assert normalize_text(raw) == "Hà Nội,\n\nngày 10 tháng 8\nThủy"
