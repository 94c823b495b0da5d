"""The scale-out engine: an OpenSearch cluster, through the official ``opensearch-py`` client.

The same clause records as the Whoosh index, with the text fields pre-segmented by our own
analyzer (:mod:`stdsearch.analysis`: folding, jieba, search-mode sub-words) and joined by spaces,
indexed with OpenSearch's ``whitespace`` analyzer — so both engines see identical tokens.

Mapping of a plan (:mod:`stdsearch.search.plan`) onto the query DSL:

- ``title``/``heading``/``text`` terms → ``term`` queries on ``<field>_tokens`` (words and
  sub-words, as Whoosh indexes them), with the plan's boosts; BM25 with our b and each k1 the
  plans use (one multi-field per k1: ``<field>_tokens`` for BM25_K1, ``<field>_tokens.q`` for
  QUESTION_K1); phrases → ``match_phrase`` over words only (``text_words``, ``title_tokens``);
- AnyOf / AllOf / exclusions → ``bool`` should / must / must_not; filters → ``bool`` filter;
- level priors and the not-current factor → ``function_score`` weights;
- document evidence (best clause score of the document, weighted) → a rerank of the top
  :data:`EVIDENCE_DEPTH` clauses: a clause's document's best clause always ranks above it, so
  every candidate's document maximum is exact; only clauses below the depth are left out;
- sorts → ``sort`` (ties in insertion order, as Whoosh breaks them by document number);
- facets → ``terms`` aggregations; totals exact (``track_total_hits``);
- global term statistics on a sharded index → ``dfs_query_then_fetch``.

Writing: the clause records carry the words ingest cut (:mod:`stdsearch.segments`, read back from
its :class:`~stdsearch.segments.SegmentCache`), joined by spaces; each home has an alias (:func:`alias_name`) pointing at one concrete index. A rebuild
writes a new index and swaps the alias atomically, then deletes the old one; incremental
updates write into the live index, which refreshes only when the writer commits. Bulk writes
retry with back-off when the cluster pushes back (HTTP 429).

A cluster that cannot answer (a node down, shards missing) raises
:class:`EngineUnavailable` — HTTP 503 from the web layer, a message and a non-zero exit from
the CLI.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from stdsearch.errors import StdsearchError
from stdsearch.records import Document
from stdsearch.search.engine import ClauseRecord, EngineResult
from stdsearch.search.plan import (
    BM25_B,
    BM25_K1,
    MAX_EXPANSIONS,
    QUESTION_K1,
    AllOf,
    AnyOf,
    Everything,
    Node,
    Nothing,
    Phrase,
    Plan,
    Term,
)
from stdsearch.search.request import FACET_FIELDS, MULTI_VALUED_FACETS
from stdsearch.segments import SegmentCache, Segmented, texts_digest
from stdsearch.segments import words as segment_words
from stdsearch.settings import Home

#: The cluster's URL (several, comma-separated, to fail over between nodes).
URL_ENV = "STDSEARCH_OPENSEARCH_URL"
#: The alias a home's clauses are searched under (default: derived from the home's path).
INDEX_ENV = "STDSEARCH_OPENSEARCH_INDEX"
#: Replicas per shard (default 1; 0 for a single-node cluster).
REPLICAS_ENV = "STDSEARCH_OPENSEARCH_REPLICAS"
SHARDS = 2
DEFAULT_REPLICAS = 1
#: Seconds one request may take before it counts as failed.
REQUEST_TIMEOUT = 30
#: Clause records sent per bulk request.
BULK_CHUNK = 500
#: How often a bulk request the cluster refuses (429) is retried, with doubling back-off.
BULK_RETRIES = 5
#: Clauses reranked with document evidence (see the module's description).
EVIDENCE_DEPTH = 1000
#: At most this many values are counted per facet.
FACET_SIZE = 10_000
#: The text fields, each indexed as ``<name>_tokens``; the suffix of the multi-field per k1.
TEXT_FIELDS = ("title", "heading", "text")
K1_SUFFIXES = {BM25_K1: "", QUESTION_K1: ".q"}
#: Fields whose phrases are matched on words only (text_tokens also holds sub-words).
PHRASE_FIELDS = {"text": "text_words", "title": "title_tokens", "heading": "heading_tokens"}
#: The one token of an empty text field (never produced by our analyzer, so never searched).
EMPTY_FIELD_TOKEN = "\u2400"
KEYWORD_FIELDS = ("key", "doc_id", "clause_id", "publish_date", "effective_date", *FACET_FIELDS)
#: The clause vectors (dense retrieval), when the cluster has the k-NN plugin: a ``knn_vector``
#: field, HNSW graphs of Lucene's engine (no native libraries), scored by inner product — the
#: dot product the home's own vectors are ranked by (their int8 rows are not exactly unit length,
#: so cosine would order near-ties differently).
VECTOR_FIELD = "vector"
KNN_METHOD = {"name": "hnsw", "engine": "lucene", "space_type": "innerproduct"}
#: Candidates HNSW visits per shard (``ef_search``; at least the k asked for). On the STARD
#: laws' 59,618 clauses, 100 kept 0.88 of the exact top 100, 400 keeps 0.97 for ~8 ms more.
KNN_EF_SEARCH = 400
KNN_PLUGIN = "opensearch-knn"
#: The engine's writer takes the clause vectors (when the k-NN plugin is installed).
HOLDS_VECTORS = True
#: How long a search process remembers that a home's index holds no vectors (seconds).
NO_VECTORS_MEMORY = 60.0
#: A pre-segmented record keeps a text field's string under this prefix (Whoosh's convention for a
#: stored value that differs from the indexed one; see :func:`stdsearch.index.clause_fields`).
STORED_PREFIX = "_stored_"


class EngineUnavailable(StdsearchError):
    """The search cluster cannot answer now (unreachable, or some shards are missing)."""


# --- configuration -------------------------------------------------------------------------


def cluster_urls() -> list[str]:
    """The cluster URLs from $STDSEARCH_OPENSEARCH_URL; StdsearchError when unset."""
    raw = os.environ.get(URL_ENV, "").strip()
    if not raw:
        raise StdsearchError(
            f"the opensearch engine needs a cluster URL: --opensearch-url or ${URL_ENV} "
            "(scripts/opensearch_cluster.sh start prints one)"
        )
    return [u.strip().rstrip("/") for u in raw.split(",") if u.strip()]


def alias_name(home: Home) -> str:
    """The alias of a home's clauses: $STDSEARCH_OPENSEARCH_INDEX, else one per home path."""
    chosen = os.environ.get(INDEX_ENV, "").strip().lower()
    if chosen:
        return chosen
    digest = hashlib.sha1(str(home.root).encode("utf-8")).hexdigest()[:12]
    return f"stdsearch-{digest}"


