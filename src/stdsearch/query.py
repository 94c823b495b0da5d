"""Query parsing, a pure function: what the user typed → a ParsedQuery.

Syntax: words (segmented with the index's analyzer), ``"a phrase"``, ``-word`` to exclude,
and ``field:value`` filters — ``number:``, ``title:``, ``level:``, ``status:``, ``kind:``,
``region:``, ``issuer:``, ``year:``, for standards ``city:``, ``industry:``, ``mandatory:``,
``ics:``, ``ccs:``, and ``as_of:YYYY-MM-DD`` (only what was in force that day). Anything else is
text (so 注意:事项 stays a query).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stdsearch.errors import BadQuery

#: ``field:value`` prefixes understood as filters or field searches.
FILTER_FIELDS = (
    "level", "status", "kind", "region", "city", "issuer", "year", "industry", "mandatory", "ics", "ccs",
)
SEARCH_FIELDS = ("number", "title")

_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+(?:_[A-Za-z]+)?):)?("[^"]*"?|“[^”]*”?|\S+)')
_QUESTION = re.compile(r"[?？吗呢么啊呀吧]|怎么|怎样|如何|什么|哪些|哪个|是否|能否|可以|多少|为什么|应当|需要")


@dataclass
class ParsedQuery:
    """The parts of a query, before any index is consulted."""

    text: str
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    number: str = ""
    title: list[str] = field(default_factory=list)
    #: ``as_of:YYYY-MM-DD``: only documents in force that day ("" = no such condition).
    as_of: str = ""
    #: What is searched for — words, phrases, the number and titles — unquoted and without
    #: their field prefixes, in the order typed (filters and exclusions left out).
    searched: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """True when nothing is left to search for (filters alone still list documents)."""
        return not (self.words or self.phrases or self.number or self.title)

    @property
    def free_text(self) -> str:
        """The unquoted words joined back together."""
        return " ".join(self.words)

    def is_question(self) -> bool:
        """True for natural-language questions, which are searched with OR semantics."""
        return bool(_QUESTION.search(self.text)) or len(self.free_text) > 16


def _unquote(value: str) -> str:
    return value.strip('"“”').strip()


def parse_query(text: str) -> ParsedQuery:
    """Split a query string into words, phrases, exclusions and field filters."""
    if len(text) > 1000:
        raise BadQuery("query too long (1000 characters at most)")
    parsed = ParsedQuery(text=text.strip())
    for negate, name, value in _TOKEN.findall(text):
        name = name.lower()
        is_quoted = value[:1] in '"“'
        value = _unquote(value) if is_quoted else value
        if not value:
            continue
        if not negate and name not in FILTER_FIELDS and name != "as_of":
            parsed.searched.append(value if name in SEARCH_FIELDS or not name else f"{name}:{value}")
        if name in FILTER_FIELDS and not negate:
            parsed.filters[name] = value
        elif name == "as_of" and not negate:
            parsed.as_of = value
        elif name == "number" and not negate:
            parsed.number = value
        elif name == "title" and not negate:
            parsed.title.append(value)
        elif negate:
            parsed.excluded.append(value)
        elif is_quoted:
            parsed.phrases.append(value)
        else:
            parsed.words.append(f"{name}:{value}" if name else value)
    return parsed
