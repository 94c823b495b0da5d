"""Encodings: BOM, verified declarations, detection, on every legacy fixture in html-gov."""

from __future__ import annotations

import codecs

import pytest

from stdsearch.errors import ParseError
from stdsearch.parse.encoding import codecs_for, decode, sniff_declared_charset

from .conftest import require_shared

TEXT = "中华人民共和国产品质量法 第一条 为了加强对产品质量的监督管理"

#: fixture → (encoding family expected, a string the decoded text must contain)
FIXTURES = {
    "chardet_GB2312__chromium_gb18030_with_no_encoding_specified.html.xml": ("gb18030", "的"),
    "chardet_GB2312__mozilla_bug171813_text.html": ("gb18030", "免"),
    "chardet_GB2312_acnnewswire.net.xml": ("gb18030", "的"),
    "chardet_GB2312_cnblog.org.xml": ("gb18030", "的"),
    "chardet_GB2312_w3cn.org.xml": ("gb18030", "的"),
    "chardet_Big5__chromium_Big5_with_no_encoding_specified.html": ("cp950", "的"),
    "chardet_Big5_coolloud.org.tw.xml": ("cp950", "的"),
    "chardet_Big5_myblog.pchome.com.tw.xml": ("cp950", "的"),
    "chardet_Big5_sinica.edu.tw.xml": ("cp950", "的"),
    "gne_people_declared-gb2312-actually-utf8.html": ("utf-8", "郑板桥"),
    "gne_govcn_npc-decision.html": ("utf-8", "国债余额限额"),
    "gne_sxmu_jianchafa-law-text.html": ("utf-8", "中华人民共和国监察法"),
}


@pytest.mark.parametrize(
    ("encoding", "sample"),
    [("gb18030", TEXT), ("gbk", TEXT), ("big5", "中華民國商品檢驗法 第一條"), ("utf-8", TEXT)],
)
def test_declared_charset_is_used_when_it_decodes(encoding: str, sample: str) -> None:
    text, used = decode(sample.encode(encoding), declared=encoding)
    assert text == sample
    assert used == codecs_for(encoding)[0] or used == "utf-8"


def test_undeclared_gbk_is_detected() -> None:
    text, used = decode((TEXT * 3).encode("gbk"))
    assert text == TEXT * 3 and used == "gb18030"


def test_bom_wins() -> None:
    assert decode(codecs.BOM_UTF8 + TEXT.encode("utf-8"), declared="gbk") == (TEXT, "utf-8-sig")
    assert decode(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))[0] == TEXT


def test_wrong_declaration_loses_to_valid_utf8() -> None:
    page = f'<meta charset="gb2312"><p>{TEXT}</p>'.encode()
    assert decode(page) == (page.decode(), "utf-8")


def test_declaration_sniffing() -> None:
    assert sniff_declared_charset(b'<?xml version="1.0" encoding="GB2312"?><rss/>') == "gb2312"
    assert (
        sniff_declared_charset(
            b'<meta http-equiv="Content-Type" content="text/html; charset=big5">'
        )
        == "big5"
    )
    assert codecs_for("GB2312") == ("gb18030",) and codecs_for("big5")[0] == "cp950"


def test_binary_is_rejected() -> None:
    with pytest.raises(ParseError, match="not valid text"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


@pytest.mark.parametrize(("name", "expected"), FIXTURES.items(), ids=list(FIXTURES))
def test_real_fixtures_decode(name: str, expected: tuple[str, str]) -> None:
    family, sample = expected
    text, used = decode(require_shared("html-gov", name).read_bytes())
    assert used == family or (family == "cp950" and used == "big5hkscs")
    assert sample in text and "\ufffd" not in text


def test_euc_tw_is_decoded_by_the_c_librarys_iconv() -> None:
    data = require_shared("html-gov", "chardet_EUC-TW__ude_euc-tw1.txt").read_bytes()
    for declared in ("", "EUC-TW"):
        text, used = decode(data, declared=declared)
        assert used == "euc-tw" and text.startswith("維基大典（Wikipedia）者，網路為礎") and "\ufffd" not in text
    with pytest.raises(ParseError, match="EUC-TW"):
        decode(data[:-1] + b"\x8e\xa2", declared="EUC-TW")  # cut inside a 4-byte character