@functools.cache
def _client(urls: tuple[str, ...]) -> Any:
    """One client per set of URLs, shared by every thread (its connection pool is thread-safe)."""
    from opensearchpy import OpenSearch

    return OpenSearch(hosts=list(urls), timeout=REQUEST_TIMEOUT, max_retries=1, retry_on_timeout=False)


def client() -> Any:
    """The client of the configured cluster."""
    return _client(tuple(cluster_urls()))


def _unavailable(error: Exception) -> EngineUnavailable:
    """The user-facing error of a failed request: which cluster, and why in a few words."""
    text = str(error)
    if "Connection refused" in text:
        reason = "connection refused"
    elif "timed out" in text.lower() or "Timeout" in type(error).__name__:
        reason = "timed out"
    else:
        reason = f"{type(error).__name__}: {text[:160]}"
    return EngineUnavailable(f"the OpenSearch cluster at {', '.join(cluster_urls())} cannot answer ({reason})")


def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the client, turning transport failures into EngineUnavailable and a missing index
    into a StdsearchError that says how to build it."""
    from opensearchpy.exceptions import ConnectionError as ClientConnectionError
    from opensearchpy.exceptions import NotFoundError, TransportError

    try:
        return function(*args, **kwargs)
    except NotFoundError as error:
        if "index_not_found" in str(error):
            raise StdsearchError(
                "this home has no OpenSearch index yet: run `stdsearch reindex --engine opensearch`"
            ) from None
        raise _unavailable(error) from None
    except ClientConnectionError as error:
        raise _unavailable(error) from None
    except TransportError as error:
        if isinstance(error.status_code, int) and error.status_code < 500 and error.status_code != 429:
            raise StdsearchError(f"OpenSearch refused the request: {str(error)[:300]}") from None
        raise _unavailable(error) from None


# --- tokens and records --------------------------------------------------------------------


def segmented(record: ClauseRecord, field: str) -> tuple[str, Segmented]:
    """A text field of a clause record: (its stored string, its analyzer words). Records written
    by ingest carry the words it cut (:mod:`stdsearch.segments`) with the string beside them;
    a plain string is segmented here."""
    value = record.get(field, "")
    if isinstance(value, Segmented):
        return record.get(f"{STORED_PREFIX}{field}", ""), value
    return value, segment_words(value)


def source_of(record: ClauseRecord, ordinal: int) -> dict[str, Any]:
    """The OpenSearch document of one clause record: the record as stored fields, plus the
    pre-segmented token fields, the number keys as a list and the insertion ordinal."""
    texts = {field: segmented(record, field) for field in TEXT_FIELDS}
    text = texts["text"][1]
    return {
        **{name: value for name, value in record.items() if not name.startswith(STORED_PREFIX)},
        **{field: stored for field, (stored, _) in texts.items()},
        "number_keys": _values(record.get("number_keys")),
        **{name: _values(record[name]) for name in MULTI_VALUED_FACETS if name in record},
        "title_tokens": _joined(texts["title"][1].words),
        "heading_tokens": _joined(texts["heading"][1].words),
        "text_tokens": _joined([term for term, _ in text.terms(subwords=True)]),
        "text_words": text.joined(),
        "ordinal": ordinal,
    }


def _values(value: str | list[str] | None) -> list[str]:
    """A comma-separated field (number keys, the ICS and CCS codes) as a keyword list."""
    return [v for v in (value.split(",") if isinstance(value, str) else value or []) if v]


def _joined(tokens: Sequence[str]) -> str:
    """Tokens joined by spaces; EMPTY_FIELD_TOKEN for none.

    Whoosh averages a field's length over every clause, Lucene over the clauses holding the
    field: without a token in empty headings, Lucene's average heading would be longer and
    every heading match would score differently.
    """
    return " ".join(tokens) if tokens else EMPTY_FIELD_TOKEN


def _similarity_name(k1: float) -> str:
    return f"bm25_k1_{str(k1).replace('.', '_')}"


def index_body(replicas: int, knn: bool = False) -> dict[str, Any]:
    """Settings and mapping of a clause index: 2 shards, our BM25 parameters, whitespace text;
    ``knn``: ready for clause vectors (the ``knn_vector`` field is mapped when the first vectors
    come, :meth:`OpenSearchWriter.add_vectors`, since only they tell its dimension)."""
    similarities = {_similarity_name(k1): {"type": "BM25", "k1": k1, "b": BM25_B} for k1 in K1_SUFFIXES}

    def text_field(index_options: str) -> dict[str, Any]:
        field: dict[str, Any] = {
            "type": "text",
            "analyzer": "whitespace",
            "similarity": _similarity_name(BM25_K1),
            "index_options": index_options,
        }
        extra = {s.lstrip("."): k1 for k1, s in K1_SUFFIXES.items() if s}
        field["fields"] = {
            name: {"type": "text", "analyzer": "whitespace", "similarity": _similarity_name(k1), "index_options": "freqs"}
            for name, k1 in extra.items()
        }
        return field

    properties: dict[str, Any] = {name: {"type": "keyword"} for name in KEYWORD_FIELDS}
    properties.update(
        {
            "title_tokens": text_field("positions"),
            "heading_tokens": text_field("positions"),
            "text_tokens": text_field("freqs"),
            "text_words": {"type": "text", "analyzer": "whitespace", "index_options": "positions", "norms": False},
            "number_keys": {"type": "keyword"},
            "position": {"type": "integer"},
            "current": {"type": "byte"},
            "ordinal": {"type": "long"},
        }
    )
    return {
        "settings": {
            "index": {
                "number_of_shards": SHARDS,
                "number_of_replicas": replicas,
                "refresh_interval": "-1",
                "similarity": similarities,
                **({"knn": True} if knn else {}),
            }
        },
        # Everything else of a record (raw title and text, label, number …) is kept in _source only.
        "mappings": {"dynamic": False, "properties": properties},
    }


@functools.cache
def _knn_installed(urls: tuple[str, ...]) -> bool:
    """True when every node of the cluster at ``urls`` has the k-NN plugin."""
    plugins = call(_client(urls).cat.plugins, format="json")
    nodes = call(_client(urls).cat.nodes, format="json", h="name")
    with_knn = {p.get("name") for p in plugins if p.get("component") == KNN_PLUGIN}
    return bool(nodes) and all(n.get("name") in with_knn for n in nodes)


def knn_installed() -> bool:
    """True when the configured cluster can store and search clause vectors (k-NN plugin)."""
    return _knn_installed(tuple(cluster_urls()))


def replicas() -> int:
    """Replicas per shard: $STDSEARCH_OPENSEARCH_REPLICAS, else 1."""
    raw = os.environ.get(REPLICAS_ENV, "").strip()
    return int(raw) if raw.isdigit() else DEFAULT_REPLICAS


# --- plans → query DSL ---------------------------------------------------------------------


def field_name(field: str, k1: float) -> str:
    """The indexed field of a plan field for BM25 parameter ``k1``."""
    if field not in TEXT_FIELDS:
        return field
    if k1 not in K1_SUFFIXES:
        raise StdsearchError(f"the opensearch engine has no BM25 field for k1={k1}: add it to K1_SUFFIXES")
    return f"{field}_tokens{K1_SUFFIXES[k1]}"


#: A term's weight correction: (field, word) → factor on its boost (see :func:`idf_correction`).
Corrections = Mapping[tuple[str, str], float]


def whoosh_idf(df: int, clauses: int) -> float:
    """Whoosh's BM25F idf: ln(N / (df + 1)) + 1."""
    return math.log(clauses / (df + 1)) + 1


