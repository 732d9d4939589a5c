"""Plain text and Markdown, decoding legacy Vietnamese encodings where that is possible."""
from __future__ import annotations

import re

from .errors import ReadError
from .legacy_encodings import decode_legacy

_VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]",
                         re.IGNORECASE)


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). UTF-8 first; then UTF-16 with a BOM; then the legacy Vietnamese
    font encodings TCVN3 and VNI ("TCVN3", "VNI": ingest.legacy_encodings), which their bytes
    would pass for Windows-1258; then Windows-1258, the legacy Vietnamese code page, accepted
    only when the result reads as Vietnamese."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    legacy = decode_legacy(data)
    if legacy is not None:
        return legacy
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


# What Markdown's marks are replaced with, in this order; the rules as regular expressions:
#
#     ^\s{0,3}#{1,6}\s*                                      -> ""    (re.M)  headings
#     !\[([^\]]*)\]\([^)]*\)                                 -> \1            images
#     \[([^\]]+)\]\([^)]*\)                                  -> \1            links
#     (\*\*|__)(.+?)\1                                       -> \2            bold
#     (?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])               -> \1            italics
#     ^\s*>\s?                                              -> ""    (re.M)  quotes
#     ^\s*([-*_])(\s*\1){2,}\s*$                             -> ""    (re.M)  rules
#     `([^`]*)`                                              -> \1            code
#
# Run as such, five of them are quadratic: from every opener ("![", "[", "*", each line start in
# a run of blank lines) the engine reads on to the end of the text before it fails, so 40,000
# blank lines or a line of "*a *a *a" took 14 s each and a 2 MB file would take days. Those five
# are computed here with the same matches in linear time; the other three are linear as they are.
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.M)
_BOLD = re.compile(r"(\*\*|__)(.+?)\1")
_CODE = re.compile(r"`([^`]*)`")
_SPACE_RUN = re.compile(r"\s*")
_QUOTE_TAIL = re.compile(r">\s?", re.M)
_RULE_TAIL = re.compile(r"([-*_])(\s*\1){2,}\s*$", re.M)
_ITALIC_OPEN = re.compile(r"(?<![\w*])\*(?!\s)")
_ITALIC_CLOSE = re.compile(r"(?<!\s)\*(?![\w*])")


def _drop_at_line_starts(text: str, tail: re.Pattern) -> str:
    r"""`re.sub(r"^\s*" + tail, "", text, flags=re.M)` in linear time.

    Every line start inside one run of whitespace reaches the same first character after it, so
    one attempt per run gives the regex's matches; and a failed tail never reads past its line.
    """
    out, kept, start = [], 0, 0
    while start <= len(text):
        run = _SPACE_RUN.match(text, start)
        first = run.end() if run else start
        found = tail.match(text, first)
        if found is not None:
            out.append(text[kept:start])
            kept = end = found.end()
            if text[end - 1] == "\n":
                start = end
                continue
            after = end
        else:
            after = first  # the line starts up to `first` all fail like this one
        newline = text.find("\n", after)
        if newline < 0:
            break
        start = newline + 1
    out.append(text[kept:])
    return "".join(out)


def _bracketed(text: str, opener: str, empty_ok: bool) -> str:
    r"""`re.sub(re.escape(opener) + r"([^\]]*)\]\([^)]*\)", r"\1", text)` (`+` for `*` when not
    `empty_ok`) in linear time: every opener before one "]" meets that same "]", so when it is not
    followed by "(" and a ")", none of them matches."""
    out, kept, at = [], 0, 0
    width = len(opener)
    while True:
        start = text.find(opener, at)
        if start < 0:
            break
        close = text.find("]", start + width)
        if close < 0:
            break  # no "]" after this opener, nor after any later one
        if close == start + width and not empty_ok:
            at = start + 1
            continue
        if not text.startswith("(", close + 1):
            at = close + 1
            continue
        end = text.find(")", close + 2)
        if end < 0:
            break  # no ")" for this opener, nor for any later one
        out.append(text[kept:start])
        out.append(text[start + width:close])
        kept = at = end + 1
    out.append(text[kept:])
    return "".join(out)


def _italics(text: str) -> str:
    """The italics rule in O(n log n): an opener's match ends at the first closing "*" at least
    two characters on, on its own line; openers and closers are found once each."""
    import bisect

    closers = [m.start() for m in _ITALIC_CLOSE.finditer(text)]
    if not closers:
        return text
    newlines = [i for i, ch in enumerate(text) if ch == "\n"] if "\n" in text else []
    out, kept, at = [], 0, 0
    for opening in _ITALIC_OPEN.finditer(text):
        start = opening.start()
        if start < at or start + 1 >= len(text) or text[start + 1] == "\n":
            continue
        k = bisect.bisect_left(closers, start + 2)
        if k == len(closers):
            break  # no closer after this opener, nor after any later one
        close = closers[k]
        line_end = bisect.bisect_left(newlines, start)
        if line_end < len(newlines) and newlines[line_end] < close:
            continue  # the first closer is on a later line: the regex's "." stops at the line end
        out.append(text[kept:start])
        out.append(text[start + 1:close])
        kept = at = close + 1
    out.append(text[kept:])
    return "".join(out)


def strip_markdown(text: str) -> str:
    """Markdown to the text a reader sees; list markers stay, they structure the content."""
    text = _HEADING.sub("", text)
    text = _bracketed(text, "![", empty_ok=True)
    text = _bracketed(text, "[", empty_ok=False)
    text = _BOLD.sub(r"\2", text)
    text = _italics(text)
    text = _drop_at_line_starts(text, _QUOTE_TAIL)
    text = _drop_at_line_starts(text, _RULE_TAIL)
    return _CODE.sub(r"\1", text)
