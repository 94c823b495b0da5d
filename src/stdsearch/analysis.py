"""Chinese text analysis: one analyzer for index time and query time.

normalise (full-width → half-width, traditional → simplified, lower case; length-preserving so
that character offsets still point into the original text) → jieba segmentation (accurate mode,
sequential positions, real character offsets) → drop punctuation and white space.

The index-time variant also emits jieba's search-mode sub-words of long words *at the position
of the word itself*, so 质量 finds 质量强市 while phrase queries keep working (see
ENGINEERING-NOTES.md: the stock ChineseAnalyzer breaks phrases).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jieba_next.jieba_next_rust import PrefixDict
from whoosh.analysis import Token, Tokenizer

from stdsearch import files, querydict


def _import_jieba() -> Any:
    """jieba, imported without pkg_resources (jieba only uses it to open its own files and
    falls back to plain ``open``; importing it costs a quarter of a second at every start)."""
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba
    else:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
        try:
            import jieba
        finally:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    return jieba


jieba = _import_jieba()


class RoutedTokenizer(jieba.Tokenizer):  # type: ignore[misc]
    """jieba's tokenizer — its dictionary, rules, HMM and API — with the best route through a
    sentence's word graph (jieba's ``get_DAG`` and ``calc``, two thirds of its time) computed by
    the Rust core of ``jieba-next`` from the same dictionary entries: the same words (tested
    against jieba on every text of the shared data) about twice as fast."""

    def __init__(self, dictionary: Any = jieba.DEFAULT_DICT) -> None:
        super().__init__(dictionary)
        self._routes: Any = None

    def initialize(self, dictionary: Any = None) -> None:
        """Load the dictionary (jieba's ``initialize``); the route finder is rebuilt from it."""
        super().initialize(dictionary)
        self._routes = None

    def add_word(self, word: str, freq: Any = None, tag: Any = None) -> None:
        """Add a word (jieba's ``add_word``); the route finder is rebuilt with it."""
        super().add_word(word, freq, tag)
        self._routes = None

    def best_route(self, sentence: str) -> list[int]:
        """For each position of ``sentence``, the end of the word jieba's route takes from there."""
        if self._routes is None:
            self.check_initialized()
            self._routes = PrefixDict(self.FREQ, float(self.total))
        return self._routes.get_dag_and_calc(sentence)  # type: ignore[no-any-return]

    def _Tokenizer__cut_DAG(self, sentence: str) -> Iterator[str]:  # noqa: N802 - jieba's HMM cut, overridden
        """jieba's accurate-mode cut with the HMM (``Tokenizer.__cut_DAG``), on :meth:`best_route`."""
        route = self.best_route(sentence)
        x, buf, length = 0, "", len(sentence)
        while x < length:
            y = route[x] + 1
            word = sentence[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    yield from self._unknown_run(buf)
                    buf = ""
                yield word
            x = y
        if buf:
            yield from self._unknown_run(buf)

    def _unknown_run(self, buf: str) -> Iterator[str]:
        """A run of single characters between words, as jieba cuts it: the HMM for what the
        dictionary does not know."""
        if len(buf) == 1:
            yield buf
        elif not self.FREQ.get(buf):
            yield from jieba.finalseg.cut(buf)
        else:
            yield from buf


#: The one segmenter of every text stdsearch indexes or searches.
TOKENIZER = RoutedTokenizer()

_DATA = Path(__file__).with_name("data")
#: Domain dictionary of standards and policy terms, loaded into jieba once per process.
USER_DICT = _DATA / "userdict.txt"

_WORDLIKE = re.compile(r"[\w\u3400-\u9fff\uf900-\ufaff]", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@functools.cache
def _opencc():  # type: ignore[no-untyped-def]
    """The OpenCC converter (Taiwan phrases → mainland simplified), created once."""
    import opencc

    return opencc.OpenCC("tw2sp")


@functools.cache
def _t2s():  # type: ignore[no-untyped-def]
    """A character-level traditional → simplified converter, for length-preserving fallback."""
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=65536)
class _FoldTable(dict):
    """``str.translate`` table folding full-width forms to half-width and Latin to lower case,
    where that keeps a character one character; filled in as characters are first seen (NFKC
    per character was a fifth of indexing time)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char).lower()
        self[code] = value = folded if len(folded) == 1 else char
        return value


_FOLD = _FoldTable()


_HAS_NON_ASCII_LETTERS = re.compile(r"[^\x00-\x7f]")


def normalize(text: str) -> str:
    """Fold text for matching, keeping its length so offsets stay valid.

    Full-width forms become half-width, Latin letters lower case, traditional Chinese
    becomes simplified (with Taiwan vocabulary mapped: 資訊 → 信息).
    """
    folded = text.translate(_FOLD)
    if not _HAS_NON_ASCII_LETTERS.search(folded):
        return folded
    converted = _opencc().convert(folded)
    if len(converted) == len(folded):
        return converted
    converted = _t2s().convert(folded)
    return converted if len(converted) == len(folded) else folded


@functools.cache
def load_dictionary() -> None:
    """Initialise jieba once per process, with the domain dictionary when present (its
    prefix-dictionary cache in this user's private cache folder, not in /tmp), and keep
    a copy of the result for :func:`segment`'s light path (:mod:`stdsearch.querydict`)."""
    load_dictionaries_into(TOKENIZER)
    copy = querydict.dictionary_path(USER_DICT)
    if not copy.exists():
        with contextlib.suppress(OSError):  # an unwritable cache only costs later processes the full load
            querydict.write_dictionary(copy, TOKENIZER.FREQ, TOKENIZER.total)


def load_dictionaries_into(tokenizer: Any) -> None:
    """Load jieba's dictionary and the domain dictionary into a jieba tokenizer (its prefix-dictionary
    cache in this user's private cache folder, not in /tmp)."""
    tokenizer.tmp_dir = str(files.private_cache("jieba"))
    tokenizer.initialize()
    if USER_DICT.exists():
        with open(USER_DICT, "rb") as handle:  # jieba leaves a path it opens unclosed
            tokenizer.load_userdict(handle)


#: Texts a process segments through the light path before it loads the whole dictionary (past
#: this, it has real segmentation work and the whole dictionary is cheaper).
LIGHT_TEXTS = 64
_light_texts = [0]


def _tokenizer_for(text: str) -> Any:
    """jieba's tokenizer for ``text``: the loaded dictionary when this process has it (or the
    text is long, or the process has segmented many texts), else one holding only the entries
    the text can use (same segmentation)."""
    if not TOKENIZER.initialized and len(text) <= querydict.LIGHT_MAX_CHARS and _light_texts[0] < LIGHT_TEXTS:
        _light_texts[0] += 1
        light = querydict.light_tokenizer(querydict.dictionary_path(USER_DICT), text)
        if light is not None:
            return light
    load_dictionary()
    return TOKENIZER


def default_words(text: str, hmm: bool = True) -> list[str]:
    """jieba's default-mode words of ``text`` (as ``jieba.lcut``), with the domain dictionary and
    through the same light path as :func:`segment`, so a question does not load the whole dictionary."""
    return _tokenizer_for(text).lcut(text, HMM=hmm)


def is_wordlike(token: str) -> bool:
    """True for tokens worth indexing: letters, digits or CJK characters (not punctuation)."""
    return bool(_WORDLIKE.search(token))


def segment(text: str) -> list[tuple[str, int, int]]:
    """Accurate-mode jieba words of normalised text as (word, start, end), punctuation dropped."""
    return segment_normalized(normalize(text))


def segment_normalized(normalized: str) -> list[tuple[str, int, int]]:
    """What :func:`segment` gives of a text already normalised by :func:`normalize` (or of a line of one)."""
    tokens = _tokenizer_for(normalized).tokenize(normalized)
    return [(w, s, e) for w, s, e in tokens if is_wordlike(w) and not w.isspace()]


def words_normalized(normalized: str) -> list[str]:
    """The words of :func:`segment_normalized`, without their offsets (what an index takes)."""
    wordlike = _WORDLIKE.search
    return [w for w in _tokenizer_for(normalized).cut(normalized) if wordlike(w) and not w.isspace()]


def subwords(word: str) -> list[tuple[str, int]]:
    """Search-mode sub-words of a long word, as (sub-word, offset within the word).

    The 2- and 3-character pieces that jieba knows as words, as in jieba's search mode.
    """
    if len(word) < 3 or not _CJK.search(word):
        return []
    pieces = [(word[i : i + size], i) for size in (2, 3) for i in range(len(word) - size + 1)]
    known = known_words([piece for piece, _ in pieces if piece != word])
    return [(piece, i) for piece, i in pieces if piece in known]


#: Words whose sub-words a process looks up in the dictionary's SQLite copy before it loads the
#: whole dictionary instead (past this, the work is large and a dictionary lookup is cheaper).
LIGHT_LOOKUPS = 2000
_light_lookups = [0]


def known_words(candidates: list[str]) -> set[str]:
    """The candidates that are words of the dictionary (a count above zero): looked up in the
    loaded dictionary, or — while this process has not loaded it and has little to look up (a
    small incremental ingest, a query) — in its SQLite copy (:mod:`stdsearch.querydict`),
    which gives the same answer."""
    if not TOKENIZER.initialized and _light_lookups[0] < LIGHT_LOOKUPS:
        _light_lookups[0] += 1
        found = querydict.known_words(querydict.dictionary_path(USER_DICT), candidates)
        if found is not None:
            return found
    if not TOKENIZER.initialized:
        load_dictionary()
    freq = TOKENIZER.FREQ
    return {piece for piece in candidates if freq.get(piece)}


def query_terms(text: str) -> list[str]:
    """The accurate-mode tokens of a query, as the index's analyzer produces them."""
    return list(_query_terms(text))


@functools.lru_cache(maxsize=8192)
def _query_terms(text: str) -> tuple[str, ...]:
    """:func:`query_terms`, remembered: a search segments the same words several times (the
    budget, each plan), and a server meets the same words again and again."""
    return tuple(w for w, _, _ in segment(text))


class ChineseTokenizer(Tokenizer):
    """A Whoosh tokenizer over jieba with sequential positions and real character offsets.

    With ``subwords=True`` (index time) the search-mode pieces of a long word are emitted at
    the same position as the word, so they are findable without breaking phrase queries.
    """

    def __init__(self, subwords: bool = False):
        self.subwords = subwords

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChineseTokenizer) and other.subwords == self.subwords

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        emit_subwords = self.subwords and mode != "query"
        for pos, (word, start, _end) in enumerate(segment(value)):
            pieces = [(word, 0)] + (subwords(word) if emit_subwords else [])
            for text, offset in pieces:
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = start_pos + pos
                if chars:
                    token.startchar = start_char + start + offset
                    token.endchar = token.startchar + len(text)
                yield token


def index_analyzer() -> ChineseTokenizer:
    """The analyzer of the text fields at index time (words plus their sub-words)."""
    return ChineseTokenizer(subwords=True)


def plain_analyzer() -> ChineseTokenizer:
    """The analyzer for short fields (titles, headings) and for queries: words only."""
    return ChineseTokenizer(subwords=False)
