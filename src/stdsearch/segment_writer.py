"""Whoosh segments written straight from clause records, through Whoosh's codec API.

Whoosh's own writer (``SegmentWriter.add_document``) puts every posting through a sorting
pool that spills runs to disk, then reads each posting's field length back from the column
files it has just written (a ``stat()`` per posting). A rebuild needs none of that: records
arrive in document-number order, so each term's postings are already sorted when they are
collected per field in memory; terms are sorted once per field at the end, and the field
lengths are the ones just counted. Every column (stored fields, field lengths, sortable columns)
is written a column at a time instead of a value at a time, in Whoosh's column formats; the
terms and their postings by :func:`write_terms`, a term at a time instead of a posting at a
time, in the format Whoosh's ``codec.field_writer`` writes — except that a term with few
postings keeps them in its term info (:data:`INLINE_LIMIT`), a form of Whoosh's format its own
writer never uses. Stored fields and posting blocks are compressed by zlib-ng at its fastest
level (:data:`STORED_LEVEL`, :data:`COMPRESSION`), which Whoosh's reader decompresses with zlib
like its own, and postings are pickled with protocol 3 (:data:`PICKLE_PROTOCOL`), which its
reader unpickles like its own protocol 2; with zlib's level 3 and protocol 2 in their place the
files are Whoosh's byte for byte (tested).
So a reader sees the segment ``SegmentWriter`` would have written from the same records: same
postings, weights, positions, stored fields, lengths, columns and document numbers.

Only for fresh segments (rebuilds): no deletions, no merging.
"""

from __future__ import annotations

