"""Chinese numerals: reading labels (第二百一十五条) and writing them (第二款)."""

from __future__ import annotations

import pytest

from stdsearch.clauses.numerals import cn_to_int, int_to_cn

CASES = [
    ("一", 1), ("二", 2), ("十", 10), ("十一", 11), ("十九", 19), ("二十", 20), ("二十一", 21),
    ("九十九", 99), ("一百", 100), ("一百零三", 103), ("一百一十", 110), ("一百一十五", 115),
    ("二百一十五", 215), ("一千零五", 1005), ("一千二百六十", 1260), ("一万零五", 10005),
    ("零", 0), ("〇", 0),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), CASES)
def test_positional_numerals_round_trip(text: str, value: int) -> None:
    assert cn_to_int(text) == value
    if text != "〇":
        assert int_to_cn(value) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [("两百", 200), ("一〇三", 103), ("二〇二三", 2023), ("12", 12), ("１２", 12), ("十二 ", 12),
     ("九百九十1", 991), ("一百零３", 103)],  # an Arabic digit typed inside a Chinese numeral
)
def test_other_written_forms(text: str, value: int) -> None:
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "第", "十条", "abc"])
def test_non_numerals_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        cn_to_int(text)
