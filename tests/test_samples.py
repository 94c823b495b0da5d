"""The first run shows the product: the bundled sample is small, attributed, and every example
on the home page, the help page and in the README finds something on a fresh install."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import PROJECT
from stdsearch import pipeline
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store

SAMPLES = PROJECT / "corpus" / "samples"
TEMPLATES = PROJECT / "web" / "templates"
#: The README's search examples that a fresh install must answer.
README_QUERIES = [
    "产品质量 监督抽查", "明厨亮灶", '"明厨亮灶"', "质量奖评定管理办法", "《产品质量法》第二十六条",
    "GB 50016", "医疗器械 质量管理体系", "GB/T 50378-2019", "gbt50378—2019", "ＧＢ／Ｔ　５０３７８", "50378",
]


@pytest.fixture(scope="module")
def fresh_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """A home as a new clone is: the shipped corpus/ and nothing else, brought up as serve does."""
    root = tmp_path_factory.mktemp("fresh")
    shutil.copytree(SAMPLES, root / "corpus" / "samples")
    home = Home.resolve(root)
    pipeline.ensure_index(home)
    return home


def template_examples() -> list[str]:
    """The queries the home page and the help page link to."""
    found = []
    for name in ("search.html", "help.html"):
        found += re.findall(r"url_for\('views\.search_page', q='([^']+)'\)", (TEMPLATES / name).read_text(encoding="utf-8"))
    return found


def test_the_sample_is_small_and_attributed() -> None:
    size = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert size < 2_000_000
    attribution = (SAMPLES / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for credit in ("RASAAS docmcp-knowledge", "Arch-Standards-Index", "CC BY 4.0", "LawRefBook"):
        assert credit in attribution


def test_the_sample_holds_laws_with_metadata_a_policy_and_catalogue_rows(fresh_home: Home) -> None:
    manifest = Store(fresh_home).manifest().values()
    laws = [e for e in manifest if e["level"] == "法律"]
    assert {e["title"] for e in laws} >= {"中华人民共和国产品质量法", "中华人民共和国食品安全法"}
    assert all(e["publish_date"] and e["status"] == "现行" for e in laws)
    standards = [e for e in manifest if e["kind"] == "standard"]
    assert 300 <= len(standards) <= 400
    assert any(e["kind"] == "policy" for e in manifest)


@pytest.mark.parametrize("query", template_examples() + README_QUERIES)
def test_every_example_finds_something_on_a_fresh_install(fresh_home: Home, query: str) -> None:
    results = search(fresh_home, SearchRequest(q=query))
    assert results.total > 0, query


def test_the_level_example_finds_the_law_first(fresh_home: Home) -> None:
    hits = search(fresh_home, SearchRequest(q="产品质量 监督抽查", level="法律")).hits
    assert hits and hits[0].title == "中华人民共和国产品质量法"
