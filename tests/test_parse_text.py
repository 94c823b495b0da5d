"""Plain text: the seed policy (title, issuer, page noise) and the format registry."""

from __future__ import annotations

import pytest

from stdsearch.errors import ParseError
from stdsearch.parse import parse_bytes, parse_file
from stdsearch.parse.text import is_noise

from .conftest import SEED

SEED_TITLE = "中共厦门市委、厦门市人民政府印发厦门市贯彻落实〈质量强国建设纲要〉实施意见"


def test_seed_title_issuer_and_noise() -> None:
    doc = parse_file(SEED)[0]
    assert doc.title == SEED_TITLE and doc.kind == "policy"
    assert doc.issuer == "中共厦门市委、厦门市人民政府" and doc.region == "厦门"
    assert "搜索关键字" not in doc.text and SEED_TITLE not in doc.text
    assert doc.source == str(SEED) and doc.clauses == []
    assert doc.text.splitlines()[1] == "一、总体要求"


@pytest.mark.parametrize(
    "line", ["搜索关键字", "打印本页", "关闭窗口", "【字体：大 中 小】", "分享到：", "【打印】"]
)
def test_page_noise_lines(line: str) -> None:
    assert is_noise(line)


def test_sentences_are_not_noise() -> None:
    assert not is_noise("分享经验，推动质量提升。")


def test_unsupported_and_empty_input() -> None:
    with pytest.raises(ParseError, match=r"not a supported format: \.xyz"):
        parse_bytes(b"hello", "a.xyz")
    with pytest.raises(ParseError, match="no text found"):
        parse_bytes(b"  \n", "a.txt")
    with pytest.raises(ParseError, match="not valid text"):
        parse_bytes(b"\x00\x01\x02binary", "a.txt")


def test_sniffing_when_the_name_says_nothing() -> None:
    assert (
        parse_bytes(
            "<html><title>某办法</title><body><p>正文第一段内容。</p></body></html>".encode(),
            "page",
        )[0].title
        == "某办法"
    )
    assert parse_bytes("某某通知\n正文。".encode(), "")[0].title == "某某通知"
