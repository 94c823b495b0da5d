"""Shared fixtures: where the real data lives, and homes built from it.

Tests that need ../shared/data run in CI (CI=true); elsewhere, when it is absent,
they skip with that reason.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

# Embedding every ingested clause (when the semantic extra is installed) would make each test
# ingest slow; tests that exercise semantic retrieval switch it on themselves.
os.environ.setdefault("STDSEARCH_SEMANTIC", "off")

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("STDSEARCH_SHARED_DATA", PROJECT.parent / "shared" / "data"))
SEED = PROJECT / "corpus" / "samples" / "000_60e92da960188409.txt"


def require_shared(*parts: str) -> Path:
    """The path under ../shared/data, or skip (fail in CI) when it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must have ../shared/data beside the checkout")
        pytest.skip(f"{path} is absent (../shared/data is only guaranteed in CI)")
    return path


def index_postings(reader, keys: list[str], fields) -> dict:  # type: ignore[no-untyped-def]
    """Every posting of ``fields`` in a Whoosh reader: (field, term) → [(clause key, value, weight)],
    with documents named by their ``keys`` (docnum → key), for comparing two indexes (a posting
    without a value has ``b""``, read from a block as None: Whoosh's writer takes both as ``b""``)."""
    found = {}
    for field in fields:
        for term in reader.lexicon(field):
            matcher = reader.postings(field, term)
            rows = []
            while matcher.is_active():
                rows.append((keys[matcher.id()], matcher.value() or b"", matcher.weight()))
                matcher.next()
            found[(field, term)] = rows
    return found


def index_contents(reader, schema) -> dict:  # type: ignore[no-untyped-def]
    """What a Whoosh reader sees of an index, for comparing two: document count, stored fields in
    document order, every posting (:func:`index_postings`), term statistics, field lengths per
    document and in all, sortable columns."""
    count = reader.doc_count_all()
    stored = list(reader.all_stored_fields())
    keys = [fields["key"] for fields in stored]
    indexed = [name for name in schema.names() if schema[name].indexed]
    scorable = [name for name in indexed if schema[name].scorable]
    sortable = [name for name in schema.names() if schema[name].column_type]
    terms = {(f, t): (reader.doc_frequency(f, t), reader.frequency(f, t)) for f in indexed for t in reader.lexicon(f)}
    info = {(f, t): (i.min_length(), i.max_length(), i.max_weight()) for (f, t) in terms for i in [reader.term_info(f, t)]}
    return {
        "count": count,
        "stored": stored,
        "postings": index_postings(reader, keys, indexed),
        "terms": terms,
        "info": info,
        "lengths": [[reader.doc_field_length(n, f) or 0 for f in scorable] for n in range(count)],
        "field_lengths": [reader.field_length(f) for f in scorable],
        "columns": {f: list(reader.column_reader(f)) for f in sortable},
    }


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, read in place."""
    return require_shared()


@pytest.fixture(scope="session")
def seed_home(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A home with the bundled seed policy ingested and indexed (built once; do not modify)."""
    from stdsearch import pipeline
    from stdsearch.settings import Home

    home = Home.resolve(tmp_path_factory.mktemp("seed-home"))
    report = pipeline.ingest(home, [SEED])
    assert report.failed == 0, report.failures
    return home


#: Sports-facility catalogue records kept for the compliance home: running tracks, outdoor
#: fitness equipment and sports floors (real records, with their replacement chains).
COMPLIANCE_SPORTS_WORDS = ("跑道", "19272", "14833", "运动场地", "健身器材")
#: Laws of the compliance home: both versions of the 反垄断法, 产品质量法, 食品安全法.
COMPLIANCE_LAWS = (
    ("经济法", "反垄断法(2007-08-30).md"),
    ("经济法", "反垄断法(2022-06-24).md"),
    ("经济法", "产品质量法(2018-12-29).md"),
)


#: An NMPA text that cites (old editions of) many medical-device standards.
MEDICAL_INSPECTION_POINTS = "25-medical-device-production-risks-and-inspection-points-2016.md"


def _medical_records(catalogues: Path) -> list[dict]:
    """The medical-device catalogue records of the standards the inspection points cite
    (any edition), and those about medical electrical equipment (GB 9706.x); their
    ``title_zh`` is given as ``title`` too."""
    import json

    from stdsearch.numbers import find_numbers

    folder = catalogues / "docmcp-nmpa-medical-device"
    text = (folder / "regulations-fulltext" / MEDICAL_INSPECTION_POINTS).read_text(encoding="utf-8")
    cited = {number.without_year for _, _, number in find_numbers(text)}
    records = json.loads((folder / "standards.json").read_text(encoding="utf-8"))
    kept = [
        r for r in records
        if r["number"].startswith("GB 9706.") or any(n.without_year in cited for _, _, n in find_numbers(r["number"]))
    ]
    return [{**r, "title": r["title_zh"]} for r in kept]  # the title under a key every importer maps


#: Real NMPA catalogue records: one upcoming far ahead (2028-09-01), one whose implementation
#: date (2026-11-01) has passed although the catalogue still says 即将实施.
NMPA_UPCOMING, NMPA_PASSED = "GB 15811-2025", "GB/T 16292-2025"


