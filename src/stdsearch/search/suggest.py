""""Did you mean": close standard numbers, else the query without the words nothing holds."""

from __future__ import annotations

import re

from stdsearch import analysis, numbers
from stdsearch.query import ParsedQuery
from stdsearch.search.engine import Vocabulary

#: At most this many suggestions.
MAX_SUGGESTIONS = 5


def suggest(vocabulary: Vocabulary, parsed: ParsedQuery) -> list[str]:
    """Suggestions for a query that found nothing (or looked like a number)."""
    candidate = parsed.number or parsed.text
    if candidate and re.search(r"\d", candidate):
        close = numbers.suggest(candidate, vocabulary.number_keys())
        if close:
            return close[:MAX_SUGGESTIONS]
    words = analysis.query_terms(parsed.free_text)
    if len(words) > 1:
        present = [w for w in words if vocabulary.doc_frequency("text", w)]
        if present and len(present) < len(words):
            return [" ".join(present)]
    return []
