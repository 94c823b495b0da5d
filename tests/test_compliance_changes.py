"""The change history and its feeds (issue 15 part 5), on real catalogue records."""

from __future__ import annotations

import json
import sqlite3

import feedparser
import pytest
from click.testing import CliRunner

from conftest import NMPA_PASSED, NMPA_UPCOMING, nmpa_records, require_shared
from stdsearch import pipeline
from stdsearch.cli import main
from stdsearch.compliance import changes
from stdsearch.settings import Home
from stdsearch.store import Store
from stdsearch.web import create_app


@pytest.fixture(scope="module")
def history_home(tmp_path_factory: pytest.TempPathFactory, compliance_catalogue):  # type: ignore[no-untyped-def]
    """A home where a real catalogue was ingested, then edited (a status, a title, an entry
    removed) and ingested again, then reindexed."""
    folder = tmp_path_factory.mktemp("history-inputs")
    home = Home.resolve(tmp_path_factory.mktemp("history-home"))
    records = compliance_catalogue[:12]
    catalogue = folder / "sports.json"
    catalogue.write_text(json.dumps({"standards": records}, ensure_ascii=False), encoding="utf-8")
    assert pipeline.ingest(home, [catalogue]).failed == 0
    edited = [dict(r) for r in records[:-1]]
    edited[0]["status"] = "废止"
    edited[1]["title"] = edited[1]["title"] + "(修订)"
    catalogue.write_text(json.dumps({"standards": edited}, ensure_ascii=False), encoding="utf-8")
    assert pipeline.ingest(home, [catalogue]).failed == 0
    pipeline.reindex(home)
    return home, records


def test_history_says_what_changed(history_home) -> None:  # type: ignore[no-untyped-def]
    home, records = history_home
    events = changes.since(home, per_page=500).changes
    kinds = [e.change for e in events]
    assert kinds.count("added") == 12 and kinds[12:] == ["status-changed", "changed", "removed"]
    status_change, title_change, removal = events[12:]
    assert status_change.fields["status"] == {"from": records[0]["status"], "to": "废止"}
    assert title_change.fields["title"]["to"].endswith("(修订)")
    assert removal.number.replace(" ", "") == records[-1]["code"].replace(" ", "").replace("—", "-")


def test_history_is_append_only_and_survives_reindex(history_home) -> None:  # type: ignore[no-untyped-def]
    home, _ = history_home
    assert changes.since(home, per_page=500).total == 15
    connection = sqlite3.connect(changes.history_path(home))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        connection.execute("DELETE FROM events")
    connection.close()


def test_since_filters_by_time_and_kind(history_home) -> None:  # type: ignore[no-untyped-def]
    home, _ = history_home
    events = changes.since(home, per_page=500).changes
    later = changes.since(home, events[11].time, per_page=500)
    assert [e.change for e in later.changes] == ["status-changed", "changed", "removed"]
    assert changes.since(home, "2999-01-01").total == 0
    assert changes.since(home, change="removed").total == 1
    with pytest.raises(Exception, match="ISO"):
        changes.since(home, "last month")


def test_cli_changes(history_home) -> None:  # type: ignore[no-untyped-def]
    home, _ = history_home
    runner = CliRunner()
    result = runner.invoke(main, ["--home", str(home.root), "changes", "--since", "2000-01-01", "--json", "--change", "status-changed"])
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["total"] == 1
    assert data["changes"][0]["fields"]["status"]["to"] == "废止"
    text = runner.invoke(main, ["--home", str(home.root), "changes", "--change", "changed"])
    assert "title:" in text.output and "(修订)" in text.output
    bad = runner.invoke(main, ["--home", str(home.root), "changes", "--since", "yesterday"])
    assert bad.exit_code == 2


def test_changes_json_is_paged(history_home) -> None:  # type: ignore[no-untyped-def]
    home, _ = history_home
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    first = client.get("/changes?since=2000-01-01&per_page=10").get_json()
    assert first["total"] == 15 and len(first["changes"]) == 10
    second = client.get(first["next"]).get_json()
    assert len(second["changes"]) == 5 and second["next"] is None
    assert second["changes"][-1]["change"] == "removed"
    assert client.get("/api/changes?since=nonsense").status_code == 400
    assert client.get("/changes?per_page=0").get_json()["error"]["code"] == 400


