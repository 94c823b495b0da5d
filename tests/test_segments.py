"""Segmentation done once: the pre-segmented index is the analyzer's index, term for term,
and the cache is used only while the texts and the analyzer are unchanged."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index

from conftest import SEED, index_postings, require_shared
from stdsearch import analysis, pipeline
from stdsearch import index as index_mod
from stdsearch.batch import IndexBatch
from stdsearch.parse import parse_file
from stdsearch.records import Clause, Document
from stdsearch.segments import DocumentSegments, SegmentCache, segment_document, texts_digest, words
from stdsearch.settings import Home
from stdsearch.store import Store


def _documents() -> list[Document]:
    documents = pipeline.read_documents(SEED)
    mixed = Document(doc_id="mixed-1", title="資訊安全 ＧＢ／Ｔ 22239—2019 管理办法", kind="policy")
    mixed.clauses = [
        Clause("1", "第一条", "质量强市建设与安全生产事故报告，依照《中华人民共和国产品质量法》。", heading="第一章 总则"),
        Clause("2", "第二条", "軟體與資訊服務業 ABC-123 应当符合GB/T 19001-2016。", heading="第一章 总则"),
        Clause("3", "", "不可检索的目录", searchable=False),
    ]
    return [pipeline.prepare(d, "x", __import__("datetime").date(2026, 1, 1)) for d in [*documents, mixed]]


def _postings(directory: Path) -> dict[tuple[str, bytes], list[tuple[str, int, float, bytes]]]:
    ix = whoosh_index.open_dir(str(directory))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        keys = [searcher.stored_fields(n)["key"] for n in range(searcher.doc_count_all())]
        postings = index_postings(reader, keys, ("title", "heading", "text"))
        found = {term: sorted(rows) for term, rows in postings.items()}
        lengths = {(f, k): reader.doc_field_length(n, f) for n, k in enumerate(keys) for f in ("title", "heading", "text")}
    return found, lengths  # type: ignore[return-value]


def _build(home: Home, documents: list[Document], segmented: bool) -> Path:
    with index_mod.write_lock(home), IndexBatch(home, rebuild=True) as batch:
        for document in documents:
            batch.add(document, segment_document(document) if segmented else None)
        batch.commit()
    return index_mod.live_path(home).resolve()


def test_pre_segmented_index_equals_the_analyzers_index(tmp_path: Path) -> None:
    documents = _documents()
    by_analyzer = _postings(_build(Home.resolve(tmp_path / "a"), documents, segmented=False))
    by_segments = _postings(_build(Home.resolve(tmp_path / "b"), documents, segmented=True))
    assert by_analyzer[0], "the index holds terms"
    assert by_segments == by_analyzer


def test_segmentation_read_back_indexes_sub_words_without_the_dictionary(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    documents = _documents()
    by_analyzer = _postings(_build(Home.resolve(tmp_path / "a"), documents, segmented=False))
    blobs = [segment_document(document).to_bytes() for document in documents]

    def no_dictionary(word: str) -> tuple[str, ...]:
        raise AssertionError(f"looked up the sub-words of {word!r} in the dictionary")

    monkeypatch.setattr("stdsearch.segments._subword_texts", no_dictionary)
    home = Home.resolve(tmp_path / "b")
    with index_mod.write_lock(home), IndexBatch(home, rebuild=True) as batch:
        for document, blob in zip(documents, blobs, strict=True):
            batch.add(document, DocumentSegments.from_bytes(blob))
        batch.commit()
    by_segments = _postings(index_mod.live_path(home).resolve())
    assert any(term == ("text", "质量".encode()) for term in by_segments[0]), "sub-words of 质量强市 indexed"
    assert by_segments == by_analyzer


def test_segments_survive_serialisation_and_name_their_texts() -> None:
    document = _documents()[-1]
    segments = segment_document(document)
    assert DocumentSegments.from_bytes(segments.to_bytes()) == segments
    assert set(segments.clauses) == {"1", "2"}  # the unsearchable clause is not segmented
    assert "信息" in segments.clauses["2"].text.words  # normalised: traditional → simplified
    assert segments.digest == texts_digest(document)


def test_cache_is_used_only_for_unchanged_texts_and_analyzer(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = Home.resolve(tmp_path)
    document = _documents()[-1]
    segments = segment_document(document)
    cache = SegmentCache(home)
    cache.put_many([segments.to_bytes()])
    assert DocumentSegments.key_of(segments.to_bytes()) == (document.doc_id, texts_digest(document), segments.fingerprint)
    assert cache.get(document.doc_id, texts_digest(document)) == segments
    document.clauses[0].text += "（修订）"
    assert cache.get(document.doc_id, texts_digest(document)) is None
    monkeypatch.setattr("stdsearch.segments.fingerprint", lambda: "another analyzer")
    assert cache.get(document.doc_id, segments.digest) is None
    cache.close()


def test_reindex_reuses_stored_segmentation(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = Home.resolve(tmp_path)
    report = pipeline.ingest(home, [SEED])
    assert report.failed == 0 and report.clauses > 0

    def no_workers(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("reindex segmented again although nothing changed")

    monkeypatch.setattr("stdsearch.pipeline.segment_stored", no_workers)
    monkeypatch.setattr("stdsearch.workers.WorkerPool.run", no_workers)
    assert pipeline.reindex(home) == report.clauses
    assert Store(home).ids()


def test_a_document_stored_twice_in_one_rebuild_is_indexed_once(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / SEED.name).write_bytes(SEED.read_bytes())
    home = Home.resolve(tmp_path / "home")
    report = pipeline.ingest(home, [tmp_path / "a", tmp_path / "b"])  # no index yet: a rebuild
    assert report.failed == 0 and len(Store(home).ids()) == 1
    with index_mod.open_index(home).searcher() as searcher:
        keys = [fields["key"] for fields in searcher.all_stored_fields()]
    assert keys and len(keys) == len(set(keys))


def test_a_changed_file_is_cut_only_where_it_changed(tmp_path: Path) -> None:
    law = tmp_path / "in" / "质量法(2020-01-01).md"
    law.parent.mkdir()
    law.write_text("# 质量法\n\n<!-- INFO END -->\n\n第一条 为了加强产品质量监督管理，制定本法。\n\n"
                   "第二条 在中华人民共和国境内从事产品生产、销售活动，必须遵守本法。\n", encoding="utf-8")
    home = Home(tmp_path / "home")
    pipeline.ingest(home, [law])
    law.write_text(law.read_text(encoding="utf-8") + "\n第三条 本法自公布之日起施行。\n", encoding="utf-8")
    changed = [pipeline.prepare(d, "y", __import__("datetime").date(2026, 1, 1)) for d in pipeline.read_documents(law)]
    known = pipeline.known_texts(str(home.root), changed)
    texts = [c.text for c in changed[0].clauses if c.searchable]
    assert [t in known for t in texts] == [True, True, False]
    assert known[texts[0]] == segment_document(changed[0]).clauses[changed[0].clauses[0].clause_id].text
    assert segment_document(changed[0], known) == segment_document(changed[0])


def test_texts_cut_line_by_line_give_the_words_of_the_whole_text() -> None:
    laws = require_shared("tw-laws", "laws_sample.jsonl.gz")  # traditional Chinese: normalised whole first
    catalogue = require_shared("standards-catalogues", "sports-standards", "standards.json")
    documents = parse_file(laws)[:40] + parse_file(catalogue)[:200]
    texts = [clause.text for document in documents for clause in document.clauses if "\n" in clause.text]
    assert len(texts) > 200
    for text in texts:
        assert words(text).words == tuple(word for word, _, _ in analysis.segment(text)), text
