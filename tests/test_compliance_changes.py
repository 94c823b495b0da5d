"""The change history and its feeds (issue 15 part 5), on real catalogue records."""

from __future__ import annotations

import json
import sqlite3

import feedparser
import pytest
from click.testing import CliRunner

from stdsearch import pipeline
from stdsearch.cli import main
from stdsearch.compliance import changes
from stdsearch.settings import Home
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