def lucene_idf(df: int, clauses: int) -> float:
    """Lucene's BM25 idf: ln(1 + (N − df + 0.5) / (df + 0.5))."""
    return math.log(1 + (clauses - df + 0.5) / (df + 0.5))


def idf_correction(df: int, clauses: int) -> float:
    """The boost factor that turns OpenSearch's BM25 score of a term into Whoosh's: Whoosh's
    idf over Lucene's (OpenSearch's BM25 keeps the (k1 + 1) numerator, as Whoosh does). Both
    engines then score by the same formula; only Lucene's one-byte length encoding differs."""
    if df <= 0 or clauses <= 0:
        return 1.0
    return whoosh_idf(df, clauses) / lucene_idf(df, clauses)


def text_terms(node: Node) -> set[tuple[str, str]]:
    """The (field, word) of every term of a plan node on a text field."""
    if isinstance(node, Term):
        return {(node.field, node.word)} if node.field in TEXT_FIELDS else set()
    if isinstance(node, AnyOf):
        return set().union(*(text_terms(c) for c in node.children)) if node.children else set()
    if isinstance(node, AllOf):
        return set().union(*(text_terms(c) for c in (*node.children, *node.excluded)))
    return set()


def to_dsl(node: Node, k1: float, corrections: Corrections | None = None) -> dict[str, Any]:
    """The query DSL of a plan node (scores summed like Whoosh's Or and And); ``corrections``
    multiply the boosts of text terms (:func:`idf_correction`)."""
    if isinstance(node, Term):
        boost = node.boost * (corrections or {}).get((node.field, node.word), 1.0)
        return {"term": {field_name(node.field, k1): {"value": node.word, "boost": boost}}}
    if isinstance(node, Phrase):
        target = PHRASE_FIELDS.get(node.field, node.field)
        return {"match_phrase": {target: {"query": " ".join(node.words), "boost": node.boost}}}
    if isinstance(node, AnyOf):
        children = [to_dsl(c, k1, corrections) for c in node.children if not isinstance(c, Nothing)]
        if not children:
            return {"match_none": {}}
        return children[0] if len(children) == 1 else {"bool": {"should": children, "minimum_should_match": 1}}
    if isinstance(node, AllOf):
        if any(isinstance(c, Nothing) for c in node.children):
            return {"match_none": {}}
        query: dict[str, Any] = {"must": [to_dsl(c, k1, corrections) for c in node.children]}
        excluded = [to_dsl(c, k1, corrections) for c in node.excluded if not isinstance(c, Nothing)]
        if excluded:
            query["must_not"] = excluded
        return {"bool": query}
    if isinstance(node, Everything):
        return {"match_all": {}}
    if isinstance(node, Nothing):
        return {"match_none": {}}
    raise TypeError(f"not a plan node: {node!r}")


