"""Semantic retrieval: the embedder interface, the cache, the vector store, fusion and the
hybrid search path, with a tiny deterministic fake embedder (fast, offline, no model)."""

from __future__ import annotations

import hashlib
import shutil

import pytest

np = pytest.importorskip("numpy")

from conftest import SEED  # noqa: E402
from stdsearch import index as index_mod  # noqa: E402
from stdsearch import pipeline  # noqa: E402
from stdsearch.errors import StdsearchError  # noqa: E402
from stdsearch.query import parse_query  # noqa: E402
from stdsearch.search import (  # noqa: E402
    FACET_FIELDS,
    SearchRequest,
    dense,
    fusion,
    hybrid,
)
from stdsearch.semantic import config, vectors  # noqa: E402
from stdsearch.semantic import embedder as embedder_mod  # noqa: E402
from stdsearch.semantic.build import live_vectors_dir  # noqa: E402
from stdsearch.semantic.cache import EmbeddingCache, embed_passages  # noqa: E402
from stdsearch.semantic.ingest import VectorCollector, coverage, fill_live, write_vectors  # noqa: E402
from stdsearch.semantic.text import PASSAGE_CHARS, passage_text, text_hash  # noqa: E402
from stdsearch.settings import Home  # noqa: E402
from stdsearch.store import Store  # noqa: E402


class FakeEmbedder:
    """Character-bigram hashing into 64 dimensions: similar texts get similar vectors."""

    name = "fake-bigrams-64"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for a, b in zip(text, text[1:], strict=False):
            digest = hashlib.md5(f"{a}{b}".encode()).digest()
            vector[digest[0] % self.dim] += 1.0
        return vector

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return embedder_mod.normalise(np.stack([self._vector(t) for t in texts]))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.embed_queries(texts)


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path) -> FakeEmbedder:  # type: ignore[no-untyped-def]
    """The fake embedder, configured as the one in use, with a fresh cache directory."""
    model = FakeEmbedder()
    embedder_mod.register("fake", lambda _arg: model)
    monkeypatch.setenv(embedder_mod.EMBEDDER_ENV, "fake")
    monkeypatch.setenv(config.SEMANTIC_ENV, "on")
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    dense.query_vector.cache_clear()
    config.reset()
    yield model
    config.reset()
    embedder_mod.REGISTRY.pop("fake", None)


@pytest.fixture()
def home(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Home:  # type: ignore[no-untyped-def]
    """A fresh home with the seed policy ingested lexically (no vectors yet)."""
    monkeypatch.setenv(config.SEMANTIC_ENV, "off")
    fresh = Home.resolve(tmp_path / "home")
    assert pipeline.ingest(fresh, [SEED]).failed == 0
    return fresh


# --- embedder, text recipe ----------------------------------------------------------------


def test_fake_embedder_satisfies_the_interface(fake: FakeEmbedder) -> None:
    chosen = embedder_mod.get_embedder()
    assert isinstance(chosen, embedder_mod.Embedder)
    matrix = chosen.embed_passages(["产品质量", "食品安全"])
    assert matrix.shape == (2, chosen.dim) and matrix.dtype == np.float32
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0)


def test_unknown_embedder_is_a_clear_error() -> None:
    with pytest.raises(embedder_mod.EmbedderUnavailable, match="unknown embedder"):
        embedder_mod.get_embedder("no-such-model")


def test_passage_text_is_title_label_and_the_start_of_the_text() -> None:
    text = passage_text("中华人民共和国产品质量法", "第二条", "在中华人民共和国境内\n从事" + "产" * 1000)
    assert text.startswith("中华人民共和国产品质量法第二条 在中华人民共和国境内 从事")
    assert len(text) == len("中华人民共和国产品质量法第二条 ") + PASSAGE_CHARS
    assert text_hash(text) == hashlib.sha1(text.encode()).hexdigest()


# --- cache -----------------------------------------------------------------------------------


