"""The OpenSearch engine: identical tokens to Whoosh's, plans mapped onto the query DSL, and,
on a real cluster (scripts/opensearch_cluster.sh; $STDSEARCH_OPENSEARCH_URL), the alias swap of a
rebuild and clear errors while a node is down."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import PROJECT
from stdsearch import analysis
from stdsearch.search.engines import opensearch
from stdsearch.search.plan import QUESTION_K1, AllOf, AnyOf, Nothing, Phrase, Plan, Term

CLUSTER_SCRIPT = PROJECT / "scripts" / "opensearch_cluster.sh"
CLAUSE = "企业应当建立健全食品安全管理制度，GB 2760-2014规定的食品添加剂不得超范围使用。"


def whoosh_tokens(text: str, subwords: bool) -> list[str]:
    """The tokens Whoosh's analyzer indexes for ``text``."""
    return [t.text for t in analysis.ChineseTokenizer(subwords=subwords)(text)]


def test_clause_tokens_are_whooshs_tokens() -> None:
    source = opensearch.source_of(
        {"key": "d/1", "doc_id": "d", "title": "食品安全法", "heading": "第一章 总则", "text": CLAUSE, "number_keys": "a,b"},
        ordinal=7,
    )
    assert source["text_tokens"].split() == whoosh_tokens(CLAUSE, subwords=True)
    assert source["text_words"].split() == whoosh_tokens(CLAUSE, subwords=False)
    assert source["title_tokens"].split() == whoosh_tokens("食品安全法", subwords=False)
    assert source["number_keys"] == ["a", "b"] and source["ordinal"] == 7
    assert source["text"] == CLAUSE  # the stored text is the original
    empty = opensearch.source_of({"key": "d/2", "doc_id": "d", "title": "t", "heading": "", "text": "x"}, 8)
    assert empty["heading_tokens"] == opensearch.EMPTY_FIELD_TOKEN  # counted in the average length
    assert not analysis.is_wordlike(opensearch.EMPTY_FIELD_TOKEN)  # and never searched


def test_multi_valued_facets_are_keyword_lists_and_read_back_joined() -> None:
    record = {"key": "d/1", "doc_id": "d", "title": "t", "heading": "", "text": "x", "ics": "97.190.10,97.200.50",
              "ics_group": "97.190,97.200", "ccs": "Y14", "level": "国家标准"}
    source = opensearch.source_of(record, ordinal=1)
    assert source["ics"] == ["97.190.10", "97.200.50"] and source["ics_group"] == ["97.190", "97.200"]
    assert source["ccs"] == ["Y14"] and source["level"] == "国家标准"
    stored = opensearch._stored(source)
    assert stored["ics"] == record["ics"] and stored["ccs"] == "Y14"


