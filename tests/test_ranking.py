"""The Whoosh engine's array ranking gives what Whoosh's own matchers give: scores, totals,
facets, order; and its arrays are shared by every thread whatever the number of segments.

The home (from test_web) has re-indexed documents, so its live index holds deleted clauses
that must never be counted or returned.
"""

from __future__ import annotations

import itertools
import threading
from unittest import mock

import pytest
from whoosh import query as wq

from stdsearch import batch as batches
from stdsearch import index as index_mod
from stdsearch import pipeline
from stdsearch.search import SearchRequest, lexical_search
from stdsearch.search import plan as plan_mod
from stdsearch.search.engines import whoosh_arrays as arrays
from stdsearch.search.engines.whoosh import WhooshEngine, to_whoosh
from stdsearch.search.plan import AllOf, AnyOf, Nothing, Phrase, Plan, Term
from stdsearch.settings import Home
from stdsearch.store import Store

from .test_web import build_home


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """Seed policy, two editions of a law (one replaced), a notice; partly re-indexed, with
    levels set on the laws (法律) and the policies (地方规范性文件)."""
    home = build_home(tmp_path_factory.mktemp("rank-sources"), tmp_path_factory.mktemp("rank-home"))
    store = Store(home)
    documents = [store.get(doc_id) for doc_id in store.ids()]
    for document in documents:
        document.level = "法律" if document.kind == "law" else "地方规范性文件"
    pipeline.index_documents(home, documents)
    return home


def whoosh_scores(home: Home, query) -> dict[int, float]:  # type: ignore[no-untyped-def]
    searcher = WhooshEngine(home).searcher
    return {hit.docnum: hit.score for hit in searcher.search(to_whoosh(query), limit=None)}


def evaluate(home: Home, query):  # type: ignore[no-untyped-def]
    """The array matches of a plan node with the default BM25F parameters."""
    return arrays.evaluate(WhooshEngine(home).view, query, arrays.Scoring.of(Plan(query, "keyword")))


def no_arrays(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Stands in for arrays.evaluate: every plan goes to Whoosh's own matchers."""
    return None


def test_the_home_has_deleted_clauses(home: Home) -> None:
    assert WhooshEngine(home).view.arrays.deleted.any()


@pytest.mark.parametrize(
    "query",
    [
        Term("text", "产品"),
        Term("title", "测试", 2.0),
        AnyOf((Term("text", "质量"), Term("heading", "质量", 1.5), Term("title", "质量", 2.0))),
        AllOf((AnyOf((Term("text", "产品"), Term("title", "产品"))), Term("text", "安全"))),
        AllOf((Term("text", "产品"),), (Term("text", "危险"),)),
        AnyOf((Term("text", "生产者"), Term("text", "没有这个词"), Nothing())),
    ],
    ids=repr,
)
def test_scores_equal_whooshs(home: Home, query) -> None:  # type: ignore[no-untyped-def]
    expected = whoosh_scores(home, query)
    matches = evaluate(home, query)
    assert matches is not None
    got = dict(zip(matches.ids.tolist(), matches.scores.tolist(), strict=True))
    assert got.keys() == expected.keys()
    for docnum, score in expected.items():
        # Whoosh's own Not adds a constant to every score; the order is what matters there.
        if not getattr(query, "excluded", ()):
            assert got[docnum] == pytest.approx(score)
    assert len(expected) > 0


def test_phrases_are_left_to_whoosh(home: Home) -> None:
    assert evaluate(home, Phrase("text", ("测试", "产品"))) is None


def keys(results) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(h.doc_id, h.clause_id) for h in results.hits]


@pytest.mark.parametrize(
    "options",
    [
        {"q": "产品 安全"},
        {"q": "质量", "sort": "newest"},
        {"q": "产品", "sort": "effective"},
        {"q": "产品", "status": "现行"},
        {"q": "产品", "per_page": 3, "page": 2},
        {"q": "测试产品安全法"},
        {"q": "产品", "mode": "baseline"},
    ],
    ids=str,
)
def test_both_paths_rank_count_and_facet_alike(home: Home, options: dict) -> None:  # type: ignore[type-arg]
    request = SearchRequest(semantic="off", **options)
    fast = lexical_search(home, request)
    with mock.patch.object(arrays, "evaluate", no_arrays):
        slow = lexical_search(home, request)
    assert fast.total == slow.total > 0
    assert fast.facets == slow.facets
    assert keys(fast) == keys(slow)