def nmpa_records(*numbers: str) -> list[dict]:
    """The NMPA catalogue's records of these numbers, their ``title_zh`` given as ``title``."""
    import json

    path = require_shared("standards-catalogues", "docmcp-nmpa-medical-device", "standards.json")
    records = json.loads(path.read_text(encoding="utf-8"))
    return [{**r, "title": r["title_zh"]} for r in records if r["number"] in numbers]


@pytest.fixture(scope="session")
def dated_home(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A home holding the records of :data:`NMPA_UPCOMING` and :data:`NMPA_PASSED` (do not modify)."""
    import json

    from stdsearch import pipeline
    from stdsearch.settings import Home

    folder = tmp_path_factory.mktemp("dated-inputs")
    payload = json.dumps(nmpa_records(NMPA_UPCOMING, NMPA_PASSED), ensure_ascii=False)
    (folder / "medical.json").write_text(payload, encoding="utf-8")
    home = Home.resolve(tmp_path_factory.mktemp("dated-home"))
    assert pipeline.ingest(home, [folder / "medical.json"]).added == 2
    return home


@pytest.fixture(scope="session")
def compliance_catalogue() -> list[dict]:
    """The sports-facility catalogue records about running tracks, fitness equipment, floors."""
    import json

    path = require_shared("standards-catalogues", "sports-standards", "standards.json")
    sports = json.loads(path.read_text(encoding="utf-8"))
    return [r for r in sports["standards"] if any(w in (r["code"] + r["title"]) for w in COMPLIANCE_SPORTS_WORDS)]


@pytest.fixture(scope="session")
def compliance_home(tmp_path_factory: pytest.TempPathFactory, compliance_catalogue: list[dict]):  # type: ignore[no-untyped-def]
    """A home of real records for the compliance tools (built once; do not modify): part of the
    sports-facility catalogue, the building-code index and a few laws."""
    import json

    from stdsearch import pipeline
    from stdsearch.settings import Home

    catalogues = require_shared("standards-catalogues")
    folder = tmp_path_factory.mktemp("compliance-inputs")
    payload = json.dumps({"standards": compliance_catalogue}, ensure_ascii=False)
    (folder / "sports.json").write_text(payload, encoding="utf-8")
    (folder / "medical.json").write_text(json.dumps(_medical_records(catalogues), ensure_ascii=False), encoding="utf-8")
    laws = [require_shared("laws", *parts) for parts in COMPLIANCE_LAWS]
    home = Home.resolve(tmp_path_factory.mktemp("compliance-home"))
    inputs = [
        folder / "sports.json", folder / "medical.json", catalogues / "arch-standards-index" / "standards.csv",
        catalogues / "docmcp-nmpa-medical-device" / "regulations-fulltext" / MEDICAL_INSPECTION_POINTS, *laws,
    ]
    report = pipeline.ingest(home, inputs)
    assert report.failed == 0, report.failures
    return home


# --- the search suite on every engine ----------------------------------------------------------

SEARCH_ENGINES = ("whoosh", "opensearch")
OPENSEARCH_URL_ENV = "STDSEARCH_OPENSEARCH_URL"
_on_cluster: dict[str, object] = {}


@pytest.fixture(params=SEARCH_ENGINES)
def search_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each search engine in turn: whoosh, and opensearch on the cluster at
    $STDSEARCH_OPENSEARCH_URL (skipped without one, failing in CI, where .ci/run starts it)."""
    name = request.param
    if name == "opensearch" and not os.environ.get(OPENSEARCH_URL_ENV):
        if os.environ.get("CI") == "true":
            pytest.fail(f"${OPENSEARCH_URL_ENV} is not set: .ci/run starts the cluster before the tests")
        pytest.skip(f"no OpenSearch cluster: ${OPENSEARCH_URL_ENV} is unset (scripts/opensearch_cluster.sh start)")
    monkeypatch.setenv("STDSEARCH_ENGINE", name)
    return name


def on_engine(home, engine: str):  # type: ignore[no-untyped-def]
    """``home`` made searchable through ``engine``: for opensearch, its stored documents are
    copied into the cluster once per test session (dropped again when the session ends)."""
    if engine == "opensearch" and str(home.root) not in _on_cluster:
        from stdsearch.search.engines import opensearch
        from stdsearch.store import Store

        opensearch.rebuild_documents(home, Store(home).documents())
        _on_cluster[str(home.root)] = home
    return home


@pytest.fixture
def search_home(seed_home, search_engine: str):  # type: ignore[no-untyped-def]
    """The seed home, searched through each engine in turn."""
    return on_engine(seed_home, search_engine)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the cluster indexes the session created."""
    import conftest as shared  # the module the tests import on_engine from (not tests.conftest)

    homes = {**_on_cluster, **shared._on_cluster}
    if not homes:
        return
    from stdsearch.errors import StdsearchError
    from stdsearch.search.engines import opensearch

    for home in homes.values():
        with contextlib.suppress(StdsearchError):  # the cluster is gone already
            opensearch.drop(home)  # type: ignore[arg-type]
