"""Chinese numerals as printed in legal and policy numbering (第二百一十五条, （十三）, 二〇二三).

``cn_to_int`` reads both the positional form (一百零三) and the digit-by-digit form
(一〇三, 二〇二三), plus Arabic and full-width digits; ``int_to_cn`` writes the positional
form used in labels (第一百零三条, 第二款).
"""

from __future__ import annotations

import unicodedata

DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
MYRIAD = "万"

_ARABIC_AS_CHINESE: dict[str, str] = dict(zip("0123456789", "零一二三四五六七八九", strict=True))

#: Characters that may appear in a Chinese numeral (for building regexes).
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + MYRIAD


def cn_to_int(text: str) -> int:
    """The value of a Chinese (or Arabic / full-width) numeral; ValueError if it is not one."""
    text = text.strip()
    if not text:
        raise ValueError("empty numeral")
    folded = unicodedata.normalize("NFKC", text)
    if folded.isdigit():
        return int(folded)
    # A digit typed in Arabic inside a Chinese numeral (第九百九十1条, a typo real texts carry)
    # is read as that digit.
    chinese = "".join(_ARABIC_AS_CHINESE.get(ch, ch) for ch in folded)
    if any(ch not in NUMERAL_CHARS for ch in chinese):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if not any(ch in UNITS or ch == MYRIAD for ch in chinese):
        return int("".join(str(DIGITS[ch]) for ch in chinese))
    return _positional_value(chinese)


def _positional_value(text: str) -> int:
    """Value of a numeral written with units (十, 百, 千, 万)."""
    total = section = digit = 0
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in UNITS:
            section += (digit or 1) * UNITS[ch]
            digit = 0
        else:  # 万
            total += (section + digit) * 10000
            section = digit = 0
    return total + section + digit


def int_to_cn(number: int) -> str:
    """The positional Chinese numeral of 0 <= number < 100000 (10 → 十, 103 → 一百零三)."""
    if not 0 <= number < 100000:
        raise ValueError(f"out of range: {number}")
    if number == 0:
        return "零"
    high, low = divmod(number, 10000)
    if high:
        rest = _below_myriad(low) if low else ""
        joiner = "零" if 0 < low < 1000 else ""
        return _below_myriad(high) + MYRIAD + joiner + rest
    return _below_myriad(number)


def _below_myriad(number: int) -> str:
    """Positional numeral of 1 <= number < 10000."""
    names = "零一二三四五六七八九"
    out: list[str] = []
    pending_zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(names[digit] + unit)
    text = "".join(out)
    return text[1:] if 10 <= number < 20 else text