def test_the_writer_indexes_the_words_ingest_cut_without_segmenting_again(seed_home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from stdsearch.store import Store

    documents = list(Store(seed_home).documents())
    expected = [opensearch.source_of(dict(r, text=r["_stored_text"], title=r["_stored_title"],
                                          heading=r["_stored_heading"]), 0)
                for r in opensearch.records_of(seed_home, documents)]

    def no_segmenting(text: str) -> None:
        raise AssertionError(f"segmented again: {text[:20]}")

    monkeypatch.setattr(opensearch, "segment_words", no_segmenting)
    sources = [opensearch.source_of(r, 0) for r in opensearch.records_of(seed_home, documents)]
    assert len(sources) == len(expected) > 10
    assert sources == expected  # the same tokens and stored strings as segmenting the text here
    assert not any(name.startswith(opensearch.STORED_PREFIX) for s in sources for name in s)


def test_plan_nodes_map_onto_the_query_dsl() -> None:
    query = AllOf((AnyOf((Term("title", "食品", 2.0), Term("text", "食品"))), Term("text", "安全")), (Phrase("text", ("添加", "剂")),))
    dsl = opensearch.to_dsl(query, QUESTION_K1)
    must = dsl["bool"]["must"]
    assert must[0]["bool"]["should"][0] == {"term": {"title_tokens.q": {"value": "食品", "boost": 2.0}}}
    assert must[1] == {"term": {"text_tokens.q": {"value": "安全", "boost": 1.0}}}
    assert dsl["bool"]["must_not"] == [{"match_phrase": {"text_words": {"query": "添加 剂", "boost": 1.0}}}]
    assert opensearch.to_dsl(AllOf((Term("text", "a"), Nothing())), QUESTION_K1) == {"match_none": {}}


def test_priors_and_filters_become_function_score_weights() -> None:
    plan = Plan(query=Term("text", "食品"), kind="question", filters={"kind": "law"}, level_prior={"行政法规": 0.7})
    query = opensearch.with_priors(opensearch.filtered(plan), plan, not_current=True)
    functions = query["function_score"]["functions"]
    assert {"filter": {"term": {"level": "行政法规"}}, "weight": 0.7} in functions
    assert {"filter": {"term": {"current": 0}}, "weight": plan.not_current_factor} in functions
    assert query["function_score"]["query"]["bool"]["filter"] == [{"term": {"kind": "law"}}]
    dated = Plan(query=Term("text", "食品"), kind="keyword", documents=frozenset({"b", "a"}))
    assert opensearch.filtered(dated)["bool"]["filter"] == [{"terms": {"doc_id": ["a", "b"]}}]


def test_document_evidence_adds_the_best_clause_of_the_document() -> None:
    hits = [
        {"_id": "a/1", "_score": 10.0, "_source": {"doc_id": "a", "current": 1, "ordinal": 1}},
        {"_id": "b/1", "_score": 9.0, "_source": {"doc_id": "b", "current": 1, "ordinal": 2}},
        {"_id": "b/2", "_score": 8.0, "_source": {"doc_id": "b", "current": 1, "ordinal": 3}},
        {"_id": "c/1", "_score": 9.5, "_source": {"doc_id": "c", "current": 0, "ordinal": 4}},
    ]
    ranked = opensearch.document_evidence(hits, 0.3, 0.7)
    assert [h["_id"] for h, _ in ranked] == ["a/1", "b/1", "b/2", "c/1"]
    assert ranked[2][1] == pytest.approx(8.0 + 0.3 * 9.0)
    assert ranked[3][1] == pytest.approx((9.5 + 0.3 * 9.5) * 0.7)


def test_the_frequencies_request_counts_the_clauses_too() -> None:
    class Client:
        def __init__(self) -> None:
            self.requests: list[str] = []

        def search(self, index: str, body: dict) -> dict:  # type: ignore[type-arg]
            self.requests.append("search")
            assert body["track_total_hits"] is (self.requests.count("search") == 1)
            buckets = {name: {"doc_count": 3} for name in body["aggs"]["df"]["filters"]["filters"]}
            return {"hits": {"total": {"value": 43}}, "aggregations": {"df": {"buckets": buckets}}}

        def count(self, index: str) -> dict:  # type: ignore[type-arg]
            self.requests.append("count")
            return {"count": 43}

    engine = opensearch.OpenSearchEngine.__new__(opensearch.OpenSearchEngine)
    engine.client, engine.alias = Client(), "a"
    engine._vocabulary = opensearch.OpenSearchVocabulary(engine)
    corrections = engine.corrections(Plan(query=AnyOf((Term("text", "食品"), Term("title", "安全"))), kind="keyword"))
    assert set(corrections) == {("text", "食品"), ("title", "安全")}
    engine.vocabulary().doc_frequency("text", "质量")
    assert engine.client.requests == ["search", "search"]  # no count request: the first search counted
    assert engine.vocabulary().clause_count() == 43


def test_a_keyword_query_asks_for_its_words_frequencies_in_one_request() -> None:
    from stdsearch.query import parse_query
    from stdsearch.search import SearchRequest
    from stdsearch.search import plan as plan_mod

    class Client:
        def __init__(self) -> None:
            self.asked: list[set[str]] = []

        def search(self, index: str, body: dict) -> dict:  # type: ignore[type-arg]
            filters = body["aggs"]["df"]["filters"]["filters"]
            self.asked.append({next(iter(f["term"].values())) for f in filters.values()})
            buckets = {name: {"doc_count": 3} for name in filters}
            return {"hits": {"total": {"value": 43}}, "aggregations": {"df": {"buckets": buckets}}}

    engine = opensearch.OpenSearchEngine.__new__(opensearch.OpenSearchEngine)
    engine.client, engine.alias = Client(), "a"
    engine._vocabulary = opensearch.OpenSearchVocabulary(engine)
    request = SearchRequest(q="食品 安全 标准 添加剂")
    plan = next(plan_mod.plans(request, parse_query(request.q), engine.vocabulary(), lambda text: []))
    assert plan.kind == "keyword"
    assert engine.client.asked == [{"食品", "安全", "标准", "添加剂"}]  # every word, at once
    engine.corrections(plan)
    assert len(engine.client.asked) == 1  # the search's idf corrections are known already


def test_inner_product_scores_turn_back_into_dot_products() -> None:
    for dot in (0.93, 0.25, 0.0, -0.4):
        score = dot + 1 if dot >= 0 else 1 / (1 - dot)  # OpenSearch's innerproduct space
        assert opensearch.inner_product(score) == pytest.approx(dot)


def test_idf_correction_turns_lucene_idf_into_whooshs() -> None:
    for df, clauses in ((1, 43), (40, 43), (43, 43), (500, 147_289)):
        corrected = opensearch.lucene_idf(df, clauses) * opensearch.idf_correction(df, clauses)
        assert corrected == pytest.approx(opensearch.whoosh_idf(df, clauses))


# --- on a real cluster ----------------------------------------------------------------------


AGREED_QUERIES = ["质量", "质量 安全 发展", "企业如何申请质量奖？", '"质量强市"', "质量 -食品", "灶"]


def test_both_engines_rank_the_seed_policy_alike(seed_home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cluster_url()
    from conftest import on_engine
    from stdsearch.search import SearchRequest, search

    on_engine(seed_home, "opensearch")
    answers = {}
    for engine in ("whoosh", "opensearch"):
        monkeypatch.setenv("STDSEARCH_ENGINE", engine)
        answers[engine] = [search(seed_home, SearchRequest(q=q, per_page=10, semantic="off")) for q in AGREED_QUERIES]
    for whoosh, cluster in zip(answers["whoosh"], answers["opensearch"], strict=True):
        assert cluster.total == whoosh.total, whoosh.query
        assert cluster.facets == whoosh.facets, whoosh.query
        assert [h.clause_id for h in cluster.hits] == [h.clause_id for h in whoosh.hits], whoosh.query
        if not whoosh.query.startswith('"'):  # phrase scores differ between the engines
            for a, b in zip(whoosh.hits, cluster.hits, strict=True):
                assert b.score == pytest.approx(a.score, rel=0.05), whoosh.query




def cluster_url() -> str:
    """The cluster's URL, or skip (fail in CI) when none is configured."""
    url = os.environ.get(opensearch.URL_ENV, "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"${opensearch.URL_ENV} is not set: .ci/run must start the cluster")
        pytest.skip(f"no OpenSearch cluster: ${opensearch.URL_ENV} is unset (scripts/opensearch_cluster.sh start)")
    return url


def managed_cluster(url: str) -> bool:
    """True when ``url`` is the cluster scripts/opensearch_cluster.sh runs (so a test may stop a node)."""
    printed = subprocess.run(["bash", str(CLUSTER_SCRIPT), "url"], capture_output=True, text=True, check=False)
    return printed.stdout.strip() == url.split(",")[0].rstrip("/")


def test_rebuild_swaps_the_alias_onto_a_new_index(seed_home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cluster_url()
    monkeypatch.setenv(opensearch.INDEX_ENV, "stdsearch-test-swap")
    from stdsearch.store import Store

    records = list(opensearch.records_of(seed_home, Store(seed_home).documents()))
    client = opensearch.client()
    try:
        opensearch.rebuild(seed_home, records)
        first = opensearch.live_index(client, "stdsearch-test-swap")
        opensearch.rebuild(seed_home, records[:5])
        second = opensearch.live_index(client, "stdsearch-test-swap")
        assert first != second
        assert not client.indices.exists(index=first)  # the old index is gone
        assert opensearch.clause_count(seed_home) == 5
        settings = client.indices.get_settings(index=second)[second]["settings"]["index"]
        assert settings["number_of_shards"] == "2"
    finally:
        opensearch.drop(seed_home)


@pytest.mark.slow
def test_a_node_down_gives_503_and_a_cli_message_then_search_recovers(seed_home, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = cluster_url()
    if not managed_cluster(url):
        pytest.skip("the configured cluster is not the one scripts/opensearch_cluster.sh runs")
    from stdsearch.store import Store
    from stdsearch.web import create_app

    monkeypatch.setenv("STDSEARCH_ENGINE", "opensearch")
    monkeypatch.setenv(opensearch.INDEX_ENV, "stdsearch-test-failover")
    opensearch.rebuild(seed_home, opensearch.records_of(seed_home, Store(seed_home).documents()))
    api = create_app({"HOME": seed_home, "TESTING": True}).test_client()
    before = api.get("/api/search?q=奖励")
    assert before.status_code == 200 and before.get_json()["total"] >= 1

    # Searches running while the node the URL names stops: each succeeds or fails cleanly.
    outcomes: list[str] = []
    stop = threading.Event()

    def keep_searching() -> None:
        from stdsearch.search import SearchRequest, search

        while not stop.is_set():
            try:
                search(seed_home, SearchRequest(q="奖励", semantic="off"))
                outcomes.append("ok")
            except opensearch.EngineUnavailable:
                outcomes.append("unavailable")
            except Exception as error:  # noqa: BLE001 - any other error is the failure under test
                outcomes.append(f"{type(error).__name__}: {error}")

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        time.sleep(0.5)
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "stop-node", "1"], check=True, capture_output=True, timeout=120)
        time.sleep(1.0)
        stop.set()
        searcher.join(timeout=60)
        assert outcomes and set(outcomes) <= {"ok", "unavailable"}, outcomes[-3:]
        assert outcomes[-1] == "unavailable"

        down = api.get("/api/search?q=奖励")
        assert down.status_code == 503
        assert "cannot answer" in down.get_json()["error"]["message"]
        cli = subprocess.run(
            [sys.executable, "-m", "stdsearch.cli", "--home", str(seed_home.root), "search", "奖励",
             "--engine", "opensearch", "--opensearch-url", url],
            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(PROJECT / "src")},
        )
        assert cli.returncode != 0
        assert "cannot answer" in cli.stderr and "Traceback" not in cli.stderr
    finally:
        stop.set()
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "start-node", "1"], check=True, capture_output=True, timeout=400)
    try:
        again = api.get("/api/search?q=奖励")
        assert again.status_code == 200 and again.get_json()["hits"] == before.get_json()["hits"]
    finally:
        opensearch.drop(seed_home)


