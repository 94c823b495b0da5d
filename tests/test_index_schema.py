"""The Whoosh index keeps no postings that no query reads: none for an empty facet value,
none for the fields searches only sort on or read (position, dates, current, clause id) —
while filters, facet counts and sorts on those fields work as before."""

from __future__ import annotations

from stdsearch import index as index_mod
from stdsearch.search import SearchRequest, search
from stdsearch.search.request import FACET_FIELDS

SORTED_ONLY = ("clause_id", "position", "publish_date", "effective_date", "current")


def test_no_postings_for_empty_facet_values_or_sorted_only_fields(seed_home) -> None:  # type: ignore[no-untyped-def]
    ix = index_mod.open_index(seed_home)
    with ix.reader() as reader:
        indexed = set(reader.indexed_field_names())
        assert not indexed & set(SORTED_ONLY)
        assert list(reader.lexicon("region")) == [b"\xe5\x8e\xa6\xe9\x97\xa8"], "a facet's values are indexed (厦门)"
        assert "level" not in indexed, "the seed policy has no level: nothing is indexed for it"
        assert [name for name in FACET_FIELDS if b"" in set(reader.lexicon(name))] == []
        assert all(reader.has_column(name) for name in ("position", "publish_date", "effective_date", "current"))
        stored = next(reader.all_stored_fields())
    assert {"clause_id", "position", "publish_date", "current", "level"} <= set(stored)


def test_filters_facets_and_sorts_still_work(seed_home) -> None:  # type: ignore[no-untyped-def]
    everything = search(seed_home, SearchRequest(q="食品", per_page=50))
    assert everything.total > 1
    assert everything.facets["region"] == {"厦门": everything.total} and everything.facets["level"] == {}
    assert search(seed_home, SearchRequest(q="食品", kind="policy")).total == everything.total
    assert search(seed_home, SearchRequest(q="食品", kind="law")).total == 0
    newest = search(seed_home, SearchRequest(q="食品", sort="newest", per_page=50))
    assert newest.total == everything.total
    assert [h.publish_date for h in newest.hits] == sorted((h.publish_date for h in newest.hits), reverse=True)
