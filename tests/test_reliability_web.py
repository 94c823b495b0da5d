"""Reliability of the web layer: a bounded random fuzz of every page and API route, and
schemathesis against the served /api/openapi.json.

The fuzz sends hostile parameters, ids, query syntax and methods to every route of the app
(found in its URL map, so new pages are covered without editing this file) and checks what a
user or a client would: never a 5xx; API answers are JSON (errors as
``{"error": {"code", "message"}}`` with the response's status); pages are HTML in which the
injected markup appears only escaped; 405 names the allowed methods; the Host header is never
echoed. It is bounded by a
request count and a time limit (``STDSEARCH_FUZZ_REQUESTS``, ``STDSEARCH_FUZZ_SECONDS``) and
seeded (``STDSEARCH_FUZZ_SEED``) so a failure can be replayed; the counts are printed.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck

from stdsearch.search import SearchRequest
from stdsearch.settings import Home
from stdsearch.store import Store
from stdsearch.web import create_app

FUZZ_REQUESTS = int(os.environ.get("STDSEARCH_FUZZ_REQUESTS", "300"))
FUZZ_SECONDS = float(os.environ.get("STDSEARCH_FUZZ_SECONDS", "60"))
FUZZ_SEED = int(os.environ.get("STDSEARCH_FUZZ_SEED", "20261201"))
SCHEMA_EXAMPLES = int(os.environ.get("STDSEARCH_SCHEMATHESIS_EXAMPLES", "40"))

#: Parameter names the pages read (every search parameter, as declared), and some they do not.
PARAMETERS = (
    *SearchRequest.parameter_names(),
    "since", "change", "limit", "format", "cursor", "number", "unknown",
)  # fmt: skip
#: Sent as the Host header of every fuzz request: no link may be built from it.
FOREIGN_HOST = "attacker.invalid"
METHODS = ("GET",) * 12 + ("HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


def marker(rng: random.Random) -> str:
    """A unique piece of markup that must never reach a page unescaped."""
    return f"<script>x{rng.randrange(10**9)}</script>"


def hostile_text(rng: random.Random) -> str:
    """A value a careless or hostile client might send."""
    choices = [
        lambda: marker(rng),
        lambda: f'"><img src=x onerror=alert({rng.randrange(1000)})>',
        lambda: "9" * rng.choice((1, 10, 20, 400, 5000)),
        lambda: rng.choice(("-1", "0", "1e999", "NaN", "0x1f", "１２", "+5", " 3 ", "١٢", "00")),
        lambda: '"' + "法律规定" * rng.randrange(1, 80),
        lambda: " ".join("-" + rng.choice(("法律", "规定", "国家", "a", "")) for _ in range(rng.randrange(1, 250))),
        lambda: rng.choice(("title:", "number:", "kind:", "-", "--", '-"', '""', "“", "”", "：", ":")),
        lambda: "".join(random_character(rng) for _ in range(rng.randrange(1, 40))),
        lambda: "\x00\x01\x1f\u202e\ufeff\u200b",
        lambda: "质量 " * rng.randrange(1, 400),
        lambda: rng.choice(("质量", "食品安全", "GB/T 19001-2016", "厦门", "怎么办？", "relevance", "newest", "on")),
        lambda: "../" * rng.randrange(1, 30) + "etc/passwd",
        lambda: "%ED%A0%80%C0%AF%FF",
    ]
    return rng.choice(choices)()


def random_character(rng: random.Random) -> str:
    """Any Unicode scalar value (surrogates cannot be sent in a URL)."""
    code = rng.randrange(0, 0x30000)
    return chr(code) if not 0xD800 <= code <= 0xDFFF else "\ufffd"


def hostile_id(rng: random.Random, real: list[str]) -> str:
    """A path segment: a real id, a near miss, or something hostile."""
    kind = rng.randrange(6)
    if kind == 0 and real:
        return rng.choice(real)
    if kind == 1:
        return "a" * rng.choice((199, 200, 201, 255, 256, 300, 5000))
    if kind == 2:
        return rng.choice((".", "..", ".json", "-", "a.b", "0", "CON", "nul"))
    return hostile_text(rng)


def fuzz_path(rng: random.Random, rules: list[Any], real: list[str]) -> str:
    """A URL for a random route with hostile path variables and query parameters."""
    rule = rng.choice(rules)
    values = {name: hostile_id(rng, real) for name in rule.arguments}
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", quote(value, safe="%")).replace(f"<path:{name}>", quote(value, safe="%"))
    params = [
        f"{quote(rng.choice(PARAMETERS))}={quote(hostile_text(rng), safe='%')}"
        for _ in range(rng.randrange(0, 5))
    ]
    return path + ("?" + "&".join(params) if params else "")


class StrictParser(HTMLParser):
    """Parses a page and collects the text of its <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.in_script = False
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.scripts.append(data)


