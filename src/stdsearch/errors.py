"""One small exception hierarchy, caught at the edges (CLI exit codes, HTTP statuses)."""

from __future__ import annotations


class StdsearchError(Exception):
    """Base class of every error stdsearch reports to a user."""


class ParseError(StdsearchError):
    """A file or page could not be read as a document (the message says why)."""


class FetchError(StdsearchError):
    """A URL could not be fetched (network, HTTP status, policy refusal)."""


class IndexBusy(StdsearchError):
    """Another process holds the index write lock."""


class NotFound(StdsearchError):
    """A document or clause id that is not in the corpus."""


class BadQuery(StdsearchError):
    """A query or query parameter that cannot be executed."""


class NotADocument(ParseError):
    """A file that is knowingly not a document (catalogue metadata, reference data): skipped,
    not failed, when met in a folder."""


class Unavailable(StdsearchError):
    """Something the request needs is not set up in this home (vectors for ``semantic=on``)."""
