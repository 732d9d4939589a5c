"""Metadata of a party document read from its own header: type, number, date, issuer, title.

A party document (Hướng dẫn 36-HD/VPTW on the form of party documents) opens with a fixed header:
"ĐẢNG CỘNG SẢN VIỆT NAM" on the right; the issuing committee ("BAN CHẤP HÀNH TRUNG ƯƠNG",
"THÀNH ỦY HÀ NỘI") on the left with "*" and "Số 27-QĐ/TW" under it; the place-date line
("Hà Nội, ngày 10 tháng 8 năm 2021"); then the type in capitals ("QUYẾT ĐỊNH") and the subject
lines. The signature block ("T/M BỘ CHÍNH TRỊ") names the body that actually decided, which can
sit below the committee of the header (Bộ Chính trị under BAN CHẤP HÀNH TRUNG ƯƠNG), so it wins.
Text extracted from PDF and DOCX gives these lines in reading order, one block per line.

`normalize_type` gives each document type one spelling, whatever an editor or a URL wrote.
Document numbers are read by ingest.doc_numbers, the types and their codes listed in
ingest.doctypes.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePath

from .doc_numbers import PARTY_NUMBER, STATE_NUMBER, normalize_number
from .doctypes import DOCUMENT_TYPES, TYPE_OF_CODE
from .vntext import fold, looks_roman, mostly_caps, nfc, normalize_text, sentence_case

__all__ = ["extract_metadata", "normalize_type"]

_NUMBER_PREFIX = re.compile(r"^\s*(?:s\s?ố|so)\s*[:.]?\s*", re.IGNORECASE)


# ---------------------------------------------------------------- the header

_NATIONAL = re.compile(r"^(?:ĐẢNG CỘNG SẢN VIỆT NAM|CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM)$")
_MOTTO = re.compile(r"^(?:Độc lập|\*+$|-{3,}|_{3,})", re.IGNORECASE)
# The body starts here; nothing below belongs to the header.
# "Căn cứ", "Thực hiện" open the body only with their capital: in lower case they begin a subject.
_BODY_START = re.compile(
    r"^(?:[-+•]?\s*Căn cứ\b|Thực hiện\b|(?i:chương)\s+[IVXLC\d]+|(?i:điều)\s+\d+|(?i:phần thứ)"
    r"|[IVXLC]{1,6}\.\s|-{3,}$)")
_PLACE_DATE = re.compile(
    r"^[^\d,]{2,40},\s*ngày\s*(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})\s*năm\s*(?P<y>\d{4})", re.IGNORECASE)
_WORD_DATE = re.compile(r"ngày\s*(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})\s*năm\s*(?P<y>\d{4})",
                        re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*"
                           r"(?P<y>(?:19|20)\d\d)(?![\d/])")
# A date right after a cited number ("Quyết định số 30-QĐ/TW ngày 26/7/2016") is that document's.
_CITED_DATE = re.compile(
    r"(?:\d+\s*[-/]\s*[^\W\d_]+\s*[/-]\s*[^\W\d_]+|(?:19|20)\d\d)\s*,?\s*(?:ngày|ban hành ngày)\s*$", re.IGNORECASE)
_SIGNATURE = re.compile(r"^(?:T/M|TM\.?|T/L|TL\.?|K/T|KT\.?|Q\.?\s?BÍ THƯ)\s*(?P<body>.+)$")
_NEWS_MARKERS = re.compile(
    r"\((?:ĐCSVN|HNM|TTXVN|HNP|VOV|Chinhphu\.vn|QĐND|ND|TG|Dangcongsan\.vn)\)\s*[-–—]"
    r"|^(?:HNP|HNM|ĐCSVN|TTXVN)\s*[-–—]|\b\d{1,2}:\d{2}\b.*\d{1,2}/\d{1,2}/\d{4}"
    r"|^(?:Thứ (?:hai|ba|tư|năm|sáu|bảy)|Chủ nhật),", re.IGNORECASE | re.MULTILINE)
_HEADER_LINES = 30


def first_line_title(text: str, limit: int = 160) -> str:
    """What to show as the title of a text with no recognisable heading: its first line, cut at a
    word."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + "…"


