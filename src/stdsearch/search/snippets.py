"""Snippets and highlighting: which words of a query to mark, and the best window of a text.

Output is HTML: the text is always escaped, only the ``<mark>`` tags are ours.
"""

from __future__ import annotations

import html
import re

from stdsearch import analysis
from stdsearch.query import ParsedQuery, parse_query
from stdsearch.search import words

#: Characters of clause text shown in a hit's snippet.
SNIPPET_CHARS = 160


def highlight_terms(parsed: ParsedQuery) -> list[str]:
    """The normalised strings to mark in results: words, phrase words, title words (longest first).

    In a question, the question's free words that are function words (不, 给, 怎么办 — the stop
    words questions are searched without) and other single characters are not marked: they
    would mark every other character of a clause. Quoted phrases and titles are marked whole.
    """
    free = set(analysis.query_terms(parsed.free_text))
    if parsed.is_question():
        dropped = words.stopwords() | words.baseline_stopwords()
        free = {t for t in free if len(t) > 1 and t not in dropped}
    exact = {t for piece in [*parsed.phrases, *parsed.title] for t in analysis.query_terms(piece)}
    return sorted(free | exact, key=len, reverse=True)


def match_spans(text: str, marks: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping spans of ``marks`` in ``text`` (matched on the normalised text)."""
    if not marks:
        return []
    folded = analysis.normalize(text)
    pattern = re.compile("|".join(re.escape(m) for m in marks))
    return [m.span() for m in pattern.finditer(folded)]


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` HTML-escaped, with <mark> around the spans."""
    out, last = [], 0
    for start, end in spans:
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def highlight(text: str, query: str) -> str:
    """The whole text, HTML-escaped, with the query's terms marked."""
    return mark(text, match_spans(text, highlight_terms(parse_query(query))))


def snippet(text: str, marks: list[str], width: int = SNIPPET_CHARS) -> str:
    """The window of ``text`` with the most marked terms, HTML-escaped and marked."""
    spans = match_spans(text, marks)
    if len(text) <= width:
        return mark(text, spans)
    start = _best_window(spans, len(text), width)
    end = min(len(text), start + width)
    inside = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    body = mark(text[start:end], inside)
    return ("…" if start else "") + body + ("…" if end < len(text) else "")


def _best_window(spans: list[tuple[int, int]], length: int, width: int) -> int:
    """Start of the window of ``width`` characters that covers the most spans."""
    if not spans:
        return 0
    best_start, best_count = 0, -1
    for start, _ in spans:
        begin = max(0, min(start - width // 4, length - width))
        count = sum(1 for s, e in spans if s >= begin and e <= begin + width)
        if count > best_count:
            best_start, best_count = begin, count
    return best_start