def check_response(method: str, url: str, response: Any, markers: list[str]) -> None:
    """What a client may rely on, whatever it sent."""
    status = response.status_code
    assert status < 500, f"{method} {url} → {status}: {response.get_data(as_text=True)[:300]}"
    if status == 405:
        assert response.headers.get("Allow"), f"{method} {url}: 405 without Allow"
    if method == "HEAD" or status in (204, 304):
        return
    body = response.get_data(as_text=True)
    if response.mimetype == "application/json":
        data = json.loads(body)
        if status >= 400:
            assert data["error"]["code"] == status and isinstance(data["error"]["message"], str), url
    elif response.mimetype == "text/html":
        parser = StrictParser()
        parser.feed(body)
        for mark in markers:
            assert mark not in body, f"{url}: {mark} reached the page unescaped"
        assert not any("x" in script and "alert" in script for script in parser.scripts)
    elif url.startswith("/api/"):
        pytest.fail(f"{method} {url} → {status} {response.mimetype}, not JSON")


@pytest.fixture(scope="module")
def app(seed_home: Home) -> Any:
    """The app on the seed home (no BASE_URL)."""
    return create_app({"HOME": seed_home, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})


def test_bounded_fuzz_of_every_route_never_errors_and_escapes_user_text(
    app: Any, seed_home: Home
) -> None:
    rng = random.Random(FUZZ_SEED)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    real = Store(seed_home).ids() + ["1", "2.9.22", "a1"]
    client = app.test_client()
    statuses: Counter[int] = Counter()
    stop_at = time.monotonic() + FUZZ_SECONDS
    while sum(statuses.values()) < FUZZ_REQUESTS and time.monotonic() < stop_at:
        method, url = rng.choice(METHODS), fuzz_path(rng, rules, real)
        markers = _markers_in(url)
        response = client.open(url, method=method, headers={"Host": FOREIGN_HOST})
        check_response(method, url, response, markers)
        assert FOREIGN_HOST not in response.get_data(as_text=True), f"{url}: the Host header was echoed"
        assert FOREIGN_HOST not in response.headers.get("Location", ""), url
        statuses[response.status_code] += 1
    print(f"fuzz seed {FUZZ_SEED}: {sum(statuses.values())} requests over {len(rules)} routes, statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= min(FUZZ_REQUESTS, 50)
    assert statuses[200] and sum(n for s, n in statuses.items() if 400 <= s < 500)


def _markers_in(url: str) -> list[str]:
    """The injected <script>x…</script> markers of a URL, decoded."""
    from urllib.parse import unquote

    text = unquote(url)
    found = []
    start = text.find("<script>x")
    while start != -1:
        end = text.find("</script>", start)
        if end == -1:
            break
        found.append(text[start : end + len("</script>")])
        start = text.find("<script>x", end)
    return found


@pytest.fixture(scope="module")
def api_schema(app: Any) -> Any:
    """The served OpenAPI document, loaded by schemathesis against the app itself."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def test_schemathesis_against_the_served_openapi_document(api_schema: Any) -> None:
    """Every operation with generated data: no 5xx, responses conform to the document.

    The search must accept every schema-valid request except a query the cost budget refuses
    (a documented 400, see the ``page`` parameter); other operations may refuse input for
    reasons a schema cannot state (/api/check: text without any standard number) with their
    documented 400, whose body must still be the Error object.
    """
    counts: Counter[str] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations, "the OpenAPI document declares operations"
    for operation in operations:
        exercise(operation, counts)
    print(f"schemathesis: {sum(counts.values())} calls, {dict(sorted(counts.items()))}")
    assert sum(counts.values()) >= len(operations)


def refused(operation: Any, response: Any) -> bool:
    """True for a documented refusal of schema-valid input (see the test's docstring)."""
    if response.status_code != 400:
        return False
    if operation.path == "/api/search":
        return "query too costly" in response.text
    return "400" in operation.definition.raw.get("responses", {})


def exercise(operation: Any, counts: Counter[str]) -> None:
    """Run schemathesis' checks on ``SCHEMA_EXAMPLES`` generated calls of one operation."""

    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=SCHEMA_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call()
        excluded = [schemathesis.checks.positive_data_acceptance] if refused(operation, response) else None
        case.validate_response(response, excluded_checks=excluded)
        counts[f"{operation.label} {response.status_code}"] += 1

    run()
