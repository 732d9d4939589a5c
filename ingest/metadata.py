"""Metadata of a party document read from its own header: type, number, date, issuer, title.

A party document (Hướng dẫn 36-HD/VPTW on the form of party documents) opens with a fixed header:
"ĐẢNG CỘNG SẢN VIỆT NAM" on the right; the issuing committee ("BAN CHẤP HÀNH TRUNG ƯƠNG",
"THÀNH ỦY HÀ NỘI") on the left with "*" and "Số 27-QĐ/TW" under it; the place-date line
("Hà Nội, ngày 10 tháng 8 năm 2021"); then the type in capitals ("QUYẾT ĐỊNH") and the subject
lines. The signature block ("T/M BỘ CHÍNH TRỊ") names the body that actually decided, which can
sit below the committee of the header (Bộ Chính trị under BAN CHẤP HÀNH TRUNG ƯƠNG), so it wins.
Text extracted from PDF and DOCX gives these lines in reading order, one block per line.

Document numbers and their match keys
-------------------------------------
Party numbers are written `<number>-<type code>/<issuer code>`: `27-QĐ/TW`, `121-KH/TU`,
`05-CT/QU`; state numbers `<number>/[<year>/]<type>-<issuer>`: `15/2023/NĐ-CP`, `1234/QĐ-UBND`.
`normalize_number` returns the display form (upper case, no spaces, Đ in NFC, as written: party
style stays party style, state style stays state style; leading zeros kept, "05-CT/QU").
A bare type and number ("qd 27", "Quyết định 27") gives `27-QĐ`.

`number_keys` gives diacritic-free, lower-case keys, so that whatever a member types and whatever
the document says meet on at least one key:

- `27-qd/tw`  number, type code, issuer code; the same for `27-QĐ/TW` and `27/QĐ-TW` (members mix
  the two styles); leading zeros dropped (`05-CT/QU` -> `5-ct/qu`).
- `qd-27`     type code and number: what "QĐ 27", "quyết định số 27", "quyet dinh 27" give.
  The word "quy định" gives both `qd-` and `qdi-`: central quy định were numbered `-QĐi/TW`
  before 2021 and `-QĐ/TW` since.
- `nd-15/2023` type, number and year, for state numbers that carry a year.

A number alone ("số 27") gives no key: without its type it matches too many documents.
`number_keys` finds every number in a free text (a query), not only in a bare number.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePath

from .vntext import fold, nfc, normalize_text

__all__ = ["extract_metadata", "normalize_number", "normalize_type", "number_keys", "sentence_case",
           "DOCUMENT_TYPES"]

# Type word -> the type codes it is numbered with (the first is the one written today).
DOCUMENT_TYPES = {
    "nghị quyết": ("NQ",), "quyết định": ("QĐ",), "chỉ thị": ("CT",), "quy định": ("QĐ", "QĐi"),
    "kết luận": ("KL",), "kế hoạch": ("KH",), "hướng dẫn": ("HD",), "thông báo": ("TB",),
    "báo cáo": ("BC",), "công văn": ("CV",), "quy chế": ("QC",), "chương trình": ("CTr",),
    "tờ trình": ("TTr",), "đề án": ("ĐA",), "thông tri": ("TT",), "nghị định": ("NĐ",),
    "thông tư": ("TT",), "văn kiện": (), "điều lệ": (), "lời kêu gọi": (), "diễn văn": (),
}
_TYPE_OF_CODE = {"NQ": "nghị quyết", "QĐ": "quyết định", "QĐI": "quy định", "CT": "chỉ thị",
                 "KL": "kết luận", "KH": "kế hoạch", "HD": "hướng dẫn", "TB": "thông báo",
                 "BC": "báo cáo", "CV": "công văn", "QC": "quy chế", "CTR": "chương trình",
                 "TTR": "tờ trình", "ĐA": "đề án", "NĐ": "nghị định"}
# Codes typed without their diacritics ("qd", "nd") and the mixed-case ones, back to how they are
# written. Only codes that cannot be read another way: "HD" stays HD (hướng dẫn), not HĐ.
_CODE_SPELLING = {"QD": "QĐ", "QDI": "QĐi", "QĐI": "QĐi", "ND": "NĐ", "DU": "ĐU", "DUK": "ĐUK",
                  "HDND": "HĐND", "TTG": "TTg", "CTR": "CTr", "TTR": "TTr", "DA": "ĐA",
                  "BGDDT": "BGDĐT", "DD": "ĐĐ", "T.U": "TW", "T.Ư": "TW", "TƯ": "TW"}

_LETTERS = r"[^\W\d_]"
_CODE = rf"{_LETTERS}{{1,8}}(?:\.{_LETTERS}{{1,3}})?"
_STATE_NUMBER = re.compile(
    rf"(?<![\w/])(?P<num>\d{{1,5}})\s*/\s*(?:(?P<year>(?:19|20)\d\d)\s*/\s*)?(?P<type>{_LETTERS}{{1,6}})"
    rf"\s*[-–]\s*(?P<issuer>{_CODE}(?:\s*-\s*{_CODE})*)(?![\w/])")
_PARTY_NUMBER = re.compile(
    rf"(?<![\w/])(?P<num>\d{{1,5}})\s*[-–—]?\s*(?P<type>{_LETTERS}{{1,6}})\s*/\s*(?P<issuer>{_CODE})(?![\w/])")
_TYPE_CODES_FOLDED = sorted({fold(c).lower() for codes in DOCUMENT_TYPES.values() for c in codes}
                            | {"qdi"}, key=len, reverse=True)
_TYPE_WORDS_FOLDED = sorted({fold(w) for w in DOCUMENT_TYPES}, key=len, reverse=True)
_TYPE_AND_NUMBER = re.compile(
    r"(?<![\w/])(?P<type>" + "|".join(map(re.escape, _TYPE_WORDS_FOLDED + _TYPE_CODES_FOLDED)) + r")"
    r"\s*(?:so\s*)?[:.]?\s*(?P<num>\d{1,5})(?:\s*/\s*(?P<year>(?:19|20)\d\d))?(?![\d,.]\d)")
_NUMBER_PREFIX = re.compile(r"^\s*(?:s\s?ố|so)\s*[:.]?\s*", re.IGNORECASE)


def normalize_number(text: str) -> str | None:
    """The display form of the first document number in `text` (see the module docstring)."""
    found = _parse_numbers(text)
    return found[0]["display"] if found else None


def number_keys(text: str) -> set[str]:
    """Folded match keys of every document number in `text` (see the module docstring)."""
    keys: set[str] = set()
    for found in _parse_numbers(text):
        keys |= found["keys"]
    return keys


def _parse_numbers(text: str) -> list[dict]:
    # Some fonts and OCR give the Icelandic eth (Ð, U+00D0) for the Vietnamese Đ (U+0110).
    text = nfc(text).replace("\u00d0", "Đ").replace("\u00f0", "đ")
    found = []
    taken: list[range] = []
    for pattern, style in ((_STATE_NUMBER, "state"), (_PARTY_NUMBER, "party")):
        for m in pattern.finditer(text):
            if any(m.start() in r for r in taken):
                continue
            type_code = _spell_code(m.group("type"))
            if fold(type_code).upper() not in {fold(c).upper() for c in _TYPE_OF_CODE} | {"TTG", "TT"} \
                    and style == "party" and not _looks_like_code(m.group("type")):
                continue
            issuer = "-".join(_spell_code(part) for part in re.split(r"\s*-\s*", m.group("issuer")))
            year = m.groupdict().get("year")
            num = m.group("num")
            if style == "state":
                display = f"{num}/{year + '/' if year else ''}{type_code}-{issuer}"
            else:
                display = f"{num}-{type_code}/{issuer}"
            keys = {f"{int(num)}-{_key(type_code)}/{_key(issuer)}"} | _type_keys(type_code, num, year)
            found.append({"start": m.start(), "display": display, "keys": keys})
            taken.append(range(m.start(), m.end()))
    folded = fold(text).lower()
    for m in _TYPE_AND_NUMBER.finditer(folded):
        if any(m.start() in r or m.start("num") in r for r in taken):
            continue
        word = m.group("type")
        codes = _codes_of_word(word)
        if not codes:
            continue
        num, year = m.group("num"), m.group("year")
        keys = set()
        for code in codes:
            keys |= _type_keys(code, num, year)
        found.append({"start": m.start(), "display": f"{num}-{codes[0]}", "keys": keys})
    return sorted(found, key=lambda f: f["start"])


def _looks_like_code(code: str) -> bool:
    # "27 tháng/năm" must not read as a number: a code is short and written in capitals.
    return code.isupper() or fold(code).upper() in _CODE_SPELLING


def _codes_of_word(folded_word: str) -> list[str]:
    for word, codes in DOCUMENT_TYPES.items():
        if fold(word) == folded_word:
            return list(codes)
    for code in {c for codes in DOCUMENT_TYPES.values() for c in codes} | {"QĐi"}:
        if fold(code).lower() == folded_word:
            return ["QĐ", "QĐi"] if code == "QĐi" else [code]
    return []


def _type_keys(type_code: str, num: str, year: str | None) -> set[str]:
    keys = {f"{_key(type_code)}-{int(num)}"}
    if year:
        keys.add(f"{_key(type_code)}-{int(num)}/{year}")
    return keys


def _key(code: str) -> str:
    return fold(code).lower()


def _spell_code(code: str) -> str:
    upper = nfc(code).upper().replace(" ", "")
    return _CODE_SPELLING.get(upper, _CODE_SPELLING.get(fold(upper), upper)
                              if "Đ" not in upper else _CODE_SPELLING.get(upper, upper))


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
    return _TYPE_OF_CODE.get((m.group("t") or m.group("s")).upper())


def _number(header: list[str]) -> str | None:
    for line in header:
        if _NUMBER_PREFIX.match(line):
            number = normalize_number(_NUMBER_PREFIX.sub("", line))
            if number and ("/" in number):
                return number
    for line in header:
        m = _PARTY_NUMBER.search(line) or _STATE_NUMBER.search(line)
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
        if _NATIONAL.match(line.upper()) or _MOTTO.match(line) or not _is_caps(line):
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


def _is_caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) / len(letters) > 0.8


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
            if word.upper() in _NAME_ACRONYMS or (word.isupper() and _roman(word)) or any(c.isdigit() for c in word):
                out.append(word.upper() if word.upper() in _NAME_ACRONYMS else word)
            else:
                out.append(word[:1].upper() + word[1:].lower())
            i += 1
    return " ".join(out)


def _roman(word: str) -> bool:
    return bool(re.fullmatch(r"[IVXLC]+", word)) and word not in {"VI", "LI", "CV"}


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
            goes_on = nxt[:1].islower() or (_is_caps(previous) and _is_caps(nxt)) or nxt.startswith("(")
            if previous.endswith((".", ":")) or not goes_on:
                break
        subject_parts.append(nxt)
    subject = " ".join(subject_parts).strip()
    head = word[:1].upper() + word[1:]
    if not subject:
        return head
    if _is_caps(subject):
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
        return sentence_case(line) if _is_caps(line) and len(line) > 20 else line
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


# ---------------------------------------------------------------- casing

# Names that keep their capitals when a line in capitals is turned into sentence case.
_PROPER = [
    "Ban Chấp hành Trung ương Đảng", "Ban Chấp hành Trung ương", "Bộ Chính trị", "Ban Bí thư",
    "Ủy ban Kiểm tra Trung ương", "Văn phòng Trung ương Đảng", "Ban Tổ chức Trung ương",
    "Ban Tuyên giáo Trung ương", "Ban Dân vận Trung ương", "Ban Nội chính Trung ương", "Ban Kinh tế Trung ương",
    "Ban Thường vụ Thành ủy", "Ban Thường vụ", "Đảng Cộng sản Việt Nam", "Điều lệ Đảng", "Cương lĩnh",
    "Mặt trận Tổ quốc Việt Nam", "Mặt trận Tổ quốc", "Quốc hội", "Chính phủ", "Hồ Chí Minh", "Việt Nam", "Hà Nội",
    "Thủ đô", "Trung ương", "chủ nghĩa Mác - Lênin", "Mác - Lênin", "Thành ủy Hà Nội", "Hội nghị lần thứ",
    "Đại hội đại biểu toàn quốc", "Đại hội đại biểu", "Bác Hồ", "Tổ quốc", "COVID-19",
]
_ACRONYMS = {"UBND", "HĐND", "MTTQ", "CNTT", "BCH", "TW", "KT-XH", "THCS", "THPT", "ĐBQH", "CCHC"}
# The word "đảng" is the Party (capital) except inside these common nouns: đảng viên, tổ chức đảng ...
_PARTY_COMMON_AFTER = {"viên", "bộ", "ủy", "đoàn", "phí", "vụ", "tịch", "kỳ", "viện"}
_PARTY_COMMON_BEFORE = {"sở", "quan", "chức", "ban", "tác", "hoạt", "kiện", "đoàn", "chi", "đảng", "cấp", "trong"}
_AFTER_ROMAN = {"khóa", "hội", "chương", "phần", "mục", "thứ", "đại"}
_DOCUMENT_NAMES_AFTER = {"hành", "hiện", "khai", "theo", "thi"}


def sentence_case(text: str) -> str:
    """A line written in capitals, as a sentence: first letter, names, acronyms, numbers and Roman
    numerals keep their capitals ("NGHỊ QUYẾT ĐẠI HỘI XIII CỦA ĐẢNG" -> "Nghị quyết Đại hội XIII của Đảng")."""
    original = nfc(text).split()
    words = [w.lower() for w in original]
    for i, word in enumerate(original):
        bare = word.strip(",.;:()\"“”")
        if bare in _ACRONYMS or re.search(r"\d", bare) or ("/" in bare and bare.isupper()):
            words[i] = word
        elif _roman(bare) and i > 0 and words[i - 1].strip(",") in _AFTER_ROMAN:
            words[i] = word
        elif bare.lower() == "đảng":
            after = words[i + 1].strip(",.;:") if i + 1 < len(words) else ""
            before = words[i - 1].strip(",.;:") if i > 0 else ""
            if after not in _PARTY_COMMON_AFTER and before not in _PARTY_COMMON_BEFORE:
                words[i] = words[i].replace("đảng", "Đảng")
        elif bare.lower() in {"quy", "nghị", "chỉ", "kết", "chương", "kế"} and i > 0 \
                and words[i - 1].strip(",") in _DOCUMENT_NAMES_AFTER and i + 1 < len(words):
            # "ban hành Quy định", "thực hiện Nghị quyết": a named document keeps its capital.
            pair = f"{bare.lower()} {words[i + 1].strip(',.;:')}"
            if pair in DOCUMENT_TYPES:
                words[i] = words[i][:1].upper() + words[i][1:]
    out = " ".join(words)
    # A named congress: "Đại hội XIII", "Đại hội đại biểu", "Đại hội lần thứ", "Đại hội Đảng".
    out = re.sub(r"(?<!\w)đại hội(?= (?:[IVXLC]+\b|\d|đại biểu|lần thứ|Đảng))", "Đại hội", out)
    for name in sorted(_PROPER, key=len, reverse=True):
        out = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", name, out, flags=re.IGNORECASE)
    if out[:1].islower():
        out = out[:1].upper() + out[1:]
    return out


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
