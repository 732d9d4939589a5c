"""Vietnamese numerals as a Hà Nội news reader says them.

Northern forms are used throughout ("nghìn", "linh") because the product serves Hà Nội; the
southern "ngàn"/"lẻ" are equally correct elsewhere and would be a one-line change here.
"""

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
MONTHS = (None, "một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười",
          "mười một", "mười hai")


def _under_100(n: int) -> str:
    tens, unit = divmod(n, 10)
    if tens == 0:
        return DIGITS[unit]
    head = "mười" if tens == 1 else DIGITS[tens] + " mươi"
    if unit == 0:
        return head
    if unit == 5:
        return head + " lăm"
    # "mốt" only after "mươi": eleven is "mười một", twenty-one "hai mươi mốt".
    if unit == 1 and tens > 1:
        return head + " mốt"
    return head + " " + DIGITS[unit]


def _under_1000(n: int, inner: bool) -> str:
    """`inner` is true when a higher group precedes, so that 1.005 says "không trăm linh năm"."""
    hundreds, rest = divmod(n, 100)
    if hundreds == 0 and not inner:
        return _under_100(rest)
    head = DIGITS[hundreds] + " trăm"
    if rest == 0:
        return head
    if rest < 10:
        return head + " linh " + DIGITS[rest]
    return head + " " + _under_100(rest)


def cardinal(n: int) -> str:
    """Read a non-negative integer: 21 -> "hai mươi mốt", 1.005.000 -> "một triệu không trăm
    linh năm nghìn", 10**12 -> "một nghìn tỷ"."""
    if n < 0:
        return "âm " + cardinal(-n)
    if n == 0:
        return "không"
    billions, rest = divmod(n, 10**9)
    parts = []
    if billions:
        parts.append(cardinal(billions) + " tỷ")
    for scale, name in ((10**6, "triệu"), (10**3, "nghìn"), (1, "")):
        group, rest = divmod(rest, scale)
        if group:
            words = _under_1000(group, inner=bool(parts))
            parts.append(f"{words} {name}".strip())
    return " ".join(parts)


def digits(s: str) -> str:
    """Digit by digit, for phone numbers and long fractions: "0912" -> "không chín một hai"."""
    return " ".join(DIGITS[int(c)] for c in s if c.isdigit())


def decimal(int_part: str, frac_part: str) -> str:
    """3,5 -> "ba phẩy năm"; 12,75 -> "mười hai phẩy bảy mươi lăm"; 0,05 -> "không phẩy không năm".

    Readers say a fraction of one or two digits as a number and a longer one digit by digit.
    """
    zeros = len(frac_part) - len(frac_part.lstrip("0"))
    rest = frac_part[zeros:]
    words = ["không"] * zeros
    if rest:
        words.append(cardinal(int(rest)) if len(rest) <= 2 else digits(rest))
    return f"{cardinal(int(int_part))} phẩy {' '.join(words)}"


def ordinal(n: int) -> str:
    """The word after "thứ": 1 -> "nhất", 4 -> "tư", otherwise the cardinal."""
    return {1: "nhất", 4: "tư"}.get(n, cardinal(n))


def month(n: int) -> str:
    """The word after "tháng": April is "tháng tư", never "tháng bốn"."""
    return MONTHS[n]


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman(s: str) -> int | None:
    """Value of a well-formed Roman numeral, or None ("IIII", "VX" and "MIX." are refused)."""
    if not s or any(c not in _ROMAN for c in s):
        return None
    total = 0
    for i, c in enumerate(s):
        v = _ROMAN[c]
        total += -v if i + 1 < len(s) and _ROMAN[s[i + 1]] > v else v
    return total if 0 < total < 4000 and to_roman(total) == s else None


def to_roman(n: int) -> str:
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                       (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                       (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out.append(sym * count)
    return "".join(out)
