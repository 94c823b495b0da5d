"""Compliance tools over the corpus: batch status check, stale-reference lint, the change
feed, point-in-time filtering and the applicability finder.

Each module is a library the CLI commands, the web pages and the JSON API call alike:

* :mod:`~stdsearch.compliance.check` — standard numbers (a list, or any text) → status,
  current edition and the replacement chain.
* :mod:`~stdsearch.compliance.lint` — a document's citations → status, flagged when stale.
* :mod:`~stdsearch.compliance.changes` — the append-only change history and its feeds.
* :mod:`~stdsearch.compliance.asof` — what was in force on a given day.
* :mod:`~stdsearch.compliance.apply` — the standards and clauses that apply to a product.
"""