def test_cache_second_run_computes_nothing(fake: FakeEmbedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    texts = [f"第{i}条 产品质量监督" for i in range(70)]
    with EmbeddingCache(tmp_path / "c") as cache:
        first, computed = embed_passages(fake, cache, texts, batch_size=32)
        assert computed == 70 and fake.texts == 70
        second, computed = embed_passages(fake, cache, texts, batch_size=32)
    assert computed == 0 and fake.texts == 70
    assert np.array_equal(first, second)


def test_cache_resumes_after_an_interruption(fake: FakeEmbedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    class Interrupted(FakeEmbedder):
        def embed_passages(self, texts: list[str]) -> np.ndarray:
            if self.calls == 1:
                raise KeyboardInterrupt
            return super().embed_passages(texts)

    texts = [f"第{i}条 食品安全" for i in range(50)]
    with EmbeddingCache(tmp_path / "c") as cache:
        with pytest.raises(KeyboardInterrupt):
            embed_passages(Interrupted(), cache, texts, batch_size=20)
        assert cache.count(fake.name) == 20
        _, computed = embed_passages(fake, cache, texts, batch_size=20)
    assert computed == 30


# --- fusion ----------------------------------------------------------------------------------


def test_rrf_rewards_agreement_and_says_who_found_what() -> None:
    lexical = [("a", 9.0), ("b", 5.0), ("c", 1.0)]
    dense = [("b", 0.9), ("d", 0.8), ("a", 0.7)]
    fused = fusion.rrf({"lexical": lexical, "semantic": dense}, k=60)
    assert [f.key for f in fused] == ["b", "a", "d", "c"]
    by_key = {f.key: f for f in fused}
    assert by_key["b"].matched_by == ["lexical", "semantic"]
    assert by_key["d"].matched_by == ["semantic"] and by_key["c"].matched_by == ["lexical"]
    assert by_key["b"].score == pytest.approx(1 / 62 + 1 / 61)


def test_weighted_fusion_normalises_each_list() -> None:
    fused = fusion.weighted({"lexical": [("a", 30.0), ("b", 10.0)], "semantic": [("b", 0.9), ("c", 0.5)]})
    scores = {f.key: round(f.score, 3) for f in fused}
    assert scores == {"a": 1.0, "b": 1.0, "c": 0.0}


def test_fuse_uses_the_configured_method_and_weight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fusion, "DENSE_WEIGHT", 1.0)
    assert fusion.fuse([("a", 1.0)], [("b", 0.5)], method="rrf")[0].key == "a"
    monkeypatch.setattr(fusion, "DENSE_WEIGHT", 2.0)
    assert fusion.fuse([("a", 1.0)], [("b", 0.5)], method="rrf")[0].key == "b"
    monkeypatch.setattr(fusion, "METHOD", "weighted")
    fused = fusion.fuse([("a", 9.0), ("c", 1.0)], [("c", 0.9), ("b", 0.5)])
    assert [f.key for f in fused] == ["c", "a", "b"]
    with pytest.raises(ValueError):
        fusion.fuse([], [], method="nope")


def test_dense_priors_scale_a_candidates_contribution() -> None:
    lexical, dense = [("a", 9.0), ("b", 5.0)], [("r", 0.9), ("a", 0.8)]
    plain = {f.key: f.score for f in fusion.fuse(lexical, dense, method="rrf")}
    demoted = {f.key: f.score for f in fusion.fuse(lexical, dense, method="rrf", dense_priors={"r": 0.5})}
    assert demoted["r"] == pytest.approx(plain["r"] * 0.5)
    assert demoted["a"] == plain["a"] and demoted["b"] == plain["b"]


def test_document_priors_demote_regulations_and_withdrawn_clauses() -> None:
    from stdsearch.search.plan import NOT_CURRENT_FACTOR, QUESTION_LEVEL_PRIOR

    sample = _sample_set()  # even rows 法律, odd rows 行政法规
    sample.current[2] = 0
    priors = hybrid.document_priors(sample, ["d0/a0", "d1/a1", "d2/a2", "nowhere/x"])
    assert priors == {"d1/a1": QUESTION_LEVEL_PRIOR["行政法规"], "d2/a2": NOT_CURRENT_FACTOR}


# --- vector store ----------------------------------------------------------------------------


def _sample_set(rows: int = 40, dim: int = 16) -> vectors.VectorSet:
    rng = np.random.default_rng(7)
    matrix = embedder_mod.normalise(rng.normal(size=(rows, dim)))
    levels = np.array([i % 2 for i in range(rows)], dtype=np.int32)
    return vectors.VectorSet(
        model="m", keys=[f"d{i}/a{i}" for i in range(rows)], hashes=[f"h{i}" for i in range(rows)],
        matrix=matrix, facet_codes={"level": levels}, facet_values={"level": ["法律", "行政法规"]},
        current=np.ones(rows, dtype=np.int8),
    )


@pytest.mark.parametrize("encoding", vectors.ENCODINGS)
def test_vectors_round_trip_and_rank_alike(tmp_path, encoding: str) -> None:  # type: ignore[no-untyped-def]
    original = _sample_set()
    vectors.write(tmp_path, original, encoding)
    loaded = vectors.read(tmp_path)
    assert loaded is not None and loaded.keys == original.keys and loaded.hashes == original.hashes
    assert np.abs(loaded.matrix - original.matrix).max() < 0.01
    query = original.matrix[3]
    assert loaded.top(query, 1)[0][0] == 3


def test_top_respects_the_facet_mask() -> None:
    sample = _sample_set()
    mask = sample.mask({"level": "行政法规"})
    assert all(row % 2 == 1 for row, _ in sample.top(sample.matrix[4], 5, mask))
    assert not sample.mask({"level": "no such level"}).any()
    assert sample.mask({}) is None


def test_a_multi_valued_facet_mask_passes_a_row_holding_the_value_among_others() -> None:
    sample = _sample_set(rows=4)
    sample.facet_codes["ics"] = np.array([0, 1, 2, 0], dtype=np.int32)
    sample.facet_values["ics"] = ["03.120.10", "03.120.10,97.200.50", "97.200.50"]
    assert sample.mask({"ics": "97.200.50"}).tolist() == [False, True, True, False]
    assert sample.mask({"ics": "03.120.10", "level": "行政法规"}).tolist() == [False, True, False, True]
    assert not sample.mask({"ics": "97.200"}).any()  # whole codes only, as in the index


CATALOGUE = """编号,名称,ICS,CCS,简介
GB/T 1-2020,体育场地合成材料面层的检测方法,97.220.10;97.200,Y55,规定了运动场地合成材料面层的检测。
GB/T 2-2020,学校运动场地合成材料面层要求,97.220.10,Y55,规定了学校运动场地面层的有害物质限量。
GB/T 3-2020,医疗器械质量管理体系,03.120.10,C30,规定了医疗器械企业质量管理体系的要求。
"""


def test_hybrid_search_honours_the_standards_filters(tmp_path, fake: FakeEmbedder) -> None:  # type: ignore[no-untyped-def]
    from stdsearch.search import search

    catalogue = tmp_path / "standards.csv"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    home = Home.resolve(tmp_path / "catalogue-home")
    assert pipeline.ingest(home, [catalogue]).failed == 0
    fill_live(home)
    for filters, expected in (({"ics": "97.200"}, {"GB/T 1-2020"}), ({"ics": "97"}, {"GB/T 1-2020", "GB/T 2-2020"}),
                              ({"ccs": "C30"}, {"GB/T 3-2020"}), ({"mandatory": "推荐性", "ics": "03"}, {"GB/T 3-2020"})):
        request = SearchRequest(q="运动场地面层有什么要求？", semantic="on", per_page=10, **filters)
        assert hybrid.wants(home, request, parse_query(request.q)), filters
        results = search(home, request)
        assert {hit.number for hit in results.hits} == expected, filters
        assert any("semantic" in hit.matched_by for hit in results.hits), filters


def test_a_failed_vector_write_leaves_the_old_vectors(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    vectors.write(tmp_path, _sample_set(rows=10))
    before = vectors.version(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(vectors.np, "savez", broken)
    with pytest.raises(OSError):
        vectors.write(tmp_path, _sample_set(rows=20))
    assert vectors.version(tmp_path) == before
    assert len(vectors.read(tmp_path)) == 10


# --- a home: embed, coverage, hybrid search ---------------------------------------------------


def test_embed_fills_the_live_index_and_a_second_run_computes_nothing(home: Home, fake: FakeEmbedder) -> None:
    assert coverage(home)["vectors"] == 0
    report = fill_live(home)
    clauses = index_mod.open_index(home).doc_count()
    assert report.vectors == clauses and report.computed == clauses == fake.texts
    figures = coverage(home)
    assert figures["coverage"] == 1.0 and figures["encoding"] == "int8" and figures["cached"] == clauses
    assert fill_live(home).computed == 0 and fake.texts == clauses


def test_a_rebuilt_generation_gets_its_vectors_from_the_cache(home: Home, fake: FakeEmbedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fill_live(home)
    computed_before = fake.texts
    generation = tmp_path / "gen-new"
    generation.mkdir()
    assert write_vectors(home, generation, Store(home).documents()) == 0
    assert fake.texts == computed_before
    assert len(vectors.read(generation)) == index_mod.open_index(home).doc_count()


def test_vectors_carry_over_from_the_live_generation_without_a_cache(home: Home, fake: FakeEmbedder, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    fill_live(home)
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "empty-cache"))
    collector = VectorCollector(home)
    for document in Store(home).documents():
        collector.add(document)
    generation = tmp_path / "gen-x"
    generation.mkdir()
    assert collector.write(generation, compute=False) == 0
    assert len(vectors.read(generation)) == index_mod.open_index(home).doc_count()


def test_hybrid_search_fuses_and_tags_hits(home: Home, fake: FakeEmbedder) -> None:
    fill_live(home)
    from stdsearch.search import search

    request = SearchRequest(q="质量奖的评审程序是怎么规定的？", per_page=5)
    parsed = parse_query(request.q)
    assert hybrid.wants(home, request, parsed)
    lexical = search(home, hybrid.lexical_request(request))
    results = hybrid.hybrid(home, request, parsed, lexical)
    assert results.hits == search(home, request).hits  # what search() answers
    assert 0 < len(results.hits) <= 5
    assert all(set(hit.matched_by) <= {"lexical", "semantic"} and hit.matched_by for hit in results.hits)
    assert any("semantic" in hit.matched_by for hit in results.hits)
    assert results.total >= lexical.total


def test_keyword_queries_and_semantic_off_stay_lexical(home: Home, fake: FakeEmbedder) -> None:
    fill_live(home)
    assert not hybrid.wants(home, SearchRequest(q="质量奖"), parse_query("质量奖"))
    off = SearchRequest(q="质量奖的评审程序是怎么规定的？")
    off.semantic = "off"  # type: ignore[attr-defined]
    assert not hybrid.wants(home, off, parse_query(off.q))
    on = SearchRequest(q="质量奖")
    on.semantic = "on"  # type: ignore[attr-defined]
    assert hybrid.wants(home, on, parse_query(on.q))


def test_without_vectors_hybrid_is_not_used(home: Home, fake: FakeEmbedder) -> None:
    assert not hybrid.wants(home, SearchRequest(q="质量奖的评审程序是怎么规定的？"), parse_query("质量奖的评审程序是怎么规定的？"))


def test_dense_search_respects_filters(home: Home, fake: FakeEmbedder) -> None:
    fill_live(home)
    hits = hybrid.dense_search(home, SearchRequest(q="评审程序", per_page=10), parse_query("评审程序")).hits
    assert hits and all(hit.matched_by == ["semantic"] for hit in hits)
    none = hybrid.dense_search(home, SearchRequest(q="评审程序", level="no such level"), parse_query("评审程序")).hits
    assert none == []


def test_vectors_keep_every_declared_facet(home: Home, fake: FakeEmbedder) -> None:
    fill_live(home)
    stored = vectors.read(live_vectors_dir(home))
    assert stored is not None and set(stored.facet_codes) == set(FACET_FIELDS)
    key = stored.keys[0]
    doc_id, clause_id = key.split("/", 1)
    document = Store(home).get(doc_id)
    clause = next(c for c in document.clauses if c.clause_id == clause_id)
    assert stored.facets_of(key) == index_mod.facet_values(document, clause)


# --- the pipeline integration ---------------------------------------------------------------


def test_vectors_live_in_their_own_folder_beside_the_index(home: Home, fake: FakeEmbedder) -> None:
    fill_live(home)
    pipeline.reindex(home, procs=1)
    assert live_vectors_dir(home) == home.vectors
    assert vectors.version(index_mod.live_path(home).resolve()) == ""  # none inside the Whoosh generation
    assert len(vectors.read(home.vectors)) == index_mod.clause_count(home)


def test_vectors_of_a_home_written_before_they_had_a_folder_are_read_and_carried_over(home: Home, fake: FakeEmbedder) -> None:
    fill_live(home)
    generation = index_mod.live_path(home).resolve()
    vectors.write(generation, vectors.read(home.vectors))  # where an older stdsearch kept them
    shutil.rmtree(home.vectors)
    assert live_vectors_dir(home) == generation and hybrid.live_vectors(home) is not None
    computed = fake.texts
    pipeline.reindex(home, procs=1)
    assert fake.texts == computed and live_vectors_dir(home) == home.vectors
    assert coverage(home)["coverage"] == 1.0


def test_a_failed_vectors_write_leaves_the_old_vectors_serving(home: Home, fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    fill_live(home)
    old = vectors.version(home.vectors)
    count = len(vectors.read(home.vectors))

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(vectors, "write", broken)
    monkeypatch.setattr("stdsearch.semantic.ingest.write", broken)
    with pytest.raises(OSError):
        pipeline.reindex(home, procs=1)
    assert vectors.version(home.vectors) == old and len(vectors.read(home.vectors)) == count


def test_an_interrupted_embedding_leaves_the_index_and_vectors_as_they_were(home: Home, fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    fill_live(home)
    generation, old = index_mod.live_generation(home), vectors.version(home.vectors)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("stdsearch.semantic.ingest.build", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.reindex(home, procs=1)
    assert index_mod.live_generation(home) == generation and vectors.version(home.vectors) == old


def test_reindex_of_unchanged_text_computes_nothing(home: Home, fake: FakeEmbedder) -> None:
    fill_live(home)
    computed = fake.texts
    pipeline.reindex(home, procs=1)
    assert fake.texts == computed
    assert coverage(home)["coverage"] == 1.0


def _search_integrated() -> bool:
    return any(f.name == "semantic" for f in __import__("dataclasses").fields(SearchRequest))


@pytest.mark.skipif(not _search_integrated(), reason="SearchRequest has no semantic parameter yet")
def test_search_fuses_questions_and_keeps_keywords_lexical(home: Home, fake: FakeEmbedder) -> None:
    from stdsearch.search import search

    fill_live(home)
    question = search(home, SearchRequest(q="质量奖的评审程序是怎么规定的？", per_page=5))
    assert any("semantic" in hit.matched_by for hit in question.hits)
    keyword = search(home, SearchRequest(q="质量奖", per_page=5))
    assert all(hit.matched_by == [] for hit in keyword.hits)
    off = search(home, SearchRequest(q="质量奖的评审程序是怎么规定的？", per_page=5, semantic="off"))  # type: ignore[call-arg]
    assert all(hit.matched_by == [] for hit in off.hits)


def test_an_incremental_ingest_embeds_only_the_new_clauses(home: Home, fake: FakeEmbedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fill_live(home)
    before = fake.texts
    extra = tmp_path / "extra.txt"
    extra.write_text("关于计量器具检定的通知\n一、计量器具应当定期检定。\n二、检定结果应当公开。\n", encoding="utf-8")
    assert pipeline.ingest(home, [extra]).failed == 0
    figures = coverage(home)
    assert figures["coverage"] == 1.0
    assert 0 < fake.texts - before <= 3


# --- stdsearch embed ------------------------------------------------------------------------


def test_embed_command_fills_in_and_reports(home: Home, fake: FakeEmbedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from click.testing import CliRunner

    from stdsearch.cli import main

    cache = tmp_path / "shared-cache"
    result = CliRunner().invoke(main, ["embed", "--home", str(home.root), "--embed-cache", str(cache), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["vectors"] == report["clauses"] == report["computed"] > 0
    assert (cache / "embeddings.sqlite3").exists()


def test_embed_command_says_how_to_install_the_model(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from stdsearch.cli import main

    monkeypatch.setattr(embedder_mod, "is_installed", lambda: False)
    result = CliRunner().invoke(main, ["--home", str(home.root), "embed"])
    assert result.exit_code == 1 and "pip install 'stdsearch[semantic]'" in result.output


def test_semantic_off_computes_nothing_but_keeps_cached_vectors(home: Home, fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    fill_live(home)
    computed = fake.texts
    monkeypatch.setenv(config.SEMANTIC_ENV, "off")
    pipeline.reindex(home, procs=1)
    assert fake.texts == computed and coverage(home)["coverage"] == 1.0


def test_a_lexical_only_home_gets_no_cache_or_vectors(home: Home) -> None:
    assert not (home.corpus / "embeddings").exists()
    assert live_vectors_dir(home) is None and not home.vectors.exists()


def test_a_lexical_only_rebuild_holds_no_clause_texts_yet_keeps_cached_vectors(home: Home, fake: FakeEmbedder, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    fill_live(home)
    monkeypatch.setenv(config.SEMANTIC_ENV, "off")
    collector = VectorCollector(home)
    for document in Store(home).documents():
        collector.add(document)
    assert collector.items and not any(p.text for p in collector.items), "texts grow with the corpus"
    assert len({id(p.facets) for p in collector.items}) < len(collector.items), "equal facets are one dict"
    generation = tmp_path / "gen-off"
    generation.mkdir()
    assert collector.write(generation) == 0
    assert len(vectors.read(generation)) == index_mod.open_index(home).doc_count()
    with pytest.raises(StdsearchError, match="kept no clause texts"):
        collector.build(compute=True)


def test_a_lexical_only_home_rebuilt_holds_no_passages(home: Home, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(config.SEMANTIC_ENV, "off")
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "no-cache"))
    lexical = Home.resolve(tmp_path / "lexical")
    collector = VectorCollector(lexical)
    for document in Store(home).documents():
        collector.add(document)
    assert not collector.wanted and collector.items == []
    pipeline.ingest(lexical, [SEED])
    assert live_vectors_dir(lexical) is None and not lexical.vectors.exists()


def test_a_rebuild_indexing_as_it_parses_gives_each_clause_one_vector(tmp_path, fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from conftest import require_shared

    laws = require_shared("laws", "宪法相关法")
    inbox, again = tmp_path / "inbox", tmp_path / "again"
    shutil.copytree(laws, inbox)
    again.mkdir()
    twice = sorted(inbox.glob("*.md"))[-1]
    shutil.copy(twice, again / twice.name)  # one law from two files: its first copy is not the one indexed
    monkeypatch.setattr(pipeline, "PARALLEL_INDEX_MIN", 2)  # parse workers index what they parse
    home = Home.resolve(tmp_path / "home")
    report = pipeline.ingest(home, [again, inbox], processes=2)
    assert report.failed == 0 and report.updated == 1
    live = vectors.read(home.vectors)
    assert live is not None
    with index_mod.open_index(home).searcher() as searcher:
        clause_keys = sorted(fields["key"] for fields in searcher.all_stored_fields())
    assert sorted(live.keys) == clause_keys and len(clause_keys) == report.clauses
