"""Text as a reader sees it: compatibility characters folded before anything is split.

PDF text layers often carry Kangxi radicals (``⼀`` U+2F00 for ``一``) and CJK compatibility
ideographs that look like the ordinary characters but match nothing (``第⼀条`` is not an
article label); Word and web pages carry full-width Latin letters and digits (``ＧＢ　５０３００``).
:func:`fold_compatibility` maps these to the ordinary characters by their Unicode
compatibility decomposition (NFKC), but only for these ranges: Chinese punctuation (，：（）),
the ideographic space and other characters a reader tells apart are kept as written.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: Ranges folded by NFKC: CJK radicals (supplement, Kangxi), compatibility ideographs,
#: full-width digits and Latin letters, Latin ligatures (ﬁ), the no-break space.
FOLDED_RANGES = (
    (0x2E80, 0x2EFF),
    (0x2F00, 0x2FDF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
    (0xFF10, 0xFF19),
    (0xFF21, 0xFF3A),
    (0xFF41, 0xFF5A),
    (0xFB00, 0xFB06),
    (0x00A0, 0x00A0),
)

#: Radicals without a compatibility decomposition that PDF fonts still put for whole
#: characters (⻓期 for 长期): the characters they stand for.
RADICAL_CHARACTERS = dict(zip(
    "⺠⻄⻅⻆⻉⻋⻓⻔⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰",
    "民西见角贝车长门青韦页风飞食马骨鬼鱼鸟卤麦黄黾齐齿龙",
    strict=True,
))


@functools.cache
def _table() -> dict[int, str]:
    """Code point → its NFKC form, for the characters of FOLDED_RANGES that have one."""
    table: dict[int, str] = {ord(radical): character for radical, character in RADICAL_CHARACTERS.items()}
    for low, high in FOLDED_RANGES:
        for code in range(low, high + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if folded != chr(code):
                table[code] = folded
    return table


@functools.cache
def _foldable() -> re.Pattern[str]:
    """Any character the table may fold (its ranges and radicals): most texts have none, and
    looking is ten times cheaper than ``str.translate``, which looks up every character."""
    ranges = "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in FOLDED_RANGES)
    return re.compile(f"[{ranges}{''.join(RADICAL_CHARACTERS)}]")


def fold_compatibility(text: str) -> str:
    """``text`` with radicals, compatibility ideographs and full-width letters/digits folded."""
    return text.translate(_table()) if _foldable().search(text) else text
