"""Plain text: the seed policy (title, issuer, page noise) and the format registry."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from stdsearch.errors import ParseError
from stdsearch.parse import is_document_file, parse_bytes, parse_file
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


def test_http_charset_is_honoured_and_sha256_is_of_the_bytes_received() -> None:
    html = "<html><head><title>某市人民政府关于印发某方案的通知</title></head><body><p>一、总体要求。</p></body></html>"
    data = html.encode("gbk")
    doc = parse_bytes(data, "page", "https://example.gov.cn/page", "text/html; charset=GBK")[0]
    assert doc.title == "某市人民政府关于印发某方案的通知" and doc.text == "一、总体要求。"
    assert doc.sha256 == hashlib.sha256(data).hexdigest() and doc.source_url.endswith("/page")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.md", True), ("a.jsp", True), ("a.TXT", True), ("_index.md", False), ("SOURCES.md", False),
     ("法律法规模版.md", False), ("LEFT_OUT_DLC_FILES.txt", False), ("db.sqlite3", False), ("a.xyz", False)],
)  # fmt: skip
def test_which_files_a_folder_walk_parses(name: str, expected: bool) -> None:
    assert is_document_file(Path("laws") / name) is expected