import io
import itertools
import operator
import struct
from array import array
from collections import defaultdict
from collections.abc import Iterable
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, W3PerDocWriter
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import FieldType, Schema
from whoosh.filedb.filestore import Storage
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.structfile import StructFile
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.numlists import GrowableArray
from zlib_ng.zlib_ng import compress

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
    out in the same order.
    """

    def __init__(self, storage: Storage, schema: Schema, indexname: str):
        for name in schema.names():
            field = schema[name]
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported here")
        self.storage = storage
        self.schema = schema
        self.codec = W3Codec(blocklimit=BLOCK_LIMIT, compression=COMPRESSION, inlinelimit=1)
        self.segment = self.codec.new_segment(storage, indexname)
        self.docnum = 0
        #: postings collected so far (what the writer's memory grows with)
        self.postings_held = 0
        #: field name → term bytes → postings (a field once it has some)
        self.postings: dict[str, defaultdict[bytes, Postings]] = {}
        self._fields: dict[str, FieldType] = {name: schema[name] for name in schema.names()}
        #: field name → what the writer keeps of it (:class:`_FieldState`)
        self._states: dict[str, _FieldState] = {}
        #: a record's field names (in its order) → the states of its fields, in sorted name order,
        #: with the name of each one's stored value when the record gives it apart (:meth:`_plan`)
        self._plans: dict[tuple[str, ...], list[tuple[_FieldState, str | None]]] = {}
        #: each document's stored fields, pickled and compressed, not yet written
        self._stored: list[bytes] = []
        self.perdoc = _ColumnsWriter(self.codec, storage, self.segment)

    @property
    def columns(self) -> dict[str, list[Any]]:
        """Sortable field name → its column value in each document so far (None: no value)."""
        return {name: state.column for name, state in self._states.items() if state.column}

    def add(self, record: dict[str, Any]) -> None:
        """Add one document (the next document number).

        A field's value the same object as in the previous document (a document's title and
        facets, the same on each of its clauses, which arrive one after the other) is added
        from what its previous value gave, in this loop; anything else by :meth:`_index` and
        :meth:`_column_value`."""
        plan = self._plans.get(tuple(record)) or self._plan(record)
        docnum = self.docnum
        stored: dict[str, Any] = {}
        held = 0
        for state, stored_name in plan:
            value = record[state.name]
            if value is None:
                continue
            if state.indexed:
                resolved = state.resolved
                if value is state.value and resolved is not None:
                    for postings, weight, encoded in resolved:
                        postings += (docnum, weight, encoded)
                    held += len(resolved)
                else:
                    held += self._index(state, value, docnum)
                if state.length:
                    state.lengths[docnum] = state.quantized
                    state.total += state.length
            custom = value if stored_name is None else record[stored_name]
            if custom is None:
                continue
            if state.stores:
                stored[state.name] = custom
            column = state.column
            if column is not None:
                if custom is not state.custom:
                    self._column_value(state, custom)
                if len(column) < docnum:
                    column += [None] * (docnum - len(column))
                column.append(state.converted)
        self.postings_held += held
        self._stored.append(compress(dumps(stored, 2), STORED_LEVEL) if stored else b"")
        if len(self._stored) >= _STORED_BATCH:
            self._write_stored()
        self.docnum = docnum + 1

    def add_all(self, records: Iterable[dict[str, Any]]) -> int:
        """Add every record; returns how many."""
        count = 0
        for record in records:
            self.add(record)
            count += 1
        return count

    def _plan(self, record: dict[str, Any]) -> list[tuple[_FieldState, str | None]]:
        """How to add the fields of a record with these field names, in sorted name order
        (ValueError for a name not in the schema, before anything of the record is added)."""
        names = sorted(name for name in record if not name.startswith("_"))
        unknown = [name for name in names if name not in self._fields]
        if unknown:
            raise ValueError(f"no field named {unknown[0]!r} in the schema")
        plan = []
        for name in names:
            state = self._states.get(name)
            if state is None:
                state = self._states[name] = _FieldState(name, self._fields[name])
            stored_name = "_stored_" + name
            plan.append((state, stored_name if stored_name in record else None))
        self._plans[tuple(record)] = plan
        return plan

    def _index(self, state: _FieldState, value: Any, docnum: int) -> int:
        """Collect the postings of a field's value in this document (its length kept in
        ``state``, to be added by the caller); returns how many."""
        last = state.value
        if state.items is not None and type(last) is type(value) and last == value:
            # the value seen a second time: its terms' postings looked up once for all
            resolved = state.resolved = [(state.terms[term], weight, encoded) for term, _, weight, encoded in state.items]
            state.value = value
            for postings, weight, encoded in resolved:
                postings += (docnum, weight, encoded)
            return len(resolved)
        produced = state.field.index(value)
        # weights as floats, as Whoosh's writer makes them (multiplied by a boost of 1.0); a
        # field that gives its postings as a list gives them so already (index.SegmentedText)
        items = produced if isinstance(produced, list) else [(t, f, float(w), e) for t, f, w, e in produced]
        terms = state.terms
        length = 0
        for term, frequency, weight, encoded in items:
            postings = terms[term]
            postings += (docnum, weight, encoded)
            length += frequency
        state.value, state.items, state.resolved = value, items, None
        state.length = length if state.field.scorable else 0
        state.quantized = quantized(state.length)
        if terms and state.name not in self.postings:
            self.postings[state.name] = terms
        return len(items)

    def _column_value(self, state: _FieldState, value: Any) -> None:
        """Keep the column value of a sortable field's (stored) value as the field's last."""
        last = state.custom
        if not (last is not None and type(last) is type(value) and last == value):
            state.converted = state.field.to_column_value(value)
        state.custom = value

    @property
    def lengths(self) -> dict[str, dict[int, int]]:
        """Field name → (quantized) length of the field in each document so far."""
        return {name: state.lengths for name, state in self._states.items() if state.lengths}

    def _write_stored(self) -> None:
        """Write the stored fields kept so far to the stored-fields column."""
        self.perdoc.add_stored(self._stored)
        self._stored.clear()

    def _write_columns(self) -> None:
        """Write the stored fields, the field lengths (one byte per document, as Whoosh's
        ``LENGTHS_COLUMN``) and the sortable columns, each column whole, and the segment's field
        lengths: what Whoosh's per-document writer writes from the same documents."""
        self._write_stored()
        for name, lengths in self.lengths.items():
            column = [None] * self.docnum
            for docnum, length in lengths.items():
                column[docnum] = length_to_byte(length)
            self.perdoc.add_column_value(f"_{name}_len", _NumericAtOnce(LENGTHS_COLUMN, "B"), column)
        for name, values in self.columns.items():
            field = self._fields[name]
            column = field.column_type
            at_once = _VarBytesAtOnce(column) if type(column) is VarBytesColumn else _NumericAtOnce(column, field.sortable_typecode)
            self.perdoc.add_column_value(name, at_once, values)
        self.perdoc.add_field_lengths({name: state.total for name, state in self._states.items() if state.total})
        self.perdoc.finish(self.docnum)

    def finish(self, compound: bool = True) -> Any:
        """Write the segment's files (assembled into one compound file, as Whoosh's writer
        does by default, when ``compound``); returns the Whoosh segment (for a table of contents)."""
        lengths = self.lengths
        self._write_columns()
        self.segment.set_doc_count(self.docnum)
        write_terms(self.storage, self.segment, self._fields, self.postings, lengths)
        self.postings.clear()
        self._states.clear()
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


