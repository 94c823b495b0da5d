"""A segment written by DirectSegmentWriter is the segment Whoosh's own writer writes from the
same records: everything a reader sees — postings with weights and positions, term statistics,
stored fields, field lengths, sortable columns — and, with Whoosh's compressor (zlib, level 3) in
place of zlib-ng's fastest level and Whoosh's pickle protocol (2, not 3), the same files, its column files (stored fields, lengths,
sortable columns) and postings byte for byte. (Posting blocks may be shorter: a value shared by
several postings, e.g. a title's positions on each of its clauses, is pickled once.)"""

from __future__ import annotations

import datetime as dt
import io
import zlib
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.codec import default_codec
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from conftest import SEED, index_contents, require_shared
from stdsearch import index as index_mod
from stdsearch import pipeline, segment_writer
from stdsearch.segment_writer import DirectSegmentWriter
from stdsearch.segments import segment_document

TEXT_FIELDS = ("title", "heading", "text")


def _records(folder: Path) -> list[dict[str, Any]]:
    """Index records of the documents under ``folder`` (pre-segmented) and of the seed policy
    (segmented by the analyzer at write time)."""
    today = dt.date(2026, 1, 1)
    records: list[dict[str, Any]] = []
    for path in [p for p in sorted(folder.glob("*.md")) if p.name != "_index.md"][:25]:
        for document in pipeline.read_documents(path):
            document = pipeline.prepare(document, "x", today)
            records.extend(index_mod.index_records(document, segment_document(document)))
    for document in pipeline.read_documents(SEED):
        records.extend(index_mod.index_records(pipeline.prepare(document, "x", today)))
    return records


def _by_whoosh(directory: Path, records: list[dict[str, Any]], compound: bool = True) -> None:
    directory.mkdir()
    writer = whoosh_index.create_in(str(directory), index_mod.build_schema()).writer(compound=compound)
    for record in records:
        writer.add_document(**record)
    writer.commit()


def _direct(directory: Path, records: list[dict[str, Any]], compound: bool = True) -> None:
    storage = FileStorage(str(directory)).create()
    schema = index_mod.build_schema()
    writer = DirectSegmentWriter(storage, schema, index_mod.INDEX_NAME)
    assert writer.add_all(records) == len(records)
    whoosh_index.TOC(schema, [writer.finish(compound)], 0).write(storage, index_mod.INDEX_NAME)


def _segment_files(directory: Path) -> dict[str, bytes]:
    """The files of the index's only segment, by their name without the segment id."""
    (segment,) = whoosh_index.TOC.read(FileStorage(str(directory)), index_mod.INDEX_NAME).segments
    prefix = segment.segment_id()
    return {p.name.removeprefix(prefix): p.read_bytes() for p in directory.iterdir() if p.name.startswith(prefix)}


def _seen_by_a_reader(directory: Path) -> dict[str, Any]:
    with whoosh_index.open_dir(str(directory)).reader() as reader:
        return index_contents(reader, index_mod.build_schema())


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return _records(require_shared("laws", "宪法相关法"))


@pytest.fixture()
def whooshs_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The segment writer compressing as Whoosh does, zlib at level 3 (stored fields and
    postings), and pickling postings with Whoosh's protocol, 2."""
    monkeypatch.setattr(segment_writer, "compress", zlib.compress)
    monkeypatch.setattr(segment_writer, "STORED_LEVEL", 3)
    monkeypatch.setattr(segment_writer, "COMPRESSION", 3)
    monkeypatch.setattr(segment_writer, "PICKLE_PROTOCOL", 2)


