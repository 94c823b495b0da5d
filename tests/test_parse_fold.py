"""Text as a reader sees it: compatibility characters folded before splitting; PDF and DOCX
titles from the document's own first heading, not from metadata."""

from __future__ import annotations

import io

import pytest

from stdsearch import clauses
from stdsearch.parse import parse_bytes
from stdsearch.parse.fold import fold_compatibility
from stdsearch.parse.pdf import first_heading
from stdsearch.web import present

from .conftest import require_shared
from .test_crawl_formats import ARTICLES, TITLE, make_pdf

#: ARTICLES as a PDF text layer with Kangxi radicals gives them (⼀ U+2F00, ⼆ U+2F06, ⼋ U+2F0B).
RADICAL_ARTICLES = [a.replace("一", "⼀", 1).replace("二", "⼆", 1) for a in ARTICLES]


def test_radicals_and_full_width_letters_fold_but_chinese_punctuation_stays() -> None:
    assert fold_compatibility("第⼀条 ⻓期⼋项") == "第一条 长期八项"
    assert fold_compatibility("ＧＢ　５０３００－２０１４") == "GB　50300－2014"
    assert fold_compatibility("（一）甲，乙；丙：丁。") == "（一）甲，乙；丙：丁。"


def with_metadata_title(pdf: bytes, title: str) -> bytes:
    """The PDF with ``title`` in its document information (as templates leave it)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_with_radicals_splits_into_articles_titled_by_its_heading() -> None:
    pdf = with_metadata_title(make_pdf(paragraphs=RADICAL_ARTICLES), "关于印发某某模板的通知")
    (document,) = parse_bytes(pdf, "P020240101.pdf")
    assert document.title == TITLE
    assert "⼀" not in document.text and "⼆" not in document.text
    ids = [c.clause_id for c in clauses.split(document)]
    assert document.kind == "law" and ids[:4] == ["a1", "a2", "a3", "a4"]


def test_a_pdf_title_wrapped_over_two_lines_below_its_doc_number() -> None:
    pdf = make_pdf(title="厦府规〔2023〕7号", paragraphs=["厦门市人民政府关于印发质量奖评定管理办法的", "通知", *ARTICLES])
    (document,) = parse_bytes(with_metadata_title(pdf, "Microsoft Word - 1.doc"), "a.pdf")
    assert document.title == "厦门市人民政府关于印发质量奖评定管理办法的通知"
    assert document.text.splitlines()[0] == "厦府规〔2023〕7号"


def test_first_heading_skips_mastheads_and_gives_up_on_prose() -> None:
    assert first_heading(["厦门市人民政府文件", "厦府〔2023〕12号", "关于加强质量工作的意见", "一、总体要求"]) == (
        "关于加强质量工作的意见",
        ["厦府〔2023〕12号", "一、总体要求"],
    )
    assert first_heading(["第一条 为了推动质量强市建设，制定本办法。"]) is None


def test_a_docx_is_titled_by_its_heading_not_its_stale_core_title() -> None:
    docx = pytest.importorskip("docx")
    word = docx.Document()
    word.core_properties.title = "旧模板的标题"
    word.add_heading(TITLE, level=0)
    for article in RADICAL_ARTICLES:
        word.add_paragraph(article.replace("第三条", "第３条"))
    out = io.BytesIO()
    word.save(out)
    (document,) = parse_bytes(out.getvalue(), "zlj.docx")
    assert document.title == TITLE
    assert [c.clause_id for c in clauses.split(document)][:4] == ["a1", "a2", "a3", "a4"]
    assert "第3条" in document.text


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_text_and_markdown_fold_before_splitting(suffix: str) -> None:
    body = "\n\n".join(RADICAL_ARTICLES)
    data = f"{'# ' if suffix == '.md' else ''}{TITLE}\n\n{body}\n".encode()
    (document,) = parse_bytes(data, f"zlj{suffix}")
    assert [c.clause_id for c in clauses.split(document)][:2] == ["a1", "a2"]
    assert document.title == TITLE


# --- Markdown tables ----------------------------------------------------------------------

TABLE_LAW = ("司法解释", "最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定（二）(2003-08-15).md")


def test_table_rows_become_a_table_with_its_header() -> None:
    rows = ["说明", "| 条文 | 罪名 |", "|---|---|", "| 第152条 | 走私废物罪 |", "| 第344条 | 非法采伐罪 |", "其后"]
    blocks = present.with_tables(rows)
    assert blocks[0] == "说明" and blocks[2] == "其后"
    assert blocks[1] == present.Table(header=["条文", "罪名"], rows=[["第152条", "走私废物罪"], ["第344条", "非法采伐罪"]])
    assert present.with_tables(["| 只有一行 |"]) == ["| 只有一行 |"]


def test_a_real_markdown_table_is_one_clause_shown_as_a_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from stdsearch import pipeline
    from stdsearch.settings import Home
    from stdsearch.store import Store
    from stdsearch.web import create_app

    home = Home.resolve(tmp_path)
    report = pipeline.ingest(home, [require_shared("laws", *TABLE_LAW)])
    assert report.failed == 0, report.failures
    store = Store(home)
    document = store.get(store.ids()[0])
    tables = [c for c in document.clauses if c.text.startswith("|")]
    assert len(tables) == 1 and tables[0].text.count("\n") == 6
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    for url in (f"/doc/{document.doc_id}", f"/doc/{document.doc_id}/{tables[0].clause_id}"):
        page = client.get(url).get_data(as_text=True)
        assert '<th scope="col">刑法条文</th>' in page and page.count("<tr>") == 6
        assert "|-----|" not in page and "| 第344条" not in page


def test_every_folded_character_is_looked_for() -> None:
    from stdsearch.parse import fold

    missed = [chr(code) for code in fold._table() if not fold._foldable().search(chr(code))]
    assert not missed and len(fold._table()) > 500