def extract_metadata(text: str, filename: str | None = None) -> dict:
    """type, number, date (ISO), issuer and title found in the text; keys absent when unknown."""
    lines = [line for line in normalize_text(text).split("\n") if line.strip()]
    header, type_at = _header(lines)
    meta: dict = {}
    number = _number(header)
    if type_at is not None:
        meta["type"] = _type_of_line(lines[type_at])
    elif number and _code_type(number):
        meta["type"] = _code_type(number)
    if number:
        meta["number"] = number
    date = _date(lines, header)
    if date:
        meta["date"] = date
    issuer = _issuer(lines, header, number)
    if issuer:
        meta["issuer"] = issuer
    if type_at is not None:
        title = _title(lines, type_at)
        if title:
            meta["title"] = title
    elif "type" not in meta:
        vv = _subject_vv(header)
        if vv:
            meta["type"] = "công văn"
            meta["title"] = vv
        elif _looks_like_news(lines, header, filename):
            meta["type"] = "news"
            if lines:
                meta["title"] = _headline(lines)
    if "type" not in meta and filename:
        guessed = _type_from_filename(filename)
        if guessed:
            meta["type"] = guessed
    return meta


def _header(lines: list[str]) -> tuple[list[str], int | None]:
    """The header lines (up to the body) and the index of the type line, if any."""
    end = min(len(lines), _HEADER_LINES)
    type_at = None
    for i, line in enumerate(lines[:end]):
        if _type_of_line(line) and type_at is None and not _NATIONAL.match(line.upper()):
            type_at = i
            end = min(end, i + 6)
            continue
        if _BODY_START.match(line) and i > 0:
            end = i
            break
    return lines[:end], type_at


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", fold(text)).upper()


_TYPES_BY_LENGTH = sorted(DOCUMENT_TYPES, key=len, reverse=True)


def _type_of_line(line: str) -> str | None:
    """The type when `line` is a type heading: the word alone (any case, any spacing) or in
    capitals followed by the subject ("NGHỊ QUYẾT VỀ ...")."""
    compact = _compact(line)
    for word in _TYPES_BY_LENGTH:
        if compact == _compact(word):
            return word
    for word in _TYPES_BY_LENGTH:
        head = re.match(rf"{re.escape(word.upper())}\s+(\S+)", line)
        if head and head.group(1).isupper() and len(line) < 300:
            return word
    return None


def _code_type(number: str) -> str | None:
    m = re.match(r"\d+-(?P<t>[^/]+)/|\d+/(?:\d{4}/)?(?P<s>[^-]+)-", number)
    if not m:
        return None
    return TYPE_OF_CODE.get((m.group("t") or m.group("s")).upper())


def _number(header: list[str]) -> str | None:
    for line in header:
        if _NUMBER_PREFIX.match(line):
            number = normalize_number(_NUMBER_PREFIX.sub("", line))
            if number and ("/" in number):
                return number
    for line in header:
        m = PARTY_NUMBER.search(line) or STATE_NUMBER.search(line)
        if m and len(line) < 60:
            number = normalize_number(m.group(0))
            if number and "/" in number:
                return number
    return None


def _date(lines: list[str], header: list[str]) -> str | None:
    for line in header:
        m = _PLACE_DATE.match(line)
        if m:
            return _iso(m)
    for line in header:
        for pattern in (_WORD_DATE, _NUMERIC_DATE):
            m = pattern.search(line)
            if m and not _CITED_DATE.search(line[:m.start()]):
                return _iso(m)
    # Some documents (reports, news) carry the place-date line at the end, above the signature.
    for line in reversed(lines):
        m = _PLACE_DATE.match(line)
        if m:
            return _iso(m)
    for line in lines[len(header):]:
        for pattern in (_WORD_DATE, _NUMERIC_DATE):
            for m in pattern.finditer(line):
                if not _CITED_DATE.search(line[:m.start()]) and _iso(m):
                    return _iso(m)
    return None


def _iso(m: re.Match) -> str | None:
    try:
        return dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d"))).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------- issuer