@pytest.mark.usefixtures("whooshs_encoding")
def test_direct_segment_has_whooshs_files_and_columns_byte_for_byte(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    _by_whoosh(tmp_path / "whoosh", records, compound=False)
    _direct(tmp_path / "direct", records, compound=False)
    by_whoosh, direct = _segment_files(tmp_path / "whoosh"), _segment_files(tmp_path / "direct")
    assert sorted(direct) == sorted(by_whoosh) and ".pst" in direct
    columns = [name for name in by_whoosh if name.endswith(".col")]
    assert "._stored.col" in columns and ".position.col" in columns and "._text_len.col" in columns
    assert [name for name in columns if direct[name] != by_whoosh[name]] == []


def _through_whooshs_field_writer(storage: Any, segment: Any, fields: dict[str, Any],
                                  postings: dict[str, dict[bytes, list[Any]]], lengths: dict[str, dict[int, int]]) -> None:
    """The terms and postings written one posting at a time through Whoosh's own field writer."""
    writer = default_codec().field_writer(storage, segment)
    for name in sorted(postings):
        writer.start_field(name, fields[name])
        for term in sorted(postings[name]):
            flat = iter(postings[name][term])
            writer.start_term(term)
            for docnum, weight, encoded in zip(flat, flat, flat, strict=True):
                writer.add(docnum, weight, encoded, lengths.get(name, {}).get(docnum, 0))
            writer.finish_term()
        writer.finish_field()
    writer.close()


@pytest.mark.usefixtures("whooshs_encoding")
def test_postings_and_terms_are_the_bytes_whooshs_postings_writer_makes(
    tmp_path: Path, records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segment_writer, "INLINE_LIMIT", 1)  # Whoosh's writer inlines nothing
    _direct(tmp_path / "direct", records, compound=False)
    monkeypatch.setattr(segment_writer, "write_terms", _through_whooshs_field_writer)
    _direct(tmp_path / "codec", records, compound=False)
    direct, codec = _segment_files(tmp_path / "direct"), _segment_files(tmp_path / "codec")
    assert {".pst", ".trm"} <= set(direct) and sorted(direct) == sorted(codec)
    assert [name for name in direct if direct[name] != codec[name]] == []
    with whoosh_index.open_dir(str(tmp_path / "direct")).reader() as reader:
        assert max(reader.doc_frequency("text", term) for term in reader.lexicon("text")) > 128, "several blocks"


def test_direct_segment_reads_as_whooshs_segment(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    _by_whoosh(tmp_path / "whoosh", records)
    _direct(tmp_path / "direct", records)
    by_whoosh, direct = _seen_by_a_reader(tmp_path / "whoosh"), _seen_by_a_reader(tmp_path / "direct")
    assert list(_segment_files(tmp_path / "direct")) == [".seg"], "one compound file, as Whoosh writes it"
    assert direct["count"] == len(records) > 100
    assert any(row for row in direct["lengths"]) and direct["columns"]["position"]
    for part in by_whoosh:
        assert direct[part] == by_whoosh[part], part
    assert _min_max_lengths(tmp_path / "direct") == _min_max_lengths(tmp_path / "whoosh")


def test_terms_with_few_postings_keep_them_in_the_terms_file(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    _direct(tmp_path / "direct", records)
    with whoosh_index.open_dir(str(tmp_path / "direct")).reader() as reader:
        key = records[0]["key"].encode()
        assert reader.term_info("key", key).is_inlined() and list(reader.postings("key", key).all_ids()) == [0]
        frequent = max(reader.lexicon("kind"), key=lambda term: reader.doc_frequency("kind", term))
        assert not reader.term_info("kind", frequent).is_inlined()
        inlined = [t for t in reader.lexicon("text") if reader.term_info("text", t).is_inlined()]
        assert inlined and all(reader.doc_frequency("text", t) < segment_writer.INLINE_LIMIT for t in inlined)


def test_whooshs_writer_merges_a_direct_segment_into_the_same_index(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    _direct(tmp_path / "direct", records[:-1])
    writer = whoosh_index.open_dir(str(tmp_path / "direct")).writer()
    writer.add_document(**records[-1])
    writer.commit(optimize=True)  # one segment: every posting read back and written again by Whoosh
    _by_whoosh(tmp_path / "whoosh", records[-1:] + records[:-1])  # the merged segment comes after the new document
    merged, by_whoosh = _seen_by_a_reader(tmp_path / "direct"), _seen_by_a_reader(tmp_path / "whoosh")
    assert len(whoosh_index.TOC.read(FileStorage(str(tmp_path / "direct")), index_mod.INDEX_NAME).segments) == 1
    for part in ("count", "stored", "postings", "terms", "lengths", "columns"):
        assert merged[part] == by_whoosh[part], part


def _min_max_lengths(directory: Path) -> list[tuple[int, int]]:
    with whoosh_index.open_dir(str(directory)).reader() as reader:
        return [(reader.min_field_length(f), reader.max_field_length(f)) for f in TEXT_FIELDS]


def test_a_scratch_index_splits_into_segments_at_its_memory_share(tmp_path: Path, records: list[dict[str, Any]],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_mod, "POSTING_BYTES", 1024 * 1024 // 2000)  # 1 MB: about 2,000 postings
    assert index_mod.write_scratch_index(tmp_path / "split", records, limit_mb=1) == len(records)
    _by_whoosh(tmp_path / "whoosh", records)
    segments = whoosh_index.TOC.read(FileStorage(str(tmp_path / "split")), index_mod.INDEX_NAME).segments
    assert len(segments) > 2
    split, whole = _seen_by_a_reader(tmp_path / "split"), _seen_by_a_reader(tmp_path / "whoosh")
    for part in ("count", "stored", "postings", "terms", "lengths", "columns"):
        assert split[part] == whole[part], part


def test_unknown_fields_are_refused_and_leave_no_half_document(tmp_path: Path) -> None:
    storage = FileStorage(str(tmp_path)).create()
    writer = DirectSegmentWriter(storage, index_mod.build_schema(), index_mod.INDEX_NAME)
    with pytest.raises(ValueError, match="no field named 'nonsense'"):
        writer.add({"key": "a/1", "nonsense": "x"})
    writer.add({"key": "a/1", "doc_id": "a"})
    assert writer.docnum == 1
    writer.cancel()
    assert not list(tmp_path.glob(f"{writer.segment.segment_id()}.*")), "a cancelled segment leaves no file"


def _column_bytes(column: Any, values: list[Any], doccount: int, at_once: bool) -> bytes:
    """The bytes of one column of ``doccount`` documents written by Whoosh's writer a value at a
    time (None: no value), or by the segment writer's at-once writer."""
    buffer = io.BytesIO()
    dbfile = StructFile(buffer)
    if at_once:
        whole = segment_writer._VarBytesAtOnce(column) if isinstance(column, VarBytesColumn) else \
            segment_writer._NumericAtOnce(column, "I")
        writer = whole.writer(dbfile)
        writer.add(len(values) - 1, values)
    else:
        writer = column.writer(dbfile)
        for docnum, value in enumerate(values):
            if value is not None:
                writer.add(docnum, value)
    writer.finish(doccount)
    return buffer.getvalue()


@pytest.mark.parametrize("doccount", [5, 40_000])
def test_columns_written_at_once_are_whooshs_bytes(doccount: int) -> None:
    texts = [None if n % 7 == 0 else f"值{n % 300}".encode() * (n % 3) for n in range(doccount - 2)]
    numbers = [None if n % 5 == 0 else n % 4 for n in range(doccount - 2)] + [0xFFFFFFFF]
    big = [b"x" * 70_000 if n == 1 else b"y" for n in range(min(doccount, 4))]
    for column, values in [(VarBytesColumn(), texts), (VarBytesColumn(), big), (NumericColumn("I", 0xFFFFFFFF), numbers)]:
        assert _column_bytes(column, values, doccount, at_once=True) == _column_bytes(column, values, doccount, at_once=False)
