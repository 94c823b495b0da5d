"""Hybrid search on the OpenSearch engine with the clause vectors stored in the cluster as
``knn_vector`` and the dense leg run as a filtered k-NN query there, with the fake embedder of
the semantic tests (deterministic, no model download). Needs a cluster with the k-NN plugin
(scripts/opensearch_cluster.sh start; $STDSEARCH_OPENSEARCH_URL)."""

from __future__ import annotations

import os

import pytest

np = pytest.importorskip("numpy")

from stdsearch import pipeline  # noqa: E402
from stdsearch.query import parse_query  # noqa: E402
from stdsearch.search import SearchRequest, dense, search  # noqa: E402
from stdsearch.search.engines import open_engine, opensearch  # noqa: E402
from stdsearch.settings import Home  # noqa: E402

from . import test_semantic  # noqa: E402
from .test_opensearch import cluster_url  # noqa: E402
from .test_semantic import FakeEmbedder  # noqa: E402

#: The semantic tests' fixtures: the fake embedder, and the seed home ingested lexically.
fake, home = test_semantic.fake, test_semantic.home

QUESTION = "质量奖的评审程序是怎么规定的？"


def on_knn_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search through the cluster, which must have the k-NN plugin (skip without one; fail in CI,
    where .ci/run starts the k-NN cluster)."""
    monkeypatch.setenv(opensearch.URL_ENV, cluster_url())
    monkeypatch.setenv("STDSEARCH_ENGINE", "opensearch")
    if not opensearch.knn_installed():
        if os.environ.get("CI") == "true":
            pytest.fail("the cluster has no k-NN plugin: .ci/run starts the k-NN cluster")
        pytest.skip("the cluster has no k-NN plugin (STDSEARCH_OPENSEARCH_KNN=1 scripts/opensearch_cluster.sh start)")


@pytest.fixture()
def knn_home(home: Home, fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The seed home reindexed into the cluster with its vectors (the fake embedder's)."""
    on_knn_cluster(monkeypatch)
    try:
        pipeline.reindex(home, procs=1)
        yield home
    finally:
        opensearch.drop(home)


def local_nearest(searched: Home, text: str, filters: dict[str, str], k: int) -> list[tuple[str, float]]:
    """The dense leg over the home's own vectors (what the Whoosh engine's searches use)."""
    vectors = dense.live_vectors(searched)
    assert vectors is not None
    query = dense.query_vector(vectors.model, text)
    return [(vectors.keys[row], score) for row, score in vectors.top(query, k, vectors.mask(filters))]


def test_the_cluster_stores_the_vectors_and_ranks_the_dense_leg_as_the_home_does(knn_home: Home) -> None:
    client = opensearch.client()
    index = opensearch.live_index(client, opensearch.alias_name(knn_home))
    mapping = client.indices.get_mapping(index=index)[index]["mappings"]["properties"][opensearch.VECTOR_FIELD]
    assert mapping["type"] == "knn_vector" and mapping["method"]["engine"] == "lucene"
    assert mapping["method"]["space_type"] == "innerproduct"  # the home's own ranking: dot products
    vectors = dense.live_vectors(knn_home)
    assert vectors is not None and mapping["dimension"] == vectors.matrix.shape[1]

    query = dense.query_vector(vectors.model, "评审程序")
    on_cluster = open_engine(knn_home).nearest(query, {}, 10)
    assert on_cluster is not None and len(on_cluster) == 10
    here = local_nearest(knn_home, "评审程序", {}, 10)
    assert [key for key, _ in on_cluster] == [key for key, _ in here]
    assert [score for _, score in on_cluster] == pytest.approx([score for _, score in here], abs=1e-4)


def test_the_k_nn_query_applies_the_filters(knn_home: Home) -> None:
    vectors = dense.live_vectors(knn_home)
    assert vectors is not None
    level = vectors.facets_of(vectors.keys[0])["level"]
    query = dense.query_vector(vectors.model, "评审程序")
    on_cluster = open_engine(knn_home).nearest(query, {"level": level}, 100)
    assert on_cluster and all(vectors.facets_of(key)["level"] == level for key, _ in on_cluster)
    assert {key for key, _ in on_cluster} == {key for key, _ in local_nearest(knn_home, "评审程序", {"level": level}, 100)}
    assert open_engine(knn_home).nearest(query, {"level": "no such level"}, 10) == []


def test_hybrid_search_on_the_cluster_fuses_its_k_nn_candidates(knn_home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    request = SearchRequest(q=QUESTION, per_page=5)
    assert parse_query(request.q).is_question()
    on_cluster = search(knn_home, request)
    assert any("semantic" in hit.matched_by for hit in on_cluster.hits)
    monkeypatch.setenv("STDSEARCH_ENGINE", "whoosh")
    pipeline.reindex(knn_home, procs=1)  # the same home on the embedded engine
    embedded = search(knn_home, request)
    assert [(h.key, h.matched_by) for h in on_cluster.hits] == [(h.key, h.matched_by) for h in embedded.hits]


def test_an_incremental_ingest_gives_the_cluster_the_new_clauses_vectors(knn_home: Home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    extra = tmp_path / "extra.txt"
    extra.write_text("关于计量器具检定的通知\n一、计量器具应当定期检定。\n二、检定结果应当公开。\n", encoding="utf-8")
    assert pipeline.ingest(knn_home, [extra]).failed == 0
    vectors = dense.live_vectors(knn_home)
    assert vectors is not None
    query = dense.query_vector(vectors.model, "计量器具应当定期检定")
    on_cluster = open_engine(knn_home).nearest(query, {}, 3)
    assert on_cluster is not None and "计量器具" in open_engine(knn_home).fetch([on_cluster[0][0]])[on_cluster[0][0]]["text"]
    assert [key for key, _ in on_cluster] == [key for key, _ in local_nearest(knn_home, "计量器具应当定期检定", {}, 3)]


def test_embed_gives_a_cluster_home_its_vectors(home: Home, fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    from stdsearch.semantic import config
    from stdsearch.semantic.ingest import fill_live

    on_knn_cluster(monkeypatch)
    try:
        monkeypatch.setenv(config.SEMANTIC_ENV, "off")
        pipeline.reindex(home, procs=1)  # the cluster's index, without vectors
        query = dense.query_vector(fake.name, "评审程序")
        assert open_engine(home).nearest(query, {}, 5) is None  # no vector field: ranked beside it
        monkeypatch.setenv(config.SEMANTIC_ENV, "on")
        report = fill_live(home)  # `stdsearch embed`
        assert report.vectors > 0
        on_cluster = open_engine(home).nearest(query, {}, 5)
        assert on_cluster is not None and [k for k, _ in on_cluster] == [k for k, _ in local_nearest(home, "评审程序", {}, 5)]
    finally:
        opensearch.drop(home)