# Bodies that issue documents, in capitals as headers write them -> as prose writes them.
_BODIES = {
    "BAN CHẤP HÀNH TRUNG ƯƠNG": "Ban Chấp hành Trung ương", "BỘ CHÍNH TRỊ": "Bộ Chính trị",
    "BAN BÍ THƯ": "Ban Bí thư", "ỦY BAN KIỂM TRA TRUNG ƯƠNG": "Ủy ban Kiểm tra Trung ương",
    "BAN TỔ CHỨC TRUNG ƯƠNG": "Ban Tổ chức Trung ương", "BAN TUYÊN GIÁO TRUNG ƯƠNG": "Ban Tuyên giáo Trung ương",
    "BAN DÂN VẬN TRUNG ƯƠNG": "Ban Dân vận Trung ương", "BAN NỘI CHÍNH TRUNG ƯƠNG": "Ban Nội chính Trung ương",
    "BAN KINH TẾ TRUNG ƯƠNG": "Ban Kinh tế Trung ương", "VĂN PHÒNG TRUNG ƯƠNG ĐẢNG": "Văn phòng Trung ương Đảng",
    "BAN TUYÊN GIÁO VÀ DÂN VẬN TRUNG ƯƠNG": "Ban Tuyên giáo và Dân vận Trung ương",
}
# Committees named with a place: the head word(s) as prose writes them.
_COMMITTEES = {
    "THÀNH ỦY": "Thành ủy", "TỈNH ỦY": "Tỉnh ủy", "QUẬN ỦY": "Quận ủy", "HUYỆN ỦY": "Huyện ủy",
    "THỊ ỦY": "Thị ủy", "ĐẢNG ỦY": "Đảng ủy", "CHI BỘ": "Chi bộ", "CHI ỦY": "Chi ủy", "ĐẢNG BỘ": "Đảng bộ",
    "ĐẢNG ĐOÀN": "Đảng đoàn", "BAN CÁN SỰ ĐẢNG": "Ban cán sự đảng", "ỦY BAN NHÂN DÂN": "Ủy ban nhân dân",
    "UBND": "Ủy ban nhân dân", "HỘI ĐỒNG NHÂN DÂN": "Hội đồng nhân dân", "ỦY BAN KIỂM TRA": "Ủy ban Kiểm tra",
    "BAN TUYÊN GIÁO": "Ban Tuyên giáo", "BAN TỔ CHỨC": "Ban Tổ chức", "BAN DÂN VẬN": "Ban Dân vận",
    "VĂN PHÒNG": "Văn phòng", "BAN THƯỜNG VỤ": "Ban Thường vụ",
}
# How the common words of a body's name are written: units of government in lower case
# ("Đảng ủy phường Điện Biên"), kinds of organisation with a capital on their first syllable
# only ("Chi bộ Tổ dân phố số 7", "Công ty cổ phần ..."); every other word is a name.
_NAME_WORDS = {
    "phường": "phường", "xã": "xã", "thị trấn": "thị trấn", "quận": "quận", "huyện": "huyện",
    "thành phố": "thành phố", "tỉnh": "tỉnh", "thị xã": "thị xã", "số": "số", "và": "và", "các": "các",
    "của": "của", "trực thuộc": "trực thuộc", "tổ dân phố": "Tổ dân phố", "khu dân cư": "Khu dân cư",
    "thôn": "thôn", "trường": "Trường", "công ty cổ phần": "Công ty cổ phần", "công ty": "Công ty",
    "cơ quan": "cơ quan", "khối": "Khối", "bệnh viện": "Bệnh viện", "công nghệ": "Công nghệ",
    "doanh nghiệp": "Doanh nghiệp", "văn phòng": "Văn phòng", "đảng": "Đảng",
}
_NAME_ACRONYMS = {"THCS", "THPT", "TNHH", "UBND", "HĐND", "MTTQ", "TP"}
# Issuer codes after the slash that name exactly one body.
_ISSUER_CODES = {"VPTW": "Văn phòng Trung ương Đảng", "BTCTW": "Ban Tổ chức Trung ương",
                 "UBKTTW": "Ủy ban Kiểm tra Trung ương", "BTGTW": "Ban Tuyên giáo Trung ương",
                 "BDVTW": "Ban Dân vận Trung ương", "BNCTW": "Ban Nội chính Trung ương",
                 "BKTTW": "Ban Kinh tế Trung ương"}


