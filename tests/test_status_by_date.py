"""A status the dates have overtaken is searched as the pages show it (现行, not the catalogue's
stale 即将实施), on the day of the ingest and on every later ingest as the days pass.

Real NMPA catalogue records (conftest): one upcoming far ahead, one whose implementation date has
passed although the catalogue still says 即将实施.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from stdsearch import pipeline
from stdsearch.compliance import changes
from stdsearch.records import dates_overtaken
from stdsearch.search import SearchRequest, search
from stdsearch.settings import Home
from stdsearch.store import Store
from stdsearch.web import create_app

from .conftest import NMPA_PASSED, NMPA_UPCOMING, nmpa_records

UPCOMING_ID, PASSED_ID = "gb-15811-2025", "gb-t-16292-2025"


def statuses(home: Home, status: str) -> set[str]:
    """Doc ids a search filtered on ``status`` finds among the catalogue's standards."""
    return {hit.doc_id for hit in search(home, SearchRequest(q="*", status=status, per_page=50)).hits}


def test_a_passed_implementation_date_is_searched_as_current(dated_home: Home) -> None:
    assert PASSED_ID in statuses(dated_home, "现行") and PASSED_ID not in statuses(dated_home, "即将实施")
    assert UPCOMING_ID in statuses(dated_home, "即将实施")
    assert Store(dated_home).get(PASSED_ID).extra["status_source"] == "即将实施"


def test_the_page_and_the_api_say_what_the_catalogue_said(dated_home: Home) -> None:
    client = create_app({"HOME": dated_home, "TESTING": True}).test_client()
    document = client.get(f"/api/doc/{PASSED_ID}").get_json()
    assert (document["status"], document["status_source"]) == ("现行", "即将实施")
    page = client.get(f"/doc/{PASSED_ID}").get_data(as_text=True)
    assert "来源标注:即将实施" in page


class _Later(dt.date):
    """A ``date`` whose today is the day the upcoming record takes effect."""

    @classmethod
    def today(cls) -> _Later:  # type: ignore[override]
        return cls(2028, 9, 1)


def test_the_next_ingest_after_the_date_searches_it_as_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue = tmp_path / "medical.json"
    catalogue.write_text(json.dumps(nmpa_records(NMPA_UPCOMING, NMPA_PASSED), ensure_ascii=False), encoding="utf-8")
    home = Home.resolve(tmp_path / "home")
    pipeline.ingest(home, [catalogue])
    assert UPCOMING_ID in statuses(home, "即将实施")

    monkeypatch.setattr(pipeline.dt, "date", _Later)  # the nightly run on the day it takes effect
    report = pipeline.ingest(home, [catalogue])
    assert report.unchanged == 2  # nothing to parse: the dates alone changed the status
    assert UPCOMING_ID in statuses(home, "现行") and not statuses(home, "即将实施")
    stored = Store(home).get(UPCOMING_ID)
    assert (stored.status, stored.extra["status_source"]) == ("现行", "即将实施")
    events = [e for e in changes.since(home, today="2028-09-01").changes if e.doc_id == UPCOMING_ID]
    assert [e.change for e in events] == ["added", "status-changed"]  # once, dated the day it took effect
    assert pipeline.ingest(home, [catalogue]).unchanged == 2
    assert Store(home).ids_with_status_overtaken("2028-09-01") == []  # settled: not done again


def test_abolition_with_a_successor_is_replaced_in_the_feed_as_in_the_register() -> None:
    meta = {"status": "现行", "abolish_date": "2020-01-01", "replaced_by": ["GB 2-2019"]}
    assert changes.transitions(meta, "2026-12-01") == [("2020-01-01", "被代替")]
    assert changes.transitions({**meta, "replaced_by": []}, "2026-12-01") == [("2020-01-01", "废止")]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "即将实施", "effective_date": "2020-01-01"},
        {"status": "即将实施", "effective_date": "2020-01-01", "abolish_date": "2021-01-01"},
        {"status": "现行", "abolish_date": "2021-01-01"},
        {"status": "即将实施", "abolish_date": "2021-01-01"},  # no implementation date: the dates change nothing
        {"status": "即将实施", "effective_date": "2030-01-01", "abolish_date": "2021-01-01"},
        {"status": "废止", "abolish_date": "2021-01-01"},
    ],
)
def test_a_document_is_settled_again_exactly_when_its_dates_change_its_status(fields: dict) -> None:
    """Else a document the dates do not change would be stored and indexed again by every ingest."""
    assert dates_overtaken(fields, "2026-12-01") == bool(changes.transitions(fields, "2026-12-01"))
