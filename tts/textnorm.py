"""Written Vietnamese -> what a news reader says.

espeak-ng reads digits, document numbers and party abbreviations badly on its own ("470.000" ends
in "...không trăm", "T.Ư" becomes "tê ư"), so every engine is fed the output of `normalize`.

The rules here run first and own the things g2p-hamster gets wrong for this library: document
numbers ("27/QĐ-TW" came out "Q Đ-trung ương"), ordinals ("thứ 4" came out "thứ bốn"), months
("tháng 4" is "tháng tư"), fractions, decimals of two digits ("1,25" is "một phẩy hai mươi lăm"),
"linh" rather than "lẻ", the party's own abbreviations, URLs (it read ".vn" as "Việt Nam").
g2p-hamster then reads what is left (English acronyms, symbols, words glued to digits).
"""

import re
import unicodedata
from functools import lru_cache

from . import numbers as vn

# Codes of document numbers, as in "27/QĐ-TW" or "01/2023/TT-BTC".
DOC_CODES = {
    "QĐ": "quyết định", "QĐi": "quy định", "NQ": "nghị quyết", "CT": "chỉ thị",
    "KL": "kết luận", "TB": "thông báo", "HD": "hướng dẫn", "KH": "kế hoạch",
    "BC": "báo cáo", "CTr": "chương trình", "QC": "quy chế", "TTr": "tờ trình",
    "CV": "công văn", "NĐ": "nghị định", "TT": "thông tư", "CP": "chính phủ",
    "TTg": "thủ tướng", "TW": "trung ương", "TƯ": "trung ương", "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân", "QH": "quốc hội", "UBTVQH": "ủy ban thường vụ quốc hội",
    "BCT": "bộ chính trị", "BBT": "ban bí thư", "BTC": "bộ tài chính", "BNV": "bộ nội vụ",
    "BCA": "bộ công an", "BQP": "bộ quốc phòng", "BGDĐT": "bộ giáo dục và đào tạo",
    "BYT": "bộ y tế", "VPCP": "văn phòng chính phủ", "TU": "thành ủy", "QU": "quận ủy",
    "HU": "huyện ủy", "ĐU": "đảng ủy", "BTGTW": "ban tuyên giáo trung ương",
    "BTCTW": "ban tổ chức trung ương", "VPTW": "văn phòng trung ương",
    "UBKTTW": "ủy ban kiểm tra trung ương", "BTG": "ban tuyên giáo",
}

# Whole-word abbreviations, case-sensitive ("TT" alone is left to context, "Tp" is a city).
ABBREVIATIONS = {
    "T.Ư": "trung ương", "T.W": "trung ương", "TƯ": "trung ương", "TW": "trung ương",
    "TP.HCM": "thành phố Hồ Chí Minh", "TP HCM": "thành phố Hồ Chí Minh",
    "TPHCM": "thành phố Hồ Chí Minh", "HCM": "Hồ Chí Minh", "TP.": "thành phố",
    "Tp.": "thành phố", "TP": "thành phố", "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân", "BCH": "ban chấp hành", "MTTQVN": "mặt trận tổ quốc Việt Nam",
    "MTTQ": "mặt trận tổ quốc", "ĐCSVN": "Đảng Cộng sản Việt Nam", "ĐCS": "Đảng Cộng sản",
    # The byline of the Hà Nội youth paper "Tuổi trẻ Thủ đô": "(TTTĐ) - Sáng nay, ...".
    "TTTĐ": "Tuổi trẻ Thủ đô", "BCT": "Bộ Chính trị", "BBT": "Ban Bí thư",
    "UBKT": "ủy ban kiểm tra", "UBTVQH": "ủy ban thường vụ quốc hội", "QH": "quốc hội",
    "ĐBQH": "đại biểu quốc hội", "CNXH": "chủ nghĩa xã hội",
    "CHXHCN": "cộng hòa xã hội chủ nghĩa", "CNH-HĐH": "công nghiệp hóa, hiện đại hóa",
    "CNH, HĐH": "công nghiệp hóa, hiện đại hóa", "KT-XH": "kinh tế - xã hội",
    "QP-AN": "quốc phòng - an ninh", "ANQP": "an ninh quốc phòng", "QPAN": "quốc phòng an ninh",
    "QĐND": "quân đội nhân dân", "CAND": "công an nhân dân", "BTV": "ban thường vụ",
    "LĐLĐ": "liên đoàn lao động", "HTX": "hợp tác xã", "TNCS": "thanh niên cộng sản",
    "HLHPN": "hội liên hiệp phụ nữ", "CCB": "cựu chiến binh", "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông", "ĐH": "đại học", "BHXH": "bảo hiểm xã hội",
    "BHYT": "bảo hiểm y tế", "NXB": "nhà xuất bản", "Nxb": "nhà xuất bản", "VN": "Việt Nam",
    "GS.TS": "giáo sư tiến sĩ", "PGS.TS": "phó giáo sư tiến sĩ", "PGS.": "phó giáo sư",
    "PGS": "phó giáo sư", "GS.": "giáo sư", "GS": "giáo sư", "TS.": "tiến sĩ", "TS": "tiến sĩ",
    "ThS.": "thạc sĩ", "ThS": "thạc sĩ", "BS.": "bác sĩ", "v.v.": "vân vân", "v.v": "vân vân",
    "Đ/c": "đồng chí", "đ/c": "đồng chí", "COVID": "cô vít", "Covid": "cô vít",
    "USD": "đô la Mỹ", "VNĐ": "đồng", "VND": "đồng", "NQ": "nghị quyết", "QĐ": "quyết định",
}