def test_exclusions_match_alike(home: Home) -> None:
    # Whoosh adds a constant to every score under a Not, so only the matches are compared.
    request = SearchRequest(q="产品 -危险", semantic="off", per_page=100)
    fast = lexical_search(home, request)
    with mock.patch.object(arrays, "evaluate", no_arrays):
        slow = lexical_search(home, request)
    assert fast.total == slow.total > 0
    assert fast.facets == slow.facets
    assert set(keys(fast)) == set(keys(slow))
    assert not any("危险" in h.text for h in fast.hits)


def test_totals_count_live_clauses_once(home: Home) -> None:
    searcher = WhooshEngine(home).searcher
    anywhere = AnyOf(tuple(Term(name, "产品") for name in ("title", "heading", "text")))
    live = {searcher.stored_fields(n)["key"] for n in searcher.docs_for_query(to_whoosh(anywhere))}
    results = lexical_search(home, SearchRequest(q="产品", semantic="off", per_page=100))
    assert results.total == len(live)
    assert len(set(keys(results))) == len(results.hits) == len(live)


def test_question_ranking_adds_level_prior_and_document_evidence(home: Home) -> None:
    view = WhooshEngine(home).view
    searcher = view.searcher
    matches = evaluate(home, AnyOf((Term("text", "产品"), Term("text", "质量"))))
    assert matches is not None
    levels = [searcher.stored_fields(int(n))["level"] for n in matches.ids]
    assert "法律" in levels and len(set(levels)) > 1
    weighed = arrays.level_prior(view, matches, {"法律": 0.5})
    for level, before, after in zip(levels, matches.scores, weighed.scores, strict=True):
        assert after == pytest.approx(before * (0.5 if level == "法律" else 1.0))
    documents = [searcher.stored_fields(int(n))["doc_id"] for n in matches.ids]
    best = {d: max(s for d2, s in zip(documents, matches.scores, strict=True) if d2 == d) for d in documents}
    evidenced = arrays.with_document_evidence(view, matches, 0.3)
    for doc, before, after in zip(documents, matches.scores, evidenced.scores, strict=True):
        assert after == pytest.approx(before + 0.3 * best[doc])


def test_questions_are_ranked_with_the_question_parameters(home: Home) -> None:
    request = SearchRequest(q="生产者应当保证产品符合什么要求？", semantic="off", per_page=100)
    results = lexical_search(home, request)
    assert results.total > 0
    assert results.hits[0].title == "中华人民共和国测试产品安全法" and results.hits[0].label == "第三条"
    with mock.patch.multiple(plan_mod, QUESTION_DOCUMENT_WEIGHT=0.0, QUESTION_LEVEL_PRIOR={}, QUESTION_K1=plan_mod.BM25_K1):
        plain = lexical_search(home, request)
    assert plain.total == results.total
    assert [h.score for h in plain.hits] != [h.score for h in results.hits]


def test_threads_share_the_arrays_and_agree(home: Home) -> None:
    from concurrent.futures import ThreadPoolExecutor

    queries = ["产品 安全", "质量", "生产者应当保证产品符合什么要求？", "测试 标签", "产品 -危险"] * 8

    def run(q: str) -> list[tuple[str, str]]:
        return keys(lexical_search(home, SearchRequest(q=q, semantic="off", per_page=20)))

    expected = [run(q) for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(run, queries)) == expected
    assert len(arrays._states) <= arrays.STATES_KEPT


