"""Whoosh segments written straight from clause records, through Whoosh's codec API.

Whoosh's own writer (``SegmentWriter.add_document``) puts every posting through a sorting
pool that spills runs to disk, then reads each posting's field length back from the column
files it has just written (a ``stat()`` per posting). A rebuild needs none of that: records
arrive in document-number order, so each term's postings are already sorted when they are
collected per field in memory; terms are sorted once per field at the end, and the field
lengths are the ones just counted. What goes on disk is made by Whoosh's codec itself
(``codec.per_document_writer``: stored fields, lengths and sortable columns;
``codec.field_writer``: the terms and their postings), so the segment is the one
``SegmentWriter`` would have written from the same records: same postings, weights,
positions, stored fields, lengths, columns and document numbers.

Only for fresh segments (rebuilds): no deletions, no merging.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whoosh.codec import default_codec
from whoosh.fields import FieldType, Schema
from whoosh.filedb.filestore import Storage
from whoosh.util.numeric import byte_to_length, length_to_byte

#: One term's postings, flat: document number, weight, encoded value, document number, …
Postings = list[Any]


def quantized(length: int) -> int:
    """A field length as Whoosh reads it back from its length column (one byte, lossy)."""
    return byte_to_length(length_to_byte(length)) if length else 0


class DirectSegmentWriter:
    """Write one new Whoosh segment from records (``add``), then its files (``finish``).

    A record is what ``IndexWriter.add_document`` takes: field name → value, with
    ``_stored_<name>`` for a stored value that differs from the indexed one. Fields are
    handled in sorted name order, as ``SegmentWriter`` does, so stored-field dictionaries come
    out byte for byte the same.
    """

    def __init__(self, storage: Storage, schema: Schema, indexname: str):
        for name in schema.names():
            field = schema[name]
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported here")
        self.storage = storage
        self.schema = schema
        self.codec = default_codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        self.docnum = 0
        #: postings collected so far (what the writer's memory grows with)
        self.postings_held = 0
        #: field name → term bytes → postings
        self.postings: dict[str, dict[bytes, Postings]] = {}
        #: field name → (quantized) length of the field in each document so far
        self.lengths: dict[str, dict[int, int]] = {}
        self._fields: dict[str, FieldType] = {name: schema[name] for name in schema.names()}
        #: field name → (its last value, that value's index output): a document's title and facet
        #: values are the same on each of its clauses, which arrive one after the other
        self._last: dict[str, tuple[Any, list[tuple[bytes, int, float, bytes]]]] = {}

    def add(self, record: dict[str, Any]) -> None:
        """Add one document (the next document number)."""
        perdoc, docnum = self.perdoc, self.docnum
        names = sorted(name for name in record if not name.startswith("_"))
        unknown = [name for name in names if name not in self._fields]
        if unknown:
            raise ValueError(f"no field named {unknown[0]!r} in the schema")
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = record[name]
                if value is None:
                    continue
                field = self._fields[name]
                length = self._index(name, field, value, docnum) if field.indexed else 0
                custom = record.get("_stored_" + name, value)
                perdoc.add_field(name, field, custom if field.stored else None, length)
                column = field.column_type
                if column and custom is not None:
                    perdoc.add_column_value(name, column, field.to_column_value(custom))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self.docnum += 1

    def add_all(self, records: Iterable[dict[str, Any]]) -> int:
        """Add every record; returns how many."""
        count = 0
        for record in records:
            self.add(record)
            count += 1
        return count

    def _index(self, name: str, field: FieldType, value: Any, docnum: int) -> int:
        """Collect one field value's postings; returns the field's length in this document."""
        items = self._field_items(name, field, value)
        terms = self.postings.get(name)
        if terms is None:
            terms = self.postings[name] = {}
        length = 0
        for term, frequency, weight, encoded in items:
            found = terms.get(term)
            if found is None:
                terms[term] = [docnum, weight, encoded]
            else:
                found += (docnum, weight, encoded)
            length += frequency
        self.postings_held += len(items)
        if not field.scorable:
            return 0
        if length:
            self.lengths.setdefault(name, {})[docnum] = quantized(length)
        return length

    def _field_items(self, name: str, field: FieldType, value: Any) -> list[tuple[bytes, int, float, bytes]]:
        """(term bytes, frequency, weight, encoded value) of one field value; the field's
        previous value is not indexed again (a title, a facet value: the same on every clause
        of a document)."""
        last = self._last.get(name)
        if last is not None and (last[0] is value or type(last[0]) is type(value) and last[0] == value):
            return last[1]
        # weights as floats, as Whoosh's writer makes them (multiplied by a boost of 1.0)
        items = [(term, frequency, float(weight), encoded) for term, frequency, weight, encoded in field.index(value)]
        self._last[name] = (value, items)
        return items

    def finish(self, compound: bool = True) -> Any:
        """Write the segment's files (assembled into one compound file, as Whoosh's writer
        does by default, when ``compound``); returns the Whoosh segment (for a table of contents)."""
        self.perdoc.close()
        writer = self.codec.field_writer(self.storage, self.segment)
        try:
            for name in sorted(self.postings):
                terms = self.postings[name]
                lengths = self.lengths.get(name, {})
                writer.start_field(name, self._fields[name])
                for term in sorted(terms):
                    flat = iter(terms[term])
                    writer.start_term(term)
                    for docnum, weight, encoded in zip(flat, flat, flat, strict=True):
                        writer.add(docnum, weight, encoded, lengths.get(docnum, 0))
                    writer.finish_term()
                writer.finish_field()
        finally:
            writer.close()
        self.postings.clear()
        self.segment.set_doc_count(self.docnum)
        if compound:
            self.segment.create_compound_file(self.storage)
        return self.segment

    def cancel(self) -> None:
        """Abandon the segment: close its open files and delete them."""
        if not self.perdoc.is_closed:
            self.perdoc.close()
        self.postings.clear()
        for name in self.segment.list_files(self.storage):
            self.storage.delete_file(name)