UNITS = {
    "%": "phần trăm", "km/h": "ki lô mét trên giờ", "km²": "ki lô mét vuông",
    "km2": "ki lô mét vuông", "km": "ki lô mét", "m²": "mét vuông", "m2": "mét vuông",
    "m³": "mét khối", "m3": "mét khối", "cm": "xăng ti mét", "mm": "mi li mét", "m": "mét",
    "kg": "ki lô gam", "g": "gam", "ha": "héc ta", "ml": "mi li lít", "l": "lít",
    "°C": "độ C", "MW": "mê ga oát", "kWh": "ki lô oát giờ", "kW": "ki lô oát",
    "đ": "đồng", "VNĐ": "đồng", "VND": "đồng", "USD": "đô la Mỹ", "tr": "triệu",
    "GB": "ghi ga bai", "MB": "mê ga bai",
}

# Roman numerals are read only after these words: "Đại hội XIII", "khóa XIII", "quý IV",
# "lần thứ V"; a bare "I" or "V" is far more often a name or a letter.
ROMAN_CONTEXT = (r"đại hội|hội nghị|khóa|khoá|chương|phần|mục|quý|thế kỷ|thế kỉ|kỳ họp|kỳ|"
                 r"lần thứ|thứ|phụ lục|tập|đợt|điều|quốc hội|trung ương|loại|hạng|nhiệm kỳ")

LETTER = r"A-Za-zÀ-ỹĐđ"
NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d)|\d+,\d+|\d+\.\d+|\d+"
DATE_WORDS = {"ngày", "hôm", "sáng", "trưa", "chiều", "tối", "đêm", "từ", "đến", "tới", "và",
              "mùng", "(", "hạn", "trước", "sau"}
FRACTIONS = {(1, 2), (1, 3), (1, 4), (2, 3), (3, 4)}
TLDS = r"vn|com|net|org|gov|edu|info|int"