def test_atom_feed_is_valid(history_home) -> None:  # type: ignore[no-untyped-def]
    home, _ = history_home
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    response = client.get("/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and len(feed.entries) == 15
    newest = feed.entries[0]
    assert newest.title.startswith("删除") and newest.link.startswith("/doc/")
    assert all(entry.id.startswith("urn:stdsearch:change:") and entry.updated for entry in feed.entries)
    configured = create_app({"HOME": home, "TESTING": True, "BASE_URL": "https://std.example.cn"}).test_client()
    assert feedparser.parse(configured.get("/feed.atom").data).entries[0].link.startswith("https://std.example.cn/doc/")


def test_api_changes_matches_openapi(history_home) -> None:  # type: ignore[no-untyped-def]
    from openapi_schema_validator import OAS30Validator

    home, _ = history_home
    client = create_app({"HOME": home, "TESTING": True}).test_client()
    spec = client.get("/api/openapi.json").get_json()
    validator = OAS30Validator({"$ref": "#/components/schemas/ChangePage", "components": spec["components"]})
    for url in ("/api/changes?per_page=5", "/api/changes?since=2000-01-01&change=removed"):
        body = client.get(url).get_json()
        assert not [e.message for e in validator.iter_errors(body)]


def test_remove_is_recorded(tmp_path, compliance_catalogue) -> None:  # type: ignore[no-untyped-def]
    catalogue = tmp_path / "sports.json"
    catalogue.write_text(json.dumps({"standards": compliance_catalogue[:3]}, ensure_ascii=False), encoding="utf-8")
    home = Home.resolve(tmp_path / "home")
    assert pipeline.ingest(home, [catalogue]).failed == 0
    doc_id = changes.since(home).changes[0].doc_id
    pipeline.remove(home, [doc_id])
    last = changes.since(home, change="removed").changes
    assert [event.doc_id for event in last] == [doc_id]


# --- what the history must not miss: folder reconciliation, dates, crashes --------------------

#: Real laws for the folder test (two files of one folder; one of them disappears).
FOLDER_LAWS = ("反垄断法(2007-08-30).md", "产品质量法(2018-12-29).md")
def test_folder_reconciliation_records_the_removal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "laws"
    folder.mkdir()
    for name in FOLDER_LAWS:
        (folder / name).write_bytes(require_shared("laws", "经济法", name).read_bytes())
    home = Home.resolve(tmp_path / "home")
    assert pipeline.ingest(home, [folder]).added == 2
    (folder / FOLDER_LAWS[0]).unlink()
    report = pipeline.ingest(home, [folder])
    gone = [d["doc_id"] for d in report.removed_documents]
    assert len(gone) == 1
    removals = changes.since(home, change="removed").changes
    assert [(e.doc_id, e.title) for e in removals] == [(gone[0], "中华人民共和国反垄断法")]
    feed = feedparser.parse(changes.atom_feed(changes.latest(home)))
    assert feed.entries[0].title == "删除:中华人民共和国反垄断法"


def test_a_passed_implementation_date_is_recorded_as_current(dated_home) -> None:  # type: ignore[no-untyped-def]
    added = {e.number: e for e in changes.since(dated_home).changes}
    assert added[NMPA_PASSED].status == "现行" and added[NMPA_UPCOMING].status == "即将实施"


def test_the_day_an_upcoming_standard_takes_effect_is_in_the_feed(dated_home) -> None:  # type: ignore[no-untyped-def]
    before = changes.since(dated_home, today="2028-08-31")
    assert [e.change for e in before.changes] == ["added", "added"]
    on_the_day = changes.since(dated_home, "2028-08-30", today="2028-09-01")
    assert on_the_day.total == 1
    derived = on_the_day.changes[0]
    assert (derived.number, derived.change, derived.status, derived.time) == (
        NMPA_UPCOMING, "status-changed", "现行", "2028-09-01T00:00:00.000000Z")
    assert derived.fields["status"] == {"from": "即将实施", "to": "现行", "date": "2028-09-01"}
    feed = feedparser.parse(changes.atom_feed(changes.latest(dated_home, today="2028-09-01")))
    assert not feed.bozo and feed.entries[0].id == derived.id == "urn:stdsearch:change:gb-15811-2025:effective:2028-09-01"


def test_the_next_write_records_the_date_change_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    catalogue = tmp_path / "medical.json"
    catalogue.write_text(json.dumps(nmpa_records(NMPA_UPCOMING), ensure_ascii=False), encoding="utf-8")
    home = Home.resolve(tmp_path / "home")
    pipeline.ingest(home, [catalogue])
    derived = changes.since(home, today="2028-09-02").changes[-1]
    assert changes.record(home, [], today="2028-09-02") == 1
    after = changes.since(home, today="2028-09-02")
    assert after.total == 2 and after.changes[-1].seq > 0
    assert after.changes[-1].to_dict() | {"seq": 0} == derived.to_dict()
    assert changes.record(home, [], today="2028-09-03") == 0
    document = Store(home).get("gb-15811-2025")
    assert changes.record(home, [document], today="2028-09-03") == 0  # still says 即将实施: no event back


def test_a_crash_before_the_history_loses_no_event(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    law = tmp_path / FOLDER_LAWS[1]
    law.write_bytes(require_shared("laws", "经济法", FOLDER_LAWS[1]).read_bytes())
    home = Home.resolve(tmp_path / "home")

    def killed(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt("killed between the store write and the history")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline.changes, "record", killed)
        with pytest.raises(KeyboardInterrupt):
            pipeline.ingest(home, [law])
    assert Store(home).ids() and changes.since(home).total == 0
    pipeline.reindex(home)
    events = changes.since(home).changes
    assert [(e.change, e.title) for e in events] == [("added", "中华人民共和国产品质量法")]