class _FieldState:
    """What a segment writer keeps of one field: how to add it, its last value (and what that
    gave: postings, length, column value), its lengths and column so far."""

    __slots__ = ("name", "field", "indexed", "stores", "terms", "value", "items", "resolved", "length", "quantized",
                 "lengths", "total", "column", "custom", "converted")

    def __init__(self, name: str, field: FieldType):
        column = field.column_type
        if column and type(column) not in _COLUMNS_AT_ONCE:
            raise ValueError(f"field {name!r}: a {type(column).__name__} is not supported here")
        self.name, self.field, self.indexed, self.stores = name, field, field.indexed, field.stored
        #: term bytes → postings
        self.terms: defaultdict[bytes, Postings] = defaultdict(list)
        #: the last value indexed, the postings it gave as the field gave them, and (once it is
        #: seen twice in a row) as (the term's postings, weight, encoded value)
        self.value: Any = None
        self.items: list[tuple[bytes, int, float, bytes]] | None = None
        self.resolved: list[tuple[Postings, float, bytes]] | None = None
        #: the last value's length (0: none or not scorable) and its quantized form
        self.length = self.quantized = 0
        #: document number → quantized length; the sum of the lengths
        self.lengths: dict[int, int] = {}
        self.total = 0
        #: the column value of each document so far (None: none), for a sortable field; the
        #: last (stored) value put in it and its column value
        self.column: list[Any] | None = [] if column else None
        self.custom: Any = None
        self.converted: Any = None


#: Documents whose stored fields are kept before they are written.
_STORED_BATCH = 512
#: The compression level of each document's stored fields: Whoosh's reader decompresses
#: them with zlib whatever the level; zlib-ng's fastest (:func:`compress`) is five times
#: faster than Whoosh's (zlib's level 3) on clause records, for about a tenth more bytes.
STORED_LEVEL = 1


class _ColumnsWriter(W3PerDocWriter):
    """Whoosh's per-document writer, given its columns whole instead of a document at a time:
    the stored fields as each document's pickled and compressed bytes (Whoosh's own stored-fields
    column pickles and compresses a document at a time), the lengths and sortable columns as
    lists (:class:`_VarBytesAtOnce`, :class:`_NumericAtOnce`), the fields' total lengths summed."""

    def _create_column(self, fieldname: str, column: Any) -> None:
        """A column's writer (the stored fields': one of bytes that come compressed)."""
        if fieldname == "_stored":
            column = _VarBytesAtOnce(VarBytesColumn())
        self._colwriters[fieldname] = column.writer(self._cols.create_file(fieldname))

    def add_stored(self, data: list[bytes]) -> None:
        """The stored fields of the next documents, each pickled and compressed (b"": none)."""
        self._get_column("_stored").add(None, data)

    def add_field_lengths(self, totals: dict[str, int]) -> None:
        """Add to each field's total length over the segment's documents."""
        for name, total in totals.items():
            self._fieldlengths[name] += total

    def finish(self, doccount: int) -> None:
        """Write the columns of ``doccount`` documents (the segment's field lengths with them)."""
        self._doccount = doccount
        self.close()


