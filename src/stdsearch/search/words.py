"""The word lists queries are read with: question stop words, the STARD baseline's stop words
and the colloquial → legal term map (all under src/stdsearch/data, loaded once)."""

from __future__ import annotations

import functools

from stdsearch import analysis, files
from stdsearch.query import ParsedQuery


@functools.cache
def stopwords() -> frozenset[str]:
    """Question words and particles dropped from natural-language questions."""
    path = analysis.USER_DICT.with_name("stopwords.txt")
    return frozenset(path.read_text(encoding="utf-8").split() if path.exists() else [])


@functools.cache
def baseline_stopwords() -> frozenset[str]:
    """The STARD baseline's stop words (lines starting with # are comments)."""
    return frozenset(word.strip() for word, *_ in files.data_rows("cn_stopwords.txt"))


@functools.cache
def colloquial_map() -> dict[str, tuple[str, ...]]:
    """data/colloquial.tsv: colloquial word → the legal terms statutes use for it."""
    return {
        analysis.normalize(colloquial.strip()): tuple(analysis.normalize(" ".join(legal)).split())
        for colloquial, *legal in files.data_rows("colloquial.tsv")
    }


def legal_terms(text: str, terms: list[str]) -> list[str]:
    """The legal terms mapped from colloquial words found in ``text`` (single characters: as words)."""
    found: list[str] = []
    words = set(terms)
    for colloquial, legal in colloquial_map().items():
        if (colloquial in words) if len(colloquial) == 1 else (colloquial in text):
            found.extend(legal)
    return list(dict.fromkeys(found))


def _default_mode_words(parsed: ParsedQuery) -> list[str]:
    """jieba default-mode words of the free text and phrases (normalised, word-like only)."""
    text = analysis.normalize(" ".join([parsed.free_text, *parsed.phrases]))
    return [w for w in analysis.default_words(text) if analysis.is_wordlike(w) and not w.isspace()]


def question_words(parsed: ParsedQuery) -> list[str]:
    """A question's content words: jieba default-mode words minus question words and stop words."""
    dropped = stopwords() | baseline_stopwords()
    return [w for w in dict.fromkeys(_default_mode_words(parsed)) if w not in dropped]


def baseline_words(parsed: ParsedQuery) -> list[str]:
    """The STARD baseline's words of a query: jieba default mode minus its stop words."""
    return [w for w in dict.fromkeys(_default_mode_words(parsed)) if w not in baseline_stopwords()]