def filtered(plan: Plan, corrections: Corrections | None = None) -> dict[str, Any]:
    """The plan's query within its exact-value filters (and its documents, when it names them)."""
    core = to_dsl(plan.query, plan.k1, corrections)
    filters = term_filters(plan.filters)
    if plan.documents is not None:  # as_of: only the documents in force that day
        filters.append({"terms": {"doc_id": sorted(plan.documents)}})
    return {"bool": {"must": [core], "filter": filters}} if filters else core


def inner_product(score: float) -> float:
    """The dot product behind a k-NN score of the ``innerproduct`` space (which maps a dot
    product d to d + 1 when d ≥ 0, else to 1 / (1 − d), to keep scores positive)."""
    return score - 1.0 if score >= 1.0 else 1.0 - 1.0 / score


def term_filters(filters: Mapping[str, str]) -> list[dict[str, Any]]:
    """Exact-value facet filters as ``term`` queries (a multi-valued facet, a keyword list,
    passes when one of its values is the one wanted)."""
    return [{"term": {name: value}} for name, value in filters.items() if value]


def with_priors(query: dict[str, Any], plan: Plan, not_current: bool) -> dict[str, Any]:
    """``query`` with the plan's level priors (and the not-current factor) as score weights."""
    functions = [{"filter": {"term": {"level": level}}, "weight": f} for level, f in plan.level_prior.items()]
    if not_current and plan.not_current_factor != 1.0:
        functions.append({"filter": {"term": {"current": 0}}, "weight": plan.not_current_factor})
    if not functions:
        return query
    return {
        "function_score": {"query": query, "functions": functions, "score_mode": "multiply", "boost_mode": "multiply"}
    }


def sort_of(plan: Plan) -> list[Any]:
    """The DSL sort of a plan: its keys (``score`` → _score), else by score; ties in insertion order."""
    keys = plan.sort or (("score", True),)
    return [
        "_score" if name == "score" else {name: "desc" if descending else "asc"} for name, descending in keys
    ] + [{"ordinal": "asc"}]


def facet_aggregations(plan: Plan) -> dict[str, Any]:
    """One terms aggregation per facet of the plan, most frequent first then by value."""
    return {
        name: {"terms": {"field": name, "size": FACET_SIZE, "order": [{"_count": "desc"}, {"_key": "asc"}]}}
        for name in plan.facets
    }


def facet_counts(aggregations: Mapping[str, Any], facets: Sequence[str]) -> dict[str, dict[str, int]]:
    """value → count per facet, empty values left out."""
    return {
        name: {b["key"]: b["doc_count"] for b in aggregations.get(name, {}).get("buckets", []) if b["key"] != ""}
        for name in facets
    }


def _check_complete(response: Mapping[str, Any]) -> None:
    """EngineUnavailable when some shards did not answer or the search timed out."""
    shards = response.get("_shards", {})
    if shards.get("failed") or response.get("timed_out"):
        reasons = {f.get("reason", {}).get("type", "?") for f in shards.get("failures", [])}
        raise EngineUnavailable(
            f"the OpenSearch cluster answered from {shards.get('successful', 0)} of {shards.get('total', 0)} "
            f"shards ({', '.join(sorted(reasons)) or 'timed out'}); try again when it is green"
        )


