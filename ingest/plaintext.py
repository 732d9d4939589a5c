"""Plain text and Markdown, decoding legacy Vietnamese encodings where that is possible."""
from __future__ import annotations

import re

from .errors import ReadError

_VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]",
                         re.IGNORECASE)


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). UTF-8 first; then UTF-16 with a BOM; then Windows-1258, the
    legacy Vietnamese code page, accepted only when the result reads as Vietnamese."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        text = ""
    import unicodedata

    text = unicodedata.normalize("NFC", text)
    letters = sum(ch.isalpha() for ch in text)
    if letters and len(_VIETNAMESE.findall(text)) / letters > 0.05:
        return text, "windows-1258"
    raise ReadError(
        "not UTF-8 and not recognisable Vietnamese Windows-1258 text: save the file as UTF-8 and upload again"
    )


_MD_RULES = [
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"^\s*>\s?", re.M), ""),
    (re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.M), ""),
    (re.compile(r"`([^`]*)`"), r"\1"),
]


def strip_markdown(text: str) -> str:
    """Markdown to the text a reader sees; list markers stay, they structure the content."""
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    return text
