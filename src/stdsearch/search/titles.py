"""Title routing: a query that is (most of) a document's title answers with that document.

Reads the corpus manifest (doc_id → title), derived once per manifest version; engine-neutral.
"""

from __future__ import annotations

import re

from stdsearch import analysis, references
from stdsearch.settings import Home
from stdsearch.store import Store

_TITLE_NOISE = re.compile(r"[\s、，,。《》〈〉()（）]+|中华人民共和国")
#: Words that end a document's name: a query ending so is a title, not a topic.
_TITLE_END = re.compile(r"(法|法典|典|条例|规定|办法|细则|解释|决定|规则|标准|规范|意见|通知|纲要)$")
#: A query this long that a title contains is that title, not a question.
MIN_TITLE_QUERY = 6
#: More titled documents than this and the query is a topic, not a title.
MAX_TITLED = 20


def titled_documents(home: Home, text: str) -> list[str]:
    """Ids of the documents whose title contains the whole query (a user typing a title).

    Their clauses are the answer, in document order, rather than an OR over the title's
    very common words (最高人民法院, 关于, 规定) across the whole corpus.
    """
    numbered = numbered_documents(home, text)
    if numbered:
        return numbered
    key = analysis.normalize(_TITLE_NOISE.sub("", text))
    if len(key) < 2:
        return []
    full = references.short_names().get(key)  # 民诉法 → 民事诉讼法
    key = analysis.normalize(full) if full else key
    titles = normalised_titles(home)
    exact = [doc_id for doc_id, title in titles if key == title]
    if exact:
        return exact[:MAX_TITLED]
    starting = [doc_id for doc_id, title in titles if title.startswith(key)] if _TITLE_END.search(key) else []
    if len(key) < MIN_TITLE_QUERY or starting:
        return starting if len(starting) <= MAX_TITLED else []
    matches = [doc_id for doc_id, title in titles if key in title]
    return matches if len(matches) <= MAX_TITLED else []


#: What is ignored when a typed document number is compared: spaces and every bracket form
#: (建质〔2009〕87号 = 建质[2009]87 号 = 建质(2009)87号).
_NUMBER_NOISE = re.compile(r"[\s〔〕\[\]()（）【】［］]+")


def numbered_documents(home: Home, text: str) -> list[str]:
    """Ids of the documents whose own number (a 文号 such as 建质〔2009〕87号) the query is:
    they answer first, whatever else mentions that number."""
    key = analysis.normalize(_NUMBER_NOISE.sub("", text))
    if len(key) < 4 or not any(c.isdigit() for c in key) or not re.search(r"[\u4e00-\u9fff]", key):
        return []
    return [doc_id for doc_id, number in normalised_numbers(home) if number == key][:MAX_TITLED]


def normalised_numbers(home: Home) -> list[tuple[str, str]]:
    """(doc_id, normalised document number) of the documents with a number, built once per
    manifest version."""
    return Store(home).derived("titles.numbers", _numbers_of)


def _numbers_of(store: Store) -> list[tuple[str, str]]:
    return [
        (i, analysis.normalize(_NUMBER_NOISE.sub("", e["number"])))
        for i, e in store.manifest().items()
        if e.get("number") and re.search(r"[\u4e00-\u9fff]", e["number"])
    ]


def normalised_titles(home: Home) -> list[tuple[str, str]]:
    """(doc_id, normalised title) of the corpus, built once per manifest version."""
    return Store(home).derived("titles.titles", _titles_of)


def _titles_of(store: Store) -> list[tuple[str, str]]:
    return [(i, analysis.normalize(_TITLE_NOISE.sub("", e.get("title", "")))) for i, e in store.manifest().items()]