def document_evidence(
    hits: list[dict[str, Any]], weight: float, not_current_factor: float
) -> list[tuple[dict[str, Any], float]]:
    """(hit, final score) best first: each score plus ``weight`` × the best score of its
    document among ``hits``, then times the not-current factor; ties in insertion order."""
    best: dict[str, float] = {}
    for hit in hits:
        doc_id = hit["_source"]["doc_id"]
        best[doc_id] = max(best.get(doc_id, 0.0), hit["_score"])
    scored = []
    for hit in hits:
        source = hit["_source"]
        score = hit["_score"] + weight * best[source["doc_id"]]
        if not source.get("current", 1):
            score *= not_current_factor
        scored.append((hit, score, source.get("ordinal", 0)))
    scored.sort(key=lambda item: (-item[1], item[2]))
    return [(hit, score) for hit, score, _ in scored]


# --- the engine ----------------------------------------------------------------------------


class OpenSearchVocabulary:
    """Term statistics from the cluster (the Vocabulary protocol), cached for one engine."""

    def __init__(self, engine: OpenSearchEngine):
        self.engine = engine
        self._frequencies: dict[tuple[str, str], int] = {}
        self._containing: dict[str, list[str]] = {}
        self._count: int | None = None

    def clause_count(self) -> int:
        """Number of live clauses."""
        if self._count is None:
            self._count = int(call(self.engine.client.count, index=self.engine.alias)["count"])
        return self._count

    def doc_frequency(self, field: str, word: str) -> int:
        """Number of live clauses whose ``field`` holds ``word`` (for a text field, the word's
        frequencies in all text fields are fetched at once: plans ask for them together)."""
        fields = TEXT_FIELDS if field in TEXT_FIELDS else (field,)
        return self.doc_frequencies({(name, word) for name in fields})[(field, word)]

    def doc_frequencies(self, terms: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Document frequencies of (field, word) pairs, the unknown ones in one request (which
        counts the live clauses too, when they are not known yet: one round trip less)."""
        missing = sorted(terms - self._frequencies.keys())
        if missing:
            filters = {str(i): {"term": {field_name(f, BM25_K1): w}} for i, (f, w) in enumerate(missing)}
            counted = self._count is None
            body = {"size": 0, "track_total_hits": counted, "aggs": {"df": {"filters": {"filters": filters}}}}
            response = call(self.engine.client.search, index=self.engine.alias, body=body)
            for name, bucket in response["aggregations"]["df"]["buckets"].items():
                self._frequencies[missing[int(name)]] = int(bucket["doc_count"])
            if counted:
                self._count = int(response["hits"]["total"]["value"])
        return {t: self._frequencies[t] for t in terms}

    def words_containing(self, char: str) -> list[str]:
        """Indexed words of the text containing ``char``, in code-point order (the first
        MAX_EXPANSIONS, as the plan uses them)."""
        if char in self._containing:
            return self._containing[char]
        body = {
            "size": MAX_EXPANSIONS,
            "query": {"wildcard": {"word": {"value": f"*{_wildcard_escape(char)}*"}}},
            "sort": [{"word": "asc"}],
            "_source": False,
            "docvalue_fields": ["word"],
        }
        response = call(self.engine.client.search, index=vocabulary_name(self.engine.alias), body=body)
        found = self._containing[char] = [hit["fields"]["word"][0] for hit in response["hits"]["hits"]]
        return found

    def number_keys(self) -> list[str]:
        """Every exact standard-number key in the index."""
        keys: list[str] = []
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": 1000, "sources": [{"key": {"terms": {"field": "number_keys"}}}]}
            if after:
                composite["after"] = after
            body = {"size": 0, "aggs": {"keys": {"composite": composite}}}
            response = call(self.engine.client.search, index=self.engine.alias, body=body)
            result = response["aggregations"]["keys"]
            keys.extend(b["key"]["key"] for b in result["buckets"])
            after = result.get("after_key")
            if not after or not result["buckets"]:
                return keys


def _wildcard_escape(text: str) -> str:
    return re.sub(r"([\\*?])", r"\\\1", text)


def vocabulary_name(alias: str) -> str:
    """The index of the words of a home's text field (for single-character expansion)."""
    return f"{alias}-words"


#: alias → until when (monotonic seconds) its index is known to hold no vectors.
_no_vectors: dict[str, float] = {}


class OpenSearchEngine:
    """The Engine protocol over a home's alias in an OpenSearch cluster."""

    name = "opensearch"

    def __init__(self, home: Home):
        self.home = home
        self.client = client()
        self.alias = alias_name(home)
        self._vocabulary = OpenSearchVocabulary(self)

    def vocabulary(self) -> OpenSearchVocabulary:
        """The term statistics of the live index (cached for this engine's lifetime: a request)."""
        return self._vocabulary

    def corrections(self, plan: Plan) -> dict[tuple[str, str], float]:
        """The idf correction of every text term of the plan (one request for the unknown
        frequencies)."""
        terms = text_terms(plan.query)
        if not terms:
            return {}
        frequencies = self._vocabulary.doc_frequencies(terms)  # counts the clauses too
        clauses = self._vocabulary.clause_count()
        return {t: idf_correction(df, clauses) for t, df in frequencies.items()}

    def fetch(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Stored fields of the clauses with these keys (absent keys are left out)."""
        if not keys:
            return {}
        response = call(self.client.mget, index=self.alias, body={"ids": list(keys)}, _source_excludes=sorted(_DERIVED))
        return {d["_id"]: _stored(d["_source"]) for d in response["docs"] if d.get("found")}

    def search(self, body: dict[str, Any], scored: bool) -> dict[str, Any]:
        """One search on the alias (global term statistics when scores matter)."""
        search_type = "dfs_query_then_fetch" if scored else "query_then_fetch"
        response = call(self.client.search, index=self.alias, body=body, search_type=search_type)
        _check_complete(response)
        return response

    def run(self, plan: Plan) -> EngineResult:
        """Rank, count and facet the clauses matching ``plan``."""
        if plan.b != BM25_B or any(plan.field_b.get(name, BM25_B) != BM25_B for name in plan.field_b):
            raise StdsearchError(f"the opensearch engine's index scores with b={BM25_B} in every field")
        if plan.document_weight and not plan.sort:
            return self._run_with_evidence(plan)
        scored = not plan.sort or any(name == "score" for name, _ in plan.sort)
        body: dict[str, Any] = {
            "query": with_priors(filtered(plan, self.corrections(plan)), plan, not_current=not plan.sort),
            "from": (plan.page - 1) * plan.per_page,
            "size": plan.per_page,
            "sort": sort_of(plan),
            "track_total_hits": True,
            "track_scores": scored,
            "_source": {"excludes": sorted(_DERIVED)},
            "aggs": facet_aggregations(plan),
        }
        response = self.search(body, scored)
        hits = response["hits"]["hits"]
        return EngineResult(
            keys=[h["_id"] for h in hits],
            scores=[float(h.get("_score") or 0.0) for h in hits],
            total=int(response["hits"]["total"]["value"]),
            facet_counts=facet_counts(response.get("aggregations", {}), plan.facets),
            fields={h["_id"]: _stored(h["_source"]) for h in hits},
        )

    def nearest(self, vector: Sequence[float], filters: Mapping[str, str], k: int) -> list[tuple[str, float]] | None:
        """(key, similarity: the dot product) of the ``k`` clauses nearest to ``vector`` passing
        ``filters``: a k-NN query on the clauses' ``knn_vector`` field, the filters applied
        inside the search (Lucene's filtered HNSW). None when the index holds no vectors (no
        k-NN plugin, or written without them): the caller ranks the home's vectors itself."""
        if not knn_installed() or _no_vectors.get(self.alias, 0.0) > time.monotonic():
            return None  # no plugin: no k-NN query to try (and to have refused once a minute)
        knn: dict[str, Any] = {
            "vector": [float(x) for x in vector],
            "k": k,
            "method_parameters": {"ef_search": max(k, KNN_EF_SEARCH)},
        }
        if terms := term_filters(filters):
            knn["filter"] = {"bool": {"filter": terms}}
        body = {"size": k, "_source": False, "query": {"knn": {VECTOR_FIELD: knn}}}
        try:
            response = self.search(body, scored=False)
        except EngineUnavailable:
            raise
        except StdsearchError:  # refused: no k-NN query, or no vector field in this index
            _no_vectors[self.alias] = time.monotonic() + NO_VECTORS_MEMORY
            return None
        return [(h["_id"], inner_product(float(h["_score"]))) for h in response["hits"]["hits"]]

    def _run_with_evidence(self, plan: Plan) -> EngineResult:
        """:meth:`run` for plans with document evidence: rerank the top EVIDENCE_DEPTH clauses."""
        body: dict[str, Any] = {
            "query": with_priors(filtered(plan, self.corrections(plan)), plan, not_current=False),
            "size": max(EVIDENCE_DEPTH, plan.wanted),
            "sort": sort_of(plan),
            "track_total_hits": True,
            "_source": ["doc_id", "current", "ordinal"],
            "aggs": facet_aggregations(plan),
        }
        response = self.search(body, scored=True)
        ranked = document_evidence(response["hits"]["hits"], plan.document_weight, plan.not_current_factor)
        page = ranked[(plan.page - 1) * plan.per_page : plan.wanted]
        return EngineResult(
            keys=[h["_id"] for h, _ in page],
            scores=[score for _, score in page],
            total=int(response["hits"]["total"]["value"]),
            facet_counts=facet_counts(response.get("aggregations", {}), plan.facets),
        )


def _stored(source: Mapping[str, Any]) -> dict[str, Any]:
    """A clause's stored fields as the Whoosh engine returns them (token fields left out)."""
    fields = {k: v for k, v in source.items() if k not in _DERIVED}
    fields["number_keys"] = ",".join(source.get("number_keys") or [])
    for name in MULTI_VALUED_FACETS:
        if name in source:
            fields[name] = ",".join(source[name])
    return fields


_DERIVED = frozenset({"title_tokens", "heading_tokens", "text_tokens", "text_words", "ordinal", VECTOR_FIELD})


# --- writing -------------------------------------------------------------------------------


class OpenSearchWriter:
    """The EngineWriter protocol over one concrete index: changes are buffered and sent in bulk
    by :meth:`commit`, which refreshes the index once (readers see nothing before)."""

    def __init__(self, client_: Any, index: str):
        self.client = client_
        self.index = index
        self.deleted: list[str] = []
        self.added: list[ClauseRecord] = []
        self.count = 0
        #: Insertion order of the records (ties rank in it, as Whoosh's by document number).
        self.ordinal = time.time_ns() // 1000

    def add(self, records: Iterable[ClauseRecord]) -> int:
        """Add clause records; returns how many."""
        records = list(records)
        self.added.extend(records)
        if len(self.added) >= BULK_CHUNK * 4:
            self._send()
        return len(records)

    def replace(self, doc_id: str, records: Iterable[ClauseRecord]) -> int:
        """Replace every clause of ``doc_id`` by ``records``; returns how many."""
        self.delete(doc_id)
        return self.add(records)

    def delete(self, doc_id: str) -> None:
        """Remove every clause of ``doc_id``."""
        self.deleted.append(doc_id)

    def _send(self) -> None:
        """Send the buffered deletions, then the buffered records (bulk, retried on 429)."""
        from opensearchpy import helpers

        if self.deleted:
            # Found by scrolling and deleted in bulk (delete-by-query lives in a module the
            # minimal distribution does not ship).
            for start in range(0, len(self.deleted), 1000):
                query = {"query": {"terms": {"doc_id": self.deleted[start : start + 1000]}}, "_source": False}
                found = call(list, helpers.scan(self.client, index=self.index, query=query, size=1000))
                deletions = ({"_op_type": "delete", "_index": self.index, "_id": h["_id"]} for h in found)
                self._bulk(helpers, deletions, ignore_status=(404,))
            self.deleted = []
        if not self.added:
            return
        sources = []
        vocabulary: set[str] = set()
        for record in self.added:
            source = source_of(record, self.ordinal)
            self.ordinal += 1
            vocabulary.update(source["text_tokens"].split())
            sources.append(source)
        vocabulary.discard(EMPTY_FIELD_TOKEN)
        self._bulk(helpers, ({"_index": self.index, "_id": s["key"], "_source": s} for s in sources))
        words_index = vocabulary_name(_alias_of_index(self.index))
        self._bulk(helpers, ({"_index": words_index, "_id": w, "_source": {"word": w}} for w in vocabulary))
        self.count += len(self.added)
        self.added = []

    def _bulk(self, helpers: Any, actions: Iterator[dict[str, Any]], ignore_status: tuple[int, ...] = ()) -> None:
        """Send ``actions`` in chunks; back off and retry on 429, fail on any other error
        (but ``ignore_status``)."""
        failures = []
        for ok, item in call(
            helpers.streaming_bulk,
            self.client,
            actions,
            chunk_size=BULK_CHUNK,
            max_retries=BULK_RETRIES,
            initial_backoff=1,
            max_backoff=30,
            raise_on_error=False,
            ignore_status=ignore_status,
            request_timeout=120,
        ):
            if not ok:
                failures.append(item)
        if failures:
            raise StdsearchError(f"OpenSearch refused {len(failures)} clause records, e.g. {str(failures[0])[:300]}")

    def add_vectors(self, keys: Sequence[str], matrix: Any) -> bool:
        """Store clause vectors (rows of ``matrix``, unit length) on the clauses with these
        keys, added before, as the ``knn_vector`` field; visible at :meth:`commit`. Returns
        False (storing nothing) when the index cannot hold vectors: the cluster has no k-NN
        plugin, or the index was created without it."""
        found = call(self.client.indices.get_settings, index=self.index, name="index.knn")
        if str(found.get(self.index, {}).get("settings", {}).get("index", {}).get("knn", "")).lower() != "true":
            return False
        if not len(keys):
            return True
        mapping = {"type": "knn_vector", "dimension": int(matrix.shape[1]), "method": KNN_METHOD}
        call(self.client.indices.put_mapping, index=self.index, body={"properties": {VECTOR_FIELD: mapping}})
        self._send()  # the clauses first: a vector is an update of its clause
        from opensearchpy import helpers

        updates = (
            {"_op_type": "update", "_index": self.index, "_id": key, "doc": {VECTOR_FIELD: row.tolist()}}
            for key, row in zip(keys, matrix, strict=True)
        )
        self._bulk(helpers, updates, ignore_status=(404,))  # a clause no longer indexed has none
        _no_vectors.pop(_alias_of_index(self.index), None)
        return True

    def commit(self) -> None:
        """Send what is buffered and make it visible (one refresh)."""
        self._send()
        call(self.client.indices.refresh, index=self.index)
        call(self.client.indices.refresh, index=vocabulary_name(_alias_of_index(self.index)))

    def cancel(self) -> None:
        """Drop what is still buffered (records already sent stay until the next rebuild)."""
        self.deleted, self.added = [], []


def _alias_of_index(index: str) -> str:
    """The alias a concrete index serves (``<alias>-g<n>`` → ``<alias>``)."""
    return re.sub(r"-g\d+$", "", index)


def _ensure_vocabulary_index(client_: Any, alias: str) -> None:
    name = vocabulary_name(alias)
    if not call(client_.indices.exists, index=name):
        body = {
            "settings": {"index": {"number_of_shards": 1, "number_of_replicas": replicas()}},
            "mappings": {"dynamic": False, "properties": {"word": {"type": "keyword"}}},
        }
        call(client_.indices.create, index=name, body=body)


def live_index(client_: Any, alias: str) -> str | None:
    """The concrete index behind ``alias`` (None when there is none)."""
    if not call(client_.indices.exists_alias, name=alias):
        return None
    return next(iter(call(client_.indices.get_alias, name=alias)))


def exists(home: Home) -> bool:
    """True when the home's alias points at an index."""
    return live_index(client(), alias_name(home)) is not None


def clause_count(home: Home) -> int:
    """Number of clauses searchable in the home's live index (0 without one)."""
    if not exists(home):
        return 0
    return int(call(client().count, index=alias_name(home))["count"])


def index_bytes(home: Home) -> int:
    """Bytes of the primary shards of the home's live index (0 without one)."""
    index = live_index(client(), alias_name(home))
    if index is None:
        return 0
    stats = call(client().indices.stats, index=index, metric="store")
    return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])