# --- sortable columns, written whole -------------------------------------------------------
#
# Whoosh's column writers take one value per call (``VarBytesColumn.Writer.add``: a write, two
# growable-array appends). The writers below take a column's every value at once and make the
# same bytes (tested equal to Whoosh's, byte for byte): the per-document writer creates a
# column's writer from the column object it is given with the column's first value, so handing
# it one of these objects with the whole list writes the column in one go.


class _VarBytesAtOnce:
    """A ``VarBytesColumn`` written whole: the values, then their lengths (and offsets past the
    column's cut-off), with the typecodes Whoosh's growable arrays would have ended with."""

    def __init__(self, column: VarBytesColumn):
        self.column = column

    def writer(self, dbfile: Any) -> _VarBytesAtOnce.Writer:
        return self.Writer(dbfile, self.column)

    class Writer:
        def __init__(self, dbfile: Any, column: VarBytesColumn):
            self.dbfile, self.column = dbfile, column
            self.lengths: list[int] = []

        def add(self, _docnum: int, values: list[bytes | None]) -> None:
            """Write the values of the next documents (None: no value)."""
            data = [value or b"" for value in values]
            self.dbfile.write(b"".join(data))
            self.lengths += map(len, data)

        def finish(self, doccount: int) -> None:
            lengths = _grown_array(self.lengths + [0] * (doccount - len(self.lengths)))
            self.dbfile.write_array(lengths)
            if not (self.column.allow_offsets and doccount > self.column.write_offsets_cutoff):
                self.dbfile.write(lengths.typecode.encode("ascii"))
                return
            offsets = _grown_array([0, *itertools.accumulate(lengths)][:-1])
            self.dbfile.write_array(offsets)
            self.dbfile.write(lengths.typecode.encode("ascii") + offsets.typecode.encode("ascii") + b"X")


class _NumericAtOnce:
    """A ``NumericColumn`` written whole: each document's number packed (the default where it
    has none) up to the last document with another value — Whoosh leaves the rest out."""

    def __init__(self, column: NumericColumn, typecode: str):
        self.column, self.typecode = column, typecode

    def writer(self, dbfile: Any) -> _NumericAtOnce.Writer:
        return self.Writer(dbfile, self.column.default_value(), struct.Struct("!" + self.typecode).pack)

    class Writer:
        def __init__(self, dbfile: Any, default: Any, pack: Any):
            self.dbfile, self.default, self.pack = dbfile, default, pack

        def add(self, _docnum: int, values: list[Any]) -> None:
            written = [value if value is not None else self.default for value in values]
            while written and written[-1] == self.default:
                written.pop()
            self.dbfile.write(b"".join(map(self.pack, written)))

        def finish(self, _doccount: int) -> None:
            """Nothing: the documents after the last value read as the default."""


def _grown_array(numbers: list[int]) -> array:  # type: ignore[type-arg]
    """``numbers`` in the array a ``GrowableArray(allow_longs=False)`` they were appended to
    would hold: its typecode widens with the largest number, so it is the largest's."""
    probe = GrowableArray(allow_longs=False)
    if numbers:
        probe.append(max(numbers))
    return array(probe.typecode, numbers)


#: The column types written whole (any other is written a value at a time, by Whoosh).
_COLUMNS_AT_ONCE = (VarBytesColumn, NumericColumn)


# --- the terms and their postings, encoded as Whoosh's W3 codec encodes them ---------------
#
# ``W3FieldWriter`` and ``W3PostingsWriter`` (whoosh/codec/whoosh3.py) take one posting per
# call, check its types, keep per-block statistics in a handful of attributes and, per block of
# up to ``blocklimit`` postings, pickle (ids as deltas, weights minimised, values) and compress
# them with zlib; ``W3TermInfo`` sums up the blocks. The functions below make the very same
# bytes from a term's whole posting list at once (tested equal to Whoosh's own field writer,
# byte for byte), with the parameters of Whoosh's default codec.