def _issuer(lines: list[str], header: list[str], number: str | None) -> str | None:
    committee = _header_committee(header)
    signed = _signature_body(lines)
    if signed:
        upper = signed.upper()
        if upper in _BODIES:
            return _BODIES[upper]
        # "T/M BAN THƯỜNG VỤ", "T/M BAN CHẤP HÀNH" sign for the committee of the header: the
        # document is the committee's (Thành ủy Hà Nội), as the number's suffix (/TU) says.
        if committee and upper.startswith(_SIGNS_FOR_HEADER):
            return committee
        name = _body_name(signed)
        if name and committee and _compact(committee).startswith(_compact(name)):
            return committee
        if name:
            return name
    if committee:
        return committee
    if number:
        code = number.rsplit("/", 1)[-1].upper() if "-" in number.split("/")[0] else number.rsplit("-", 1)[-1]
        return _ISSUER_CODES.get(code)
    return None


_SIGNS_FOR_HEADER = ("BAN THƯỜNG VỤ", "BAN CHẤP HÀNH", "THƯỜNG TRỰC", "ĐẢNG ỦY", "CHI BỘ", "CHI ỦY",
                     "ỦY BAN NHÂN DÂN", "THÀNH ỦY", "TỈNH ỦY", "QUẬN ỦY", "HUYỆN ỦY", "THỊ ỦY")
# Departments named without a place belong to the committee above them in the header
# ("THÀNH ỦY HÀ NỘI" / "BAN TỔ CHỨC" is Ban Tổ chức Thành ủy Hà Nội).
_DEPARTMENTS = ("Ban Tổ chức", "Ban Tuyên giáo", "Ban Dân vận", "Ban Nội chính", "Ban Kinh tế",
                "Ủy ban Kiểm tra", "Văn phòng", "Ban Thường vụ", "Ban Tuyên giáo và Dân vận")


def _header_committee(header: list[str]) -> str | None:
    """The most specific body of the header's left column ("QUẬN ỦY BA ĐÌNH" under
    "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"; "BAN TỔ CHỨC" under "THÀNH ỦY HÀ NỘI")."""
    found = None
    for line in header:
        if _NATIONAL.match(line.upper()) or _MOTTO.match(line) or not mostly_caps(line):
            continue
        if _type_of_line(line) or _NUMBER_PREFIX.match(line):
            continue
        name = _body_name(line)
        if not name:
            continue
        if found and name in _DEPARTMENTS:
            above = "Trung ương" if found == "Ban Chấp hành Trung ương" else found
            name = f"{name} {above}"
        elif found and name.startswith("Chi bộ") and " số " in name:
            # "Tổ dân phố số 7" exists in every ward: the ward of the đảng bộ above names it.
            ward = re.match(r"Đảng bộ ((?:phường|xã|thị trấn) .+)$", found)
            if ward:
                name = f"{name}, {ward.group(1)}"
        found = name
    return found


def _body_name(line: str) -> str | None:
    upper = re.sub(r"\s+", " ", line.strip(" *-")).upper()
    if upper in _BODIES:
        return _BODIES[upper]
    for head in sorted(_COMMITTEES, key=len, reverse=True):
        if upper == head or upper.startswith(head + " "):
            rest = line.strip(" *-")[len(head):].strip()
            return (_COMMITTEES[head] + " " + _name_case(rest)).strip()
    return None


def _name_case(name: str) -> str:
    name = re.sub(r"^TP\.?\s+", "thành phố ", name.strip(), flags=re.IGNORECASE)
    words = name.split()
    out = []
    i = 0
    while i < len(words):
        for size in (4, 3, 2, 1):
            phrase = " ".join(words[i:i + size]).lower()
            if len(words[i:i + size]) == size and phrase in _NAME_WORDS:
                out.append(_NAME_WORDS[phrase])
                i += size
                break
        else:
            word = words[i]
            if (word.upper() in _NAME_ACRONYMS or (word.isupper() and looks_roman(word))
                    or any(c.isdigit() for c in word)):
                out.append(word.upper() if word.upper() in _NAME_ACRONYMS else word)
            else:
                out.append(word[:1].upper() + word[1:].lower())
            i += 1
    return " ".join(out)


def _signature_body(lines: list[str]) -> str | None:
    for line in reversed(lines[-25:]):
        m = _SIGNATURE.match(line.strip())
        if m:
            return m.group("body").strip(" .:")
    return None


def _subject_vv(header: list[str]) -> str | None:
    for line in header:
        m = re.match(r"^V/v\.?\s*(.+)$", line, re.IGNORECASE)
        if m:
            return "Công văn về việc " + _lower_first(m.group(1).strip())
    return None