class AliasWriter(OpenSearchWriter):
    """The engine's writer for a home (:func:`open_writer`): a rebuild writes a new concrete
    index and its :meth:`commit` swaps the home's alias onto it atomically, then deletes the old
    one (on :meth:`cancel` the new index is deleted and the old one keeps serving); an update
    writes into the live index, refreshed once at the commit."""

    def __init__(self, home: Home, rebuild: bool):
        client_ = client()
        self.alias = alias_name(home)
        self.rebuild = rebuild
        if rebuild:
            _ensure_vocabulary_index(client_, self.alias)
            index = f"{self.alias}-g{time.time_ns()}"
            call(client_.indices.create, index=index, body=index_body(replicas(), knn_installed()))
        else:
            found = live_index(client_, self.alias)
            if found is None:
                raise StdsearchError("this home has no OpenSearch index yet: run `stdsearch reindex --engine opensearch`")
            index = found
        super().__init__(client_, index)

    def commit(self) -> None:
        """Send and refresh what is buffered; for a rebuild, swap the alias onto the new index."""
        super().commit()
        if not self.rebuild:
            return
        call(self.client.cluster.health, index=self.index, wait_for_status="yellow")
        previous = live_index(self.client, self.alias)
        actions: list[dict[str, Any]] = [{"add": {"index": self.index, "alias": self.alias}}]
        if previous:
            actions.insert(0, {"remove": {"index": previous, "alias": self.alias}})
        call(self.client.indices.update_aliases, body={"actions": actions})
        if previous:
            call(self.client.indices.delete, index=previous, ignore_unavailable=True)

    def cancel(self) -> None:
        """Drop what is buffered; a rebuild's new index is deleted."""
        super().cancel()
        if self.rebuild:
            call(self.client.indices.delete, index=self.index, ignore_unavailable=True)