def read_number(s: str) -> str:
    """"470.000" -> "bốn trăm bảy mươi nghìn", "3,5" -> "ba phẩy năm", "0912" -> digits."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", s):
        whole, _, frac = s.replace(".", "").partition(",")
        return vn.decimal(whole, frac) if frac else vn.cardinal(int(whole))
    for sep in ",.":
        if sep in s:
            whole, frac = s.split(sep, 1)
            return vn.decimal(whole, frac)
    if len(s) > 1 and s.startswith("0"):
        return vn.digits(s)
    return vn.cardinal(int(s))


def _alternation(keys) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


def _speak_domain(domain: str) -> str:
    domain = re.sub(r"^www\.", "", domain.lower())
    return " chấm ".join(p for p in domain.split(".") if p)


def _url(m: re.Match) -> str:
    host = re.sub(r"^(?:https?://)", "", m.group(0)).split("/")[0]
    return _speak_domain(host)


def _email(m: re.Match) -> str:
    local, domain = m.group("local"), m.group("host")
    return f"{' chấm '.join(local.split('.'))} a còng {_speak_domain(domain)}"


def _doc_number(m: re.Match) -> str | None:
    codes = re.split(r"[-/]", m.group(3))
    if not any(c in DOC_CODES for c in codes):
        return None
    words = [vn.cardinal(int(m.group(1)))]
    if m.group(2):
        words.append("năm " + vn.cardinal(int(m.group(2))))
    words += [DOC_CODES.get(c, " ".join(c.upper())) for c in codes]
    return " ".join(words)


def _prev_word(s: str, pos: int) -> str:
    m = re.search(r"(\(|[\w]+)\s*$", s[:pos])
    return m.group(1).lower() if m else ""


def _date(d: int, mo: int, y: int | None, text: str, pos: int) -> str | None:
    if not (1 <= d <= 31 and 1 <= mo <= 12):
        return None
    said = f"{vn.cardinal(d)} tháng {vn.month(mo)}"
    if y is not None:
        said += f" năm {vn.cardinal(y)}"
    return said if _prev_word(text, pos) in ("ngày", "mùng") else "ngày " + said


def _sub(pattern, fn, text, flags=0):
    """re.sub where `fn` may return None to leave a match as written."""
    def repl(m):
        out = fn(m, text)
        return m.group(0) if out is None else out
    return re.sub(pattern, repl, text, flags=flags)


def _rules(text: str) -> str:
    text = _sub(r"(?<![\w/.-])(\d+)(?:/(\d{4}))?[-/]((?:[A-ZĐƯ][A-ZĐƯa-zđư]{0,6})"
                r"(?:[-/][A-ZĐƯ][A-ZĐƯa-zđư]{0,6})*)(?![\w])",
                lambda m, t: _doc_number(m), text)
    text = re.sub(r"(?<![\w.])([QPHX])\.\s?(?=\d|[A-ZĐ])",
                  lambda m: {"Q": "quận ", "P": "phường ", "H": "huyện ", "X": "xã "}[m.group(1)],
                  text)
    text = _sub(r"(?<![\d/.,-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\d/.]\d)",
                lambda m, t: _date(int(m.group(1)), int(m.group(3)), int(m.group(4)), t,
                                   m.start()), text)
    text = _sub(r"(?<![\d/.,-])(\d{1,2})/(\d{4})(?![\d/])",
                lambda m, t: (None if not 1 <= int(m.group(1)) <= 12 else
                              ("" if _prev_word(t, m.start()) == "tháng" else "tháng ")
                              + f"{vn.month(int(m.group(1)))} năm {vn.cardinal(int(m.group(2)))}"),
                text)
    text = _sub(r"(?<![\d/.,-])(\d{1,2})/(\d{1,2})(?![\d/])", _day_month, text)
    text = _sub(r"(?<![\w:])(\d{1,2})(?:\s?[hH]\s?(\d{2})?|:(\d{2}))(?![\w:])", _time, text)
    text = re.sub(rf"(?i:\b({ROMAN_CONTEXT}))\s+([IVXLCDM]+)(?![\w])", _roman, text)
    text = re.sub(r"\b([Tt]hứ)\s+(\d+)(?![\w/]|[.,]\d)",
                  lambda m: f"{m.group(1)} {vn.ordinal(int(m.group(2)))}", text)
    text = _sub(r"\b([Tt]háng)\s+(\d{1,2})(?![\w/]|[.,]\d)",
                lambda m, t: (f"{m.group(1)} {vn.month(int(m.group(2)))}"
                              if 1 <= int(m.group(2)) <= 12 else None), text)
    text = re.sub(rf"(?<![\w.,/-])({NUM})\s?[-–]\s?({NUM})(?![\w.,/-]\d)",
                  r"\1 đến \2", text)
    text = re.sub(rf"\$\s?({NUM})(?![\w])", r"\1 USD", text)
    text = re.sub(rf"(?<![\w.,])({NUM})\s?({_alternation(UNITS)})(?![{LETTER}\d])",
                  lambda m: f"{read_number(m.group(1))} {UNITS[m.group(2)]}", text)
    text = re.sub(rf"(?<![\w.,]){_alternation(ABBREVIATIONS)}(?![{LETTER}\d])",
                  lambda m: ABBREVIATIONS[m.group(0)], text)
    text = re.sub(rf"(?<![{LETTER}\d.,])({NUM})(?![{LETTER}\d])",
                  lambda m: read_number(m.group(1)), text)
    return text


def _day_month(m: re.Match, text: str) -> str | None:
    a, b = int(m.group(1)), int(m.group(2))
    if (a, b) in FRACTIONS and _prev_word(text, m.start()) not in DATE_WORDS:
        return f"{vn.cardinal(a)} phần {vn.cardinal(b)}"
    return _date(a, b, None, text, m.start())


def _time(m: re.Match, text: str) -> str | None:
    hour, minute = int(m.group(1)), m.group(2) or m.group(3)
    if hour > 24 or (minute and int(minute) > 59):
        return None
    if m.group(3) is None and "h" not in m.group(0).lower():
        return None
    said = f"{vn.cardinal(hour)} giờ"
    if minute and int(minute):
        said += f" {vn.cardinal(int(minute))} phút"
    return said


def _roman(m: re.Match) -> str:
    value = vn.roman(m.group(2))
    if value is None:
        return m.group(0)
    word = m.group(1)
    return f"{word} {vn.ordinal(value) if word.lower().endswith('thứ') else vn.cardinal(value)}"


@lru_cache(maxsize=1)
def _hamster():
    from g2p_hamster.t0.pipeline import Config
    from g2p_hamster.t0.pipeline import normalize as hamster_normalize
    config = Config()
    return lambda s: hamster_normalize(s, config)["read_string"]


URL_OR_EMAIL = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)])"
    r"|(?P<email>(?P<local>[\w.+-]+)@(?P<host>[\w-]+(?:\.[\w-]+)+))"
    rf"|(?P<domain>\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:{TLDS})(?:\.vn)?\b(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?)")


def _paragraph(text: str) -> str:
    """One line of the input: rules, then g2p-hamster on everything but spoken URLs."""
    pieces, last = [], 0
    for m in URL_OR_EMAIL.finditer(text):
        pieces.append((False, text[last:m.start()]))
        pieces.append((True, _email(m) if m.group("email") else _url(m)))
        last = m.end()
    pieces.append((False, text[last:]))
    out = []
    for done, piece in pieces:
        if not done and piece.strip():
            lead, trail = piece[:len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()):]
            piece = lead + _hamster()(_rules(piece.strip())) + trail
        out.append(piece)
    said = re.sub(r"\s+", " ", "".join(out)).strip()
    said = re.sub(r"\s+([,.;:!?…)])", r"\1", said)
    # g2p-hamster sometimes drops the closing full stop, which the sentence splitter needs.
    end = text.rstrip()[-1:]
    if end in ".!?…" and said and said[-1] not in ".!?…":
        said += end
    return said


def normalize(text: str) -> str:
    """Turn written Vietnamese into the words a reader says.

    >>> normalize("Giá 470.000 đồng, tăng 3,5%.")
    'Giá bốn trăm bảy mươi nghìn đồng, tăng ba phẩy năm phần trăm.'

    Lines are kept as lines (a headline without a full stop stays its own sentence).
    Deterministic and offline.
    """
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    text = re.sub(r"[–—]", "-", text)
    lines = (_paragraph(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def warm_up() -> None:
    """Load g2p-hamster's dictionaries now (~0.1 s) rather than on the first request."""
    _hamster()("một")


SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”')]*\s+")
MAX_SENTENCE = 220


def split_sentences(spoken: str) -> list[str]:
    """Split normalized text into the units synthesized one at a time.

    Long sentences are cut at commas or semicolons so that the first audio comes quickly and
    no single engine call runs long.
    """
    out = []
    for line in spoken.splitlines():
        for sentence in SENTENCE_END.split(line):
            sentence = sentence.strip()
            while len(sentence) > MAX_SENTENCE:
                cut = max(sentence.rfind(", ", 0, MAX_SENTENCE), sentence.rfind("; ", 0, MAX_SENTENCE))
                if cut <= 0:
                    # Without a comma any cut falls inside a phrase; put up with some length
                    # before making one.
                    if len(sentence) <= MAX_SENTENCE * 3 // 2:
                        break
                    cut = sentence.rfind(" ", 0, MAX_SENTENCE)
                if cut <= 0:
                    break
                out.append(sentence[:cut + 1].strip())
                sentence = sentence[cut + 1:].strip()
            if sentence and re.search(r"\w", sentence):
                out.append(sentence)
    return out