def test_cluster_script_prints_its_url_last() -> None:
    text = Path(CLUSTER_SCRIPT).read_text(encoding="utf-8")
    assert "integ-test-zip:opensearch" in text
    printed = subprocess.run(["bash", str(CLUSTER_SCRIPT), "url"], capture_output=True, text=True, check=True)
    assert printed.stdout.strip().startswith("http://127.0.0.1:")


def test_ingest_and_remove_keep_the_cluster_in_step(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cluster_url()
    from conftest import SEED
    from stdsearch import pipeline
    from stdsearch.search import SearchRequest, search
    from stdsearch.settings import Home

    monkeypatch.setenv("STDSEARCH_ENGINE", "opensearch")
    home = Home.resolve(tmp_path / "home")
    try:
        report = pipeline.ingest(home, [SEED])
        assert opensearch.clause_count(home) == report.clauses > 0
        found = search(home, SearchRequest(q="明厨亮灶", semantic="off"))
        assert found.total >= 1 and found.hits[0].label == "2."
        pipeline.remove(home, [found.hits[0].doc_id])
        assert opensearch.clause_count(home) == 0
        assert search(home, SearchRequest(q="明厨亮灶", semantic="off")).total == 0
    finally:
        opensearch.drop(home)


def test_a_home_on_the_cluster_holds_no_whoosh_index(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """ingest, reindex, search, stats and serving through --engine opensearch write the clauses
    to the cluster only: the home keeps its corpus, its vectors folder, and no Whoosh index."""
    import json

    from click.testing import CliRunner

    from conftest import SEED
    from stdsearch import index as index_mod
    from stdsearch.cli import main
    from stdsearch.settings import Home
    from stdsearch.web import create_app

    url = cluster_url()
    home = Home.resolve(tmp_path / "home")
    options = ["--engine", "opensearch", "--opensearch-url", url]
    monkeypatch.setenv("STDSEARCH_ENGINE", "opensearch")  # what the options export, undone after the test
    monkeypatch.setenv(opensearch.URL_ENV, url)
    monkeypatch.setattr(opensearch, "BULK_CHUNK", 2)  # records sent every 8, as a big batch sends them

    def cli(*args: str) -> dict:  # type: ignore[type-arg]
        result = CliRunner().invoke(main, ["--home", str(home.root), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.output.strip().splitlines()[-1])

    try:
        ingested = cli("ingest", str(SEED), "--json", *options)
        assert ingested["clauses"] > 0 and opensearch.clause_count(home) == ingested["clauses"]
        first = opensearch.live_index(opensearch.client(), opensearch.alias_name(home))
        assert cli("reindex", "--json", *options)["clauses"] == ingested["clauses"]
        assert opensearch.live_index(opensearch.client(), opensearch.alias_name(home)) != first
        found = cli("search", "明厨亮灶", "--json", "--semantic", "off", *options)
        assert found["total"] >= 1 and found["hits"][0]["label"] == "2."
        assert cli("stats", "--json", *options)["clauses"] == ingested["clauses"]
        assert opensearch.index_bytes(home) > 0 and index_mod.size_on_disk(home) == 0
        page = create_app({"HOME": home, "TESTING": True}).test_client().get("/api/search?q=明厨亮灶")
        assert page.status_code == 200 and page.get_json()["total"] == found["total"]
        assert not index_mod.exists(home)
        assert not list(home.index.glob("gen-*")) and not index_mod.live_path(home).exists()
    finally:
        opensearch.drop(home)
