"""The analyzer: one jieba-based analysis, sequential positions, real offsets, folding."""

from __future__ import annotations

import pytest

from stdsearch import analysis


def tokens(text: str, subwords: bool = True) -> list[tuple[str, int, int, int]]:
    tokenizer = analysis.ChineseTokenizer(subwords=subwords)
    return [(t.text, t.pos, t.startchar, t.endchar) for t in tokenizer(text, positions=True, chars=True)]


def test_positions_are_sequential_and_offsets_point_into_the_original() -> None:
    text = "推动“明厨亮灶”提质扩面。"
    words = tokens(text, subwords=False)
    assert [pos for _, pos, _, _ in words] == list(range(len(words)))
    for word, _, start, end in words:
        assert analysis.normalize(text[start:end]) == word


def test_subwords_share_the_position_of_their_word() -> None:
    found = tokens("推进质量强市建设")
    compound = next(t for t in found if t[0] == "质量强市")
    sub = next(t for t in found if t[0] == "质量")
    assert sub[1] == compound[1]
    assert sub[2] == compound[2]


def test_punctuation_and_spaces_are_not_tokens() -> None:
    assert all(analysis.is_wordlike(t[0]) for t in tokens("一、总体要求（一）指导思想。，；"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＧＢ／Ｔ　１９００１", "gb/t 19001"),
        ("ＢＩＭ技术", "bim技术"),
        ("標準檢驗", "标准检验"),
        ("資訊安全", "信息安全"),
        ("5G", "5g"),
    ],
)
def test_normalize_folds_width_case_and_script(text: str, expected: str) -> None:
    assert analysis.normalize(text) == expected
    assert len(analysis.normalize(text)) == len(text)


def test_letter_digit_terms_are_tokens() -> None:
    words = [w for w, *_ in tokens("推进工业大数据、人工智能、5G等技术，推广BIM技术")]
    assert "5g" in words
    assert "bim" in words