def test_a_freshly_built_one_segment_index_shares_its_arrays_between_threads(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    home = build_home(tmp_path_factory.mktemp("one-sources"), tmp_path_factory.mktemp("one-home"))
    with index_mod.write_lock(home):
        batches.rebuild(home, Store(home).documents())
    together = threading.Barrier(4)

    def open_in_own_thread(_: int) -> WhooshEngine:
        together.wait(timeout=30)  # four threads at once, not one thread four times
        return WhooshEngine(home)

    with ThreadPoolExecutor(max_workers=4) as pool:
        engines = list(pool.map(open_in_own_thread, range(4)))
    assert len({id(e.searcher) for e in engines}) == 4  # one Whoosh searcher per thread
    assert len(engines[0].searcher.reader().leaf_readers()) == 1
    assert len({id(e.view.arrays) for e in engines}) == 1  # one set of arrays for them all


#: Listings without search words (a filter, maybe excluded words or phrases): (home fixture,
#: request options).
LISTINGS = [
    ("home", {"q": "", "kind": "law"}),
    ("home", {"q": "status:现行"}),
    ("home", {"q": "-危险", "kind": "law"}),
    ("home", {"q": "-危险 -生产者", "kind": "law", "per_page": 100}),
    ("home", {"q": "", "kind": "law", "sort": "newest"}),
    ("home", {"q": "-危险", "kind": "law", "sort": "effective"}),
    ("home", {"q": "", "kind": "law", "per_page": 3, "page": 2}),
    ("home", {"q": "", "kind": "law", "mode": "baseline"}),
    ("seed_home", {"q": "", "kind": "policy"}),
    ("seed_home", {"q": "kind:policy -食品", "per_page": 100}),
    ("seed_home", {"q": "-农产品 -标准化", "kind": "policy", "sort": "newest", "per_page": 7, "page": 3}),
    ("seed_home", {"q": "", "kind": "policy", "sort": "effective", "per_page": 100}),
    ("home", {"q": '-"生产者应当"', "kind": "law", "per_page": 100}),
    ("seed_home", {"q": '-"标准化工作" -"质量监督" -食品', "kind": "policy", "per_page": 100}),
]


@pytest.mark.parametrize(("home_name", "options"), LISTINGS, ids=str)
def test_listings_run_on_the_arrays_as_whooshs_match_all(
    request: pytest.FixtureRequest, home_name: str, options: dict  # type: ignore[type-arg]
) -> None:
    listing_home = request.getfixturevalue(home_name)
    search = SearchRequest(semantic="off", **options)
    with mock.patch.object(WhooshEngine, "_run_with_whoosh", side_effect=AssertionError("took Whoosh's path")):
        fast = lexical_search(listing_home, search)
    with mock.patch.object(arrays, "evaluate", no_arrays):
        slow = lexical_search(listing_home, search)
    assert fast.total == slow.total > 0
    assert fast.facets == slow.facets
    assert keys(fast) == keys(slow) and len(fast.hits) > 0


def test_a_listing_leaves_out_excluded_and_deleted_clauses(home: Home) -> None:
    every = lexical_search(home, SearchRequest(q="", kind="law", semantic="off", per_page=100))
    kept = lexical_search(home, SearchRequest(q="-危险", kind="law", semantic="off", per_page=100))
    assert 0 < kept.total < every.total == len(every.hits)
    assert not any("危险" in h.text for h in kept.hits)
    assert set(keys(kept)) < set(keys(every))
    searcher = WhooshEngine(home).searcher
    assert every.total == sum(1 for f in searcher.all_stored_fields() if f.get("kind") == "law")


def test_excluded_phrases_match_the_clauses_whooshs_phrase_matcher_finds(home: Home) -> None:
    engine = WhooshEngine(home)
    searcher = engine.searcher
    by_frequency = sorted(searcher.lexicon("text"), key=lambda w: -searcher.doc_frequency("text", w))
    words = [w.decode() for w in by_frequency[:15]]
    live = {d for d in range(searcher.doc_count_all()) if not engine.view.arrays.deleted[d]}
    found = 0
    for first, second in itertools.permutations(words, 2):
        for field in ("text", "title"):
            phrase = Phrase(field, (first, second))
            expected = sorted(set(searcher.docs_for_query(wq.Phrase(field, [first, second]))) & live)
            assert arrays.phrase_ids(engine.view, phrase).tolist() == expected, phrase
            found += bool(expected)
    assert found  # some of the pairs are phrases of the home
    repeated = Phrase("text", ("产品", "产品"))
    assert arrays.phrase_ids(engine.view, repeated).tolist() == sorted(
        set(searcher.docs_for_query(wq.Phrase("text", ["产品", "产品"]))) & live
    )
