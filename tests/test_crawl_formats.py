"""PDF and DOCX parsing (also through a crawl), 文号/date extraction, and the URL policy."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from unittest.mock import patch

import pytest

from stdsearch.crawl.govmeta import find_doc_number, find_effective_date, find_publish_date
from stdsearch.crawl.policy import HostThrottle, Refused, Robots, UrlPolicy, host_allowed
from stdsearch.errors import FetchError, ParseError
from stdsearch.parse import parse_bytes
from stdsearch.parse.pdf import join_wrapped, strip_furniture
from stdsearch.settings import Home

from .conftest import SEED, require_shared
from .crawlsite import Reply, Site
from .test_crawl import Sink, run, site_source

TITLE = "厦门市质量奖评定管理办法"
ARTICLES = [
    "第一条 为了推动质量强市建设，鼓励组织追求卓越绩效，根据有关规定，结合本市实际，制定本办法。",
    "第二条 本办法适用于在本市行政区域内依法登记注册、具有独立法人资格的组织。",
    "第三条 市质量奖每两年评选一次，每次获奖组织不超过五个。",
    "第四条 本办法自2024年1月1日起施行。",
]


def make_pdf(title: str = TITLE, paragraphs: list[str] = ARTICLES) -> bytes:
    """A Chinese PDF with the non-embedded STSong-Light CID font (no font file needed);
    a paragraph "\f" is a page break."""
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("b", fontName="STSong-Light", fontSize=12, leading=20, wordWrap="CJK")

    def footer(canvas, doc):  # type: ignore[no-untyped-def]
        canvas.setFont("STSong-Light", 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 40, "厦门市人民政府规范性文件")
        canvas.drawCentredString(A4[0] / 2, 30, f"— {doc.page} —")

    story = [Paragraph(title, style)]
    story += [PageBreak() if p == "\f" else Paragraph(p, style) for p in paragraphs]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def make_docx() -> bytes:
    """A .docx with a Title, a 文号 line, articles and a table."""
    docx = pytest.importorskip("docx")
    word = docx.Document()
    word.add_heading(TITLE, level=0)
    word.add_paragraph("厦府规〔2023〕7号")
    for article in ARTICLES:
        word.add_paragraph(article)
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "奖项", "名额"
    table.cell(1, 0).text, table.cell(1, 1).text = "市质量奖", "5"
    word.add_paragraph("厦门市人民政府")
    word.add_paragraph("2023年12月1日")
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def test_pdf_text_in_order_without_page_furniture() -> None:
    long_article = "第五条 " + "质量奖评审坚持公开、公平、公正的原则，" * 12 + "不收取任何费用。"
    more = [
        "第六条 市人民政府设立市质量奖评审委员会。",
        "\f",
        "第七条 评审委员会办公室设在市市场监督管理局。",
    ]
    pdf = make_pdf(paragraphs=[*ARTICLES, "\f", long_article, *more])
    (document,) = parse_bytes(pdf, "zlj.pdf")
    lines = document.text.splitlines()
    assert document.title == TITLE and document.kind == "law"
    assert lines == [*ARTICLES, long_article, more[0], more[2]]  # wrapped lines rejoined
    assert not any("—" in x or "规范性文件" in x for x in lines)  # header, page numbers


def test_pdf_helpers_and_errors() -> None:
    pages = [
        ["页眉", "第一条 甲", "— 1 —"],
        ["页眉", "第二条 乙", "- 2 -"],
        ["页眉", "第三条", "3"],
    ]
    assert strip_furniture(pages) == ["第一条 甲", "第二条 乙", "第三条"]
    assert join_wrapped(["一二三四五六七八九十", "十一。", "（一）条目"]) == [
        "一二三四五六七八九十十一。",
        "（一）条目",
    ]
    with pytest.raises(ParseError):
        parse_bytes(b"%PDF-1.4 not really a pdf", "broken.pdf")


def test_docx_paragraphs_tables_and_metadata() -> None:
    (document,) = parse_bytes(make_docx(), "zlj.docx")
    assert document.title == TITLE
    assert document.kind == "law"
    assert "奖项\t名额" in document.text and document.text.index("第一条") < document.text.index(
        "市质量奖"
    )
    with pytest.raises(ParseError):
        parse_bytes(b"PK\x03\x04word/ broken", "broken.docx")


@pytest.fixture
def site() -> Iterator[Site]:
    with Site(require_shared(), SEED.read_text(encoding="utf-8")) as running:
        yield running


def test_crawl_turns_pdf_and_docx_attachments_into_documents(site: Site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    links = '<a href="/files/P020230512.pdf">PDF</a><a href="/download.jsp?id=7">附件</a>'
    site.extra["/attachments.html"] = Reply(
        body=f"<html><body>{links}</body></html>".encode(), headers={"Content-Type": "text/html"}
    )
    site.extra["/files/P020230512.pdf"] = Reply(  # another document than the .docx's
        body=make_pdf(title="厦门市质量奖评审细则"), headers={"Content-Type": "application/pdf"}
    )
    site.extra["/download.jsp?id=7"] = Reply(
        body=make_docx(), headers={"Content-Type": "application/octet-stream"}
    )
    sink = Sink()
    source = site_source(site, start_urls=(site.url("/attachments.html"),))
    summary = run(Home(tmp_path), source, sink)
    assert summary.failures == []
    docx = next(d for d in sink.documents.values() if d.source_url.endswith("id=7"))
    assert docx.title == TITLE and docx.number == "厦府规〔2023〕7号"
    assert docx.publish_date == "2023-12-01" and docx.effective_date == "2024-01-01"
    pdf = next(d for d in sink.documents.values() if d.source_url.endswith(".pdf"))
    assert "第三条" in pdf.text and pdf.title == "厦门市质量奖评审细则"


def test_doc_numbers_and_dates_from_text() -> None:
    text = (
        "厦门市人民政府\n厦府〔2023〕12号\n各区人民政府：\n……自2023年6月1日起施行。\n2023年5月6日\n"
    )
    assert find_doc_number(text) == "厦府〔2023〕12号"
    assert find_doc_number("依据国办发[2021] 3号文件") == "国办发〔2021〕3号"
    assert find_doc_number("没有文号") == ""
    assert find_publish_date(text) == "2023-05-06"
    assert find_publish_date("发布日期：2024-03-05\n正文") == "2024-03-05"
    assert find_effective_date(text) == "2023-06-01"


def fail_resolver(host: str, port: int) -> list[str]:
    raise AssertionError("no DNS expected")


def test_url_policy_refuses_before_connecting() -> None:
    policy = UrlPolicy(
        ("www.xm.gov.cn", "10.1.2.3", "[::1]", "169.254.169.254"), resolver=fail_resolver
    )
    for url, reason in [
        ("ftp://www.xm.gov.cn/a", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("https://evil.example/", "not an allowed host"),
        ("http://10.1.2.3/", "non-public"),
        ("http://[::1]:8080/", "non-public"),
        ("http://169.254.169.254/latest/meta-data", "non-public"),
    ]:
        with pytest.raises(Refused, match=reason):
            policy.check(url)
    public = UrlPolicy(("www.xm.gov.cn",), resolver=lambda host, port: ["59.57.1.1"])
    public.check("https://www.xm.gov.cn/zwgk/")
    private = UrlPolicy(("www.xm.gov.cn",), resolver=lambda host, port: ["192.168.0.9"])
    with pytest.raises(Refused, match="192.168.0.9"):
        private.check("https://www.xm.gov.cn/zwgk/")  # DNS answers a private address
    assert host_allowed("a.samr.gov.cn", [".samr.gov.cn"]) and not host_allowed(
        "samr.gov.cn.evil", ["samr.gov.cn"]
    )


def test_robots_unreachable_means_disallow_and_missing_means_allow() -> None:
    def down(url: str) -> tuple[int, str]:
        raise FetchError("connection refused")

    assert not Robots("stdsearch", down).allowed("http://a.example/x")
    assert not Robots("stdsearch", lambda url: (503, "")).allowed("http://a.example/x")
    assert Robots("stdsearch", lambda url: (404, "")).allowed("http://a.example/x")
    robots = Robots("stdsearch", lambda url: (200, "User-agent: *\nCrawl-delay: 2\nDisallow: /p/"))
    assert (
        not robots.allowed("http://a.example/p/1") and robots.crawl_delay("http://a.example/") == 2
    )


def test_host_throttle_spaces_requests_to_one_host() -> None:
    throttle = HostThrottle(delay=0.05)
    started = time.monotonic()
    for _ in range(3):
        with throttle.slot("a.example"):
            pass
    with throttle.slot("b.example"):
        pass
    assert 0.09 <= time.monotonic() - started < 0.5


def test_connection_to_a_private_address_is_cut_before_the_request(site: Site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """DNS rebinding: the name checked as public connects to loopback; nothing is sent."""
    source = site_source(site, private_networks=())
    with patch.object(UrlPolicy, "_addresses", lambda self, host, port: ["93.184.216.34"]):
        summary = run(Home(tmp_path), source, Sink())
    assert site.requests == []
    assert "non-public address 127.0.0.1" in summary.failures[0]["reason"]