def open_writer(home: Home, rebuild: bool) -> AliasWriter:
    """The engine's writer for ``home``: a new index swapped in at commit (``rebuild``), or the
    live index updated."""
    return AliasWriter(home, rebuild)


def rebuild(home: Home, records: Iterable[ClauseRecord]) -> int:
    """Write ``records`` into a new index, then swap the home's alias onto it atomically and
    delete the old index. On any error the new index is deleted and the old one keeps serving."""
    writer = open_writer(home, rebuild=True)
    try:
        writer.add(records)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return writer.count


def drop(home: Home) -> None:
    """Delete a home's index, alias and vocabulary (tests, or leaving the cluster)."""
    client_ = client()
    alias = alias_name(home)
    index = live_index(client_, alias)
    if index:
        call(client_.indices.delete, index=index, ignore_unavailable=True)
    call(client_.indices.delete, index=vocabulary_name(alias), ignore_unavailable=True)


def records_of(home: Home, documents: Iterable[Document]) -> Iterator[ClauseRecord]:
    """The clause records of documents, as the Whoosh index holds them, with the words ingest
    cut and kept (:class:`~stdsearch.segments.SegmentCache`); a document the cache does not
    hold in its present form is segmented here."""
    from stdsearch import index as index_mod

    cache = SegmentCache(home)
    try:
        for document in documents:
            yield from index_mod.index_records(document, cache.get(document.doc_id, texts_digest(document)))
    finally:
        cache.close()


def rebuild_documents(home: Home, documents: Iterable[Document]) -> int:
    """Rebuild the home's cluster index from ``documents`` (alias swap), without their vectors
    (tests and the parity script copy a Whoosh-indexed home this way); clauses written."""
    return rebuild(home, records_of(home, documents))