#: Postings per block (``W3Codec``'s default), and the compression level of a block: Whoosh's
#: reader decompresses a block with zlib whatever its level; zlib-ng's fastest level
#: (:func:`compress`) is several times faster than Whoosh's default (zlib's level 3).
BLOCK_LIMIT = 128
COMPRESSION = 1
#: The pickle protocol of a block's postings and of inlined postings: Whoosh reads them with
#: ``pickle.loads``, whatever the protocol. Its own writer's protocol 2 pickles each encoded
#: value (bytes: a term's positions in a document) as a call that makes it from a string; from
#: protocol 3 on, bytes are pickled as they are — ten times faster to write, six times faster to
#: read, and a third smaller.
PICKLE_PROTOCOL = 3
#: Terms with fewer postings than this keep them inside their term info in the terms file
#: (``W3TermInfo``'s inlined postings, read back by Whoosh as a ``ListMatcher``): no block, no
#: pickled block header, no compression — most terms of a clause index occur once (every clause
#: key, most words). Whoosh's own writer never inlines: its default limit is 1, and above that
#: its postings writer calls a ``set_inline`` that ``W3TermInfo`` does not have.
INLINE_LIMIT = 8
#: ``W3TermInfo``'s fixed part: flags, total weight, document frequency, min/max length
#: bytes, max weight, first and last document number.
_TERM_INFO = struct.Struct("!BfIBBfII")


def write_terms(
    storage: Storage, segment: Any, fields: dict[str, FieldType], postings: dict[str, dict[bytes, Postings]],
    lengths: dict[str, dict[int, int]],
) -> None:
    """Write the terms file and postings file of a segment (its document count set): the fields
    in name order (numbered in that order), each field's terms sorted, as ``codec.field_writer``
    writes them; the postings of a term with fewer than :data:`INLINE_LIMIT` inlined in its term info."""
    # the terms table is built in memory: Whoosh's hash writer asks the file's position twice a term
    table = OrderedHashWriter(StructFile(_WrittenWhenClosed(segment.create_file(storage, W3Codec.TERMS_EXT))))
    fieldmap: dict[str, int] = {}
    table.extras["fieldmap"] = fieldmap
    postfile = segment.create_file(storage, W3Codec.POSTS_EXT)
    offset = postfile.tell()
    inline_below = INLINE_LIMIT * 3  # flat postings hold three items each
    try:
        for number, name in enumerate(sorted(postings)):
            fieldmap[name] = number
            field_id, field_lengths = pack_ushort(number), _by_document(lengths.get(name), segment.doc_count_all())
            fixed_size = fields[name].format.fixed_value_size()
            terms = postings[name]
            for term in sorted(terms):
                flat = terms[term]
                if len(flat) < inline_below:
                    table.add(field_id + term, _inlined_term_info(flat, field_lengths))
                    continue
                data, info = _term_postings(flat, field_lengths, fixed_size, level=COMPRESSION)
                postfile.write(data)
                table.add(field_id + term, info + pack_long(offset) + pack_int(len(data)))
                offset += len(data)
    finally:
        table.close()
        postfile.close()


class _WrittenWhenClosed(io.BytesIO):
    """A file written in memory (its position known without a system call), whose bytes go to
    ``target`` when it is closed."""

    def __init__(self, target: Any):
        super().__init__()
        self.target = target

    def close(self) -> None:
        """Write the bytes to the target and close it."""
        if not self.closed:
            self.target.write(self.getvalue())
            self.target.close()
        super().close()


def _by_document(lengths: dict[int, int] | None, doccount: int) -> list[int] | None:
    """A field's lengths as a list indexed by document number (0: none); None for a field
    without lengths (not scorable)."""
    if not lengths:
        return None
    listed = [0] * doccount
    for docnum, length in lengths.items():
        listed[docnum] = length
    return listed