# ---------------------------------------------------------------- title

_SUBJECT_STOP = re.compile(r"^(?:[-+•*]|Căn cứ|Thực hiện|Kính gửi|(?i:chương)\s|(?i:điều)\s+\d|(?i:phần thứ)"
                           r"|[IVXLC]+\.\s|\d+\.\s|-{3,}|_{3,})")


def _title(lines: list[str], type_at: int) -> str | None:
    line = lines[type_at]
    word = _type_of_line(line)
    assert word is not None
    subject_parts = []
    compact_word = _compact(word)
    if _compact(line) != compact_word:
        subject_parts.append(line[len(word):].strip())
    for nxt in lines[type_at + 1: type_at + 5]:
        if _SUBJECT_STOP.match(nxt) or _PLACE_DATE.match(nxt) or _SIGNATURE.match(nxt):
            break
        if subject_parts:
            previous = subject_parts[-1]
            # A subject wrapped by the PDF goes on in lower case, or in capitals when all of
            # it is in capitals; anything else is the body.
            goes_on = nxt[:1].islower() or (mostly_caps(previous) and mostly_caps(nxt)) or nxt.startswith("(")
            if previous.endswith((".", ":")) or not goes_on:
                break
        subject_parts.append(nxt)
    subject = " ".join(subject_parts).strip()
    head = word[:1].upper() + word[1:]
    if not subject:
        return head
    if mostly_caps(subject):
        subject = sentence_case(subject)
    return f"{head} {_lower_first(subject)}"


def _lower_first(text: str) -> str:
    """Lower-case the first word after the type ("Quyết định ban hành ..."), unless it begins a
    name ("Nghị quyết Hội nghị lần thứ năm ...")."""
    if not text:
        return text
    first_word = text.split()[0]
    first_two = " ".join(text.split()[:2])
    if any(first_two.startswith(name) for name in _NAMES_AT_START) or (first_word.isupper() and len(first_word) > 1):
        return text
    return text[:1].lower() + text[1:]


_NAMES_AT_START = ("Hội nghị", "Đại hội", "Đảng", "Bộ Chính trị", "Ban Chấp hành", "Ban Bí thư", "Ban Thường vụ",
                   "Hà Nội", "Việt Nam", "Thủ đô", "Quốc hội", "Chính phủ", "Hồ Chí Minh", "Thành ủy", "Chủ tịch",
                   "Tổng Bí thư", "Ủy ban", "Mặt trận", "Trung ương")


def _headline(lines: list[str]) -> str:
    for line in lines[:5]:
        if _NEWS_MARKERS.match(line) or re.fullmatch(r"[\d\s:/,|-]+", line):
            continue
        return sentence_case(line) if mostly_caps(line) and len(line) > 20 else line
    return lines[0]


def _looks_like_news(lines: list[str], header: list[str], filename: str | None) -> bool:
    if any(_NATIONAL.match(line.upper()) for line in header):
        return False
    if _NEWS_MARKERS.search("\n".join(lines[:8])):
        return True
    if filename and re.search(r"(?:^|[/_\-])(?:tin|news|tin-tuc|bai)(?:[/_\-.]|$)", filename.lower()):
        return True
    return False


def _type_from_filename(filename: str) -> str | None:
    stem = fold(PurePath(filename).stem).lower()
    m = re.match(r"([a-z]{2,4})[-_ ]?\d", stem)
    if not m:
        return None
    for word, codes in DOCUMENT_TYPES.items():
        if m.group(1) in {fold(c).lower() for c in codes[:1]}:
            return word
    return None


_NEWS_WORDS = {"news", "tin", "tintuc", "baibao", "bao"}


def normalize_type(value: str | None) -> str | None:
    """One spelling per document type, whatever an editor or a URL wrote: "Chỉ thị", "chi_thi",
    "chi thi" and "CHỈ THỊ" are all "chỉ thị"; "news" and "tin tức" are "news"."""
    if value is None or not str(value).strip():
        return None
    compact = _compact(re.sub(r"[_\-]+", " ", nfc(str(value))))
    if compact.lower() in _NEWS_WORDS:
        return "news"
    for word in _TYPES_BY_LENGTH:
        if compact == _compact(word):
            return word
    return nfc(str(value)).strip().lower()