def _min_max_length(lengths: list[int] | None, docnums: Iterable[int]) -> tuple[int | None, int]:
    """The smallest (None: none) and largest (0: none) non-zero length of the documents."""
    if lengths is None:
        return None, 0
    found = [length for length in map(lengths.__getitem__, docnums) if length]
    return (min(found), max(found)) if found else (None, 0)


def _term_postings(
    flat: Postings, lengths: list[int] | None, fixed_size: int | None, blocklimit: int = BLOCK_LIMIT,
    level: int = COMPRESSION,
) -> tuple[bytes, bytes]:
    """(the postings file bytes of one term, its term info without the extent) from its flat
    postings (document number, weight, encoded value, …) and the field's lengths by document."""
    docnums, weights, values = flat[0::3], flat[1::3], flat[2::3]
    parts = [WHOOSH3_HEADER_MAGIC]
    total_weight: float = 0
    max_weight: float = 0
    min_length: int | None = None
    max_length = 0
    count = len(docnums)
    for begin in range(0, count, blocklimit):
        end = begin + blocklimit
        ids = docnums[begin:end]
        block_weights = weights[begin:end]
        as_stored = array("f", block_weights)  # Whoosh keeps a block's weights as 32-bit floats
        total_weight += sum(as_stored)
        block_max = max(block_weights)
        block_max = block_max if block_max > 0 else 0
        block_min, block_max_length = _min_max_length(lengths, ids)
        gaps = (ids[0], *map(operator.sub, ids[1:], ids))  # as Whoosh's delta_encode makes them
        data = dumps((gaps, _mini_weights(as_stored), _mini_values(values[begin:end], fixed_size)), PICKLE_PROTOCOL)
        if level:
            data = compress(data, level)
        info = dumps((len(ids), ids[-1], block_max, level, length_to_byte(block_min), length_to_byte(block_max_length)), 2)
        size = len(info) + len(data)
        parts += (pack_int(-size if end >= count else size), info, data)
        if block_min is not None:
            min_length = block_min if min_length is None else min(min_length, block_min)
        max_length = max(max_length, block_max_length)
        max_weight = max(max_weight, block_max)
    term_info = _TERM_INFO.pack(
        False, total_weight, count, length_to_byte(min_length), length_to_byte(max_length), max_weight,
        docnums[0], docnums[-1],
    )
    return b"".join(parts), term_info


def _inlined_term_info(flat: Postings, lengths: list[int] | None) -> bytes:
    """A term's info with its postings inlined, as ``W3TermInfo.to_bytes`` writes it: the
    document numbers, weights and encoded values (``b""`` where a format has none, which a
    merge by Whoosh's writer takes as it is) pickled after the fixed part."""
    docnums, weights, values = tuple(flat[0::3]), tuple(flat[1::3]), tuple(flat[2::3])
    min_length, max_length = _min_max_length(lengths, docnums)
    max_weight = max(weights)
    fixed = _TERM_INFO.pack(
        True, sum(weights), len(docnums), length_to_byte(min_length) if min_length else 0,
        length_to_byte(max_length), max_weight if max_weight > 0 else 0, docnums[0], docnums[-1],
    )
    return fixed + dumps((docnums, weights, values), PICKLE_PROTOCOL)


def _mini_weights(weights: array) -> Any:  # type: ignore[type-arg]
    """A block's weights as Whoosh stores them: None when all are 1, one number when all are equal."""
    count = len(weights)
    if weights.count(1.0) == count:
        return None
    first = weights[0]
    if weights.count(first) == count:
        return first
    return tuple(weights)


def _mini_values(values: list[bytes], fixed_size: int | None) -> Any:
    """A block's (non-empty) encoded values as Whoosh stores them for the field's format."""
    present = [value for value in values if value]
    if fixed_size is None or fixed_size < 0:
        return tuple(present)
    if fixed_size == 0:
        return None
    return b"".join(present)
