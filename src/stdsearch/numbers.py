"""Standard numbers: every written form of a designation, parsed into one canonical form.

``GB/T19001-2016``, ``gb/t 19001—2016``, ``GBT 19001-2016`` and ``ＧＢ／Ｔ　１９００１－２０１６`` are
all :class:`StandardNumber` ``("GB/T", "19001", "2016")``, written ``GB/T 19001-2016``
(:attr:`StandardNumber.canonical`) and identified as ``gb-t-19001-2016`` (:attr:`StandardNumber.slug`,
the standard's doc_id).

Rules (documented here, tested in tests/test_numbers.py):

* Prefixes: national ``GB``, ``GB/T``, ``GB/Z``, ``GBZ``, ``GBZ/T``, ``GBJ``; the industry codes in
  :data:`INDUSTRY_CODES` with optional ``/T`` or ``/Z`` (``HG/T``, ``JGJ/T``; ``GBT``, ``HGT`` without
  the slash are read as ``GB/T``, ``HG/T``); any other 2–4 letter code followed by ``/T`` or ``/Z``;
  local ``DB`` + 2, 4 or 6 digit region code (``DB35/T``, ``DB3502/T``) and local engineering
  ``DBJ`` (``DBJ/T 13-118-2014``: region 13, number 118); metrology ``JJG``, ``JJF``; group ``T/`` + organisation
  (``T/CAS``); enterprise ``Q/`` + organisation (``Q/CSG``, ``Q/CSG-GPG-GPED``); association ``CECS``;
  Taiwan ``CNS``; international ``ISO``, ``IEC``, ``ISO/IEC`` (and ``/TS``, ``/TR``, ``/PAS``).
* Body: digits with dotted part numbers (``1.1``, ``1499.2``), at most 6 digits before the first dot.
  ISO/IEC, CNS and DBJ part numbers use hyphens (``CNS 15030-1``, ``IEC 60335-2-40``); an enterprise body
  may contain single spaces (``Q/CSG 2 16 004-2019``).
* Year: after any dash (``- – — ― －``), a colon or a tilde. A 4-digit year must be 1900–2099;
  a 2-digit year is expanded 00–30 → 20xx, 31–99 → 19xx (``GB 8923-88`` → 1988). ISO/IEC/CNS years
  follow a colon (a hyphen followed by a plausible 4-digit year is accepted too).
* Ranges: ``HG/T 20592~20635-2009`` is one published document covering a series; its body keeps the
  range (``20592~20635``) and :func:`number_keys` indexes every member of the series (up to 200), so
  ``HG/T 20615`` finds it. A tilde is a range only when the number after it is larger than the body;
  otherwise it separates the year (``GB/T 19001~2016``).
* Canonical form: ``PREFIX BODY-YEAR``; ``CECS``, ``CNS`` and ISO/IEC write ``PREFIX BODY:YEAR``.
* Read from a whole field only (:func:`parse_number`, not in running text), as catalogues write them:
  departmental and local metrology rules ``JJG(电子) 02001-1988``, ``JJF(浙)1104-2014``; old
  professional standards ``ZB B 04005-1986``; drug-packaging ``YBB00122004-2015`` (8-digit body);
  ministry-announcement standards ``农业部1193号公告-1-2009``; Guizhou/Yunnan ``DG5306/T 18-2014``;
  food-safety local ``DBS15/ 003-2012``; ``DB4117T 329-2021`` without its slash; any other
  code with a dated body (``NJ 106-1986``, ``GBN 193-1983``; typed in lower case only with a plain
  body and a 4-digit year: ``ybb 0026-2004``); and two variants of a
  dated number kept in :attr:`StandardNumber.variant`: an amendment (修改单)
  ``GB/T 19001-2008/XG1-2011`` and a translation ``GB/T 24359-2009E`` (英文版; R, L, P …).
  A variant is its own document with its own key: ``GB/T 19001-2008`` does not find its amendment.

What is not a standard number stays text: dates, phone numbers, 第十二条, document numbers such
as 国发〔2021〕3号, percentages, ``5G``, ``BIM``, ``ISBN …`` (no known prefix, or no body).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from stdsearch.identity import short_hash, slugify

#: Chinese industry standard codes (行业标准代号) and engineering-construction codes.
_INDUSTRY_CODE_LIST = (
    "AQ BB CB CH CJ CJJ CY DA DL DZ EJ FZ GA GH GM GY HB HG HJ HS HY JB JC JG JGJ JR JT JTG JTJ "
    "JY LB LD LS LY MH MT MZ NB NY QB QC QJ QX SB SC SF SH SJ SL SN SW SY TB TD TY WB WH WJ WM WS WW "
    "XB YB YC YD YJ YS YY YZ ZY"
)
INDUSTRY_CODES = frozenset(_INDUSTRY_CODE_LIST.split())

#: Prefixes whose canonical form separates the year with a colon.
COLON_PREFIXES = ("CECS", "CNS", "ISO", "IEC")

#: Shanghai engineering-construction standards, written ``DG/TJ08-9-2023``, ``DGJ08-20-2019``.
DASH_PREFIXES = ("DG/TJ08", "DGJ08")

#: Compact forms typed without slash or space: ``db35t1234``, ``TCAS1111``, ``QCSG510001``.
_COMPACT = re.compile(
    r"(?:(?P<db>DB\d{2}(?:\d{2}){0,2})(?P<kind>[TZ])|T(?P<group>[A-Z]{2,8})|Q(?P<company>[A-Z]{2,8}))"
    r"(?P<rest>\d+(?:\.\d+)*(?:-\d{2,4})?)",
    re.IGNORECASE,
)

#: Longest member count a range is expanded to in :func:`number_keys`.
MAX_RANGE = 200

class _FoldTable(dict):  # type: ignore[type-arg]
    """A ``str.translate`` table that remembers the characters it leaves as they are: a lookup
    that misses raises (and clears) a KeyError inside ``translate`` for every character."""

    def __missing__(self, code: int) -> int:
        self[code] = code
        return code


_FOLD = _FoldTable({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20})
_FOLD.update(dict.fromkeys(map(ord, "‐‑‒–—―−﹣"), ord("-")))
_FOLD.update(dict.fromkeys(map(ord, "〜～∼"), ord("~")))
_FOLD.update(dict.fromkeys(map(ord, "∶︰"), ord(":")))

#: National metrology regulations and local engineering-construction standards (DBJ/T 13-118-2014).
OTHER_CODES = frozenset({"JJG", "JJF", "DBJ"})
#: Prefixes whose hyphen-separated groups belong to the body (parts), not to the year.
HYPHEN_PART_PREFIXES = ("ISO", "IEC", "CNS", "DBJ")

_ALL_CODES = INDUSTRY_CODES | OTHER_CODES | {"GBZ", "GBJ", "GB", "CECS"}
_CODES = "|".join(sorted(_ALL_CODES, key=len, reverse=True))
_PREFIX = rf"""
    (?P<code>{_CODES})(?:[ ]?(?:/[ ]?)?(?P<kind>[TZ]))?(?![A-Z])
  | (?P<other>[A-Z]{{2,4}})[ ]?/[ ]?(?P<okind>[TZ])(?![A-Z])
  | DB[ ]?(?P<region>\d{{2}}(?:\d{{2}}){{0,2}})(?:[ ]?(?:/[ ]?)?(?P<dbkind>[TZ])|[ ]?/[ ]?)?(?![A-Z])
  | T[ ]?/[ ]?(?P<group>[A-Z]{{1,10}}(?:[0-9]+[A-Z]+)*)
  | Q[ ]?/[ ]?(?P<company>[A-Z]+(?:[0-9]+[A-Z]+)*(?:-[A-Z]+(?:[0-9]+[A-Z]+)*)*)
  | (?P<intl>ISO(?:[ ]?/[ ]?IEC)?(?:[ ]?/[ ]?(?:TS|TR|PAS))?|IEC(?:[ ]?/[ ]?(?:TS|TR))?|CNS)(?![A-Z])
  | (?P<shanghai>DG[ ]?/[ ]?TJ[ ]?08|DGJ[ ]?08)[ ]?-
"""
_BODY = r"(?P<body>\d{1,6}(?:\.\d+)*(?:[ ]\d+)*)(?!\d|\.\d)"
_TAIL = r"(?P<tail>(?:[ ]?[-:~][ ]?\d+(?:\.\d+)*)*)"
_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_PREFIX})[ ]?{_BODY}{_TAIL}", re.IGNORECASE | re.VERBOSE
)
#: Where a number may start: a Latin letter after a non-alphanumeric (a cheap first scan).
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]")
_TAIL_PART = re.compile(r"[ ]?([-:~])[ ]?(\d+(?:\.\d+)*)")
_BARE = re.compile(r"\d+(?:\.\d+)*")
#: Most digits before the first dot of a body found anywhere; drug-packaging (YBB) and
#: enterprise bodies may have :data:`LONG_BODY_DIGITS` in a whole field.
MAX_BODY_DIGITS = 6
LONG_BODY_DIGITS = 8
#: An amendment (修改单) or a translation edition after a dated number.
_VARIANT = re.compile(r"(?P<base>.+?-[ ]?\d{2,4})(?P<variant>/XG\d+(?:-\d{4})?|[A-Z]{1,2})", re.IGNORECASE)
#: Province abbreviations of local metrology rules: JJG(浙) is Zhejiang's.
PROVINCE_ABBREVIATIONS = frozenset("京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川黔滇陕甘青蒙桂藏宁新")
_DATED = r"[ ]?(?P<body>\d{1,8}(?:\.\d+)*)[ ]?-[ ]?(?P<year>\d{4}|\d{2})"
#: The body of a number under a code we do not list: digits with parts, a letter, a series
#: number or spaced groups (``1203A``, ``10C-20047``, ``00012005-1``, ``01 01 01 00``).
_LOOSE_DATED = (
    r"[ ]?(?P<body>\d{1,8}(?:\.\d+)*(?:[ ]\d{2})*[A-Z]?(?:-\d{1,5}(?:\.\d+)*)?)[ ]?-[ ]?(?P<year>\d{4}|\d{2})"
)
#: A group standard's body with letters or parts: ``B028``, ``TG06-011.3``, ``10-1-2``.
_GROUP_DATED = r"[ ]?(?P<body>[A-Z]{0,3}\d{1,6}(?:[-.]\d+)*)[ ]?-[ ]?(?P<year>\d{4})"


def _metrology_prefix(match: re.Match[str]) -> str:
    return f"{match.group('code').upper()}({match.group('owner').upper()})"


#: Whole-field forms, tried in order: (pattern, the canonical prefix of a match).
_WHOLE_FIELD_FORMS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"(?P<code>JJ[GF])[ ]?\((?P<owner>[^()\s]{1,8})\)" + _DATED, re.IGNORECASE), _metrology_prefix),
    (re.compile(r"ZB[ ]?(?P<cls>[A-Z])" + _DATED), lambda m: f"ZB {m.group('cls')}"),
    (re.compile(r"(?P<notice>(?:农业农村部|农业部)(?:公告第\d+号|\d+号公告))[ ]?-" + _DATED[4:]), lambda m: m.group("notice")),
    (re.compile(r"DG[ ]?(?P<region>\d{4})[ ]?/?[ ]?T" + _DATED, re.IGNORECASE), lambda m: f"DG{m.group('region')}/T"),
    (re.compile(r"DBS[ ]?(?P<region>\d{2})[ ]?/?" + _DATED, re.IGNORECASE), lambda m: f"DBS{m.group('region')}/"),
    (re.compile(r"DB(?P<region>\d{2}(?:\d{2}){0,2})(?P<kind>[TZ])" + _DATED, re.IGNORECASE),
     lambda m: f"DB{m.group('region')}/{m.group('kind').upper()}"),
    (re.compile(r"Q[ ]?/[ ]?(?P<company>[A-Z]+)" + _DATED, re.IGNORECASE), lambda m: f"Q/{m.group('company').upper()}"),
    (re.compile(r"T[ ]?/[ ]?(?P<group>[A-Z]+(?:-[A-Z]+|[ ][A-Z]{2,}(?=[ ]))?)" + _GROUP_DATED), lambda m: f"T/{m.group('group')}"),
    (re.compile(r"(?P<shanghai>DG[ ]?/[ ]?TJ[ ]?08|DGJ[ ]?08)[ ]?-(?P<body>\d{1,6}[A-Z])-(?P<year>\d{4})", re.IGNORECASE),
     lambda m: m.group("shanghai").replace(" ", "").upper()),
    (re.compile(r"(?P<code>[A-Z]{2,5})" + _LOOSE_DATED), lambda m: m.group("code")),
    # typed in lower case (ybb 0026-2004): a plain body and a full year only
    (re.compile(r"(?P<code>[A-Za-z]{2,5})[ ]?(?P<body>\d{1,8}(?:\.\d+)*)[ ]?-[ ]?(?P<year>(?:19|20)\d{2})"),
     lambda m: m.group("code").upper()),
)


@dataclass(frozen=True)
class StandardNumber:
    """A standard designation: canonical prefix, body (with part number) and 4-digit year."""

    prefix: str
    body: str
    year: str = ""
    #: An amendment (``/XG1-2011``) or a translation (``E``) of the dated number, else ''.
    variant: str = ""

    @property
    def canonical(self) -> str:
        """The designation as we print it: ``GB/T 19001-2016``, ``CECS 21:2000``,
        ``GB/T 19001-2008/XG1-2011``."""
        dated = f"{self.prefix}{_joint(self.prefix)}{self.body}{self.separator}{self.year}" if self.year else ""
        return f"{dated}{self.variant}" if dated else self.without_year

    @property
    def without_year(self) -> str:
        """The designation without its year: ``GB/T 19001`` (all editions); Shanghai's
        engineering standards and announcement standards join with a dash: ``DG/TJ08-9``. A
        variant keeps its dated number (``GB/T 19001-2008/XG1-2011``): it is no edition."""
        base = f"{self.prefix}{_joint(self.prefix)}{self.body}"
        return f"{base}{self.separator}{self.year}{self.variant}" if self.variant else base

    @property
    def separator(self) -> str:
        """The character printed between body and year."""
        return ":" if self.prefix.startswith(COLON_PREFIXES) else "-"

    @property
    def slug(self) -> str:
        """The standard's doc_id: ``gb-t-19001-2016``; a number with Chinese in its prefix gets a
        short hash of it too (``JJF(浙) 1104-2014`` is not ``JJF 1104-2014``)."""
        slug = slugify(self.canonical)
        return slug if self.canonical.isascii() else f"{slug}-{short_hash(self.canonical, length=6)}"

    def __str__(self) -> str:
        return self.canonical


def _joint(prefix: str) -> str:
    """What joins prefix and body: a dash for Shanghai's engineering standards and ministry
    announcements (农业部1193号公告-1), else a space."""
    return "-" if prefix.startswith(DASH_PREFIXES) or prefix.endswith(("公告", "号")) else " "


def fold(text: str) -> str:
    """Full-width → half-width, every dash → ``-``, every tilde → ``~`` (length-preserving)."""
    return text.translate(_FOLD)


@functools.lru_cache(maxsize=1 << 17)
def parse_number(text: str) -> StandardNumber | None:
    """The standard number that ``text`` is, in any written form (compact ones too, and the
    whole-field forms of the module's rules), or None (remembered: ingest asks for the same
    numbers many times; the result is immutable)."""
    folded = re.sub(r"\s+", " ", fold(text)).strip()
    match = _NUMBER.fullmatch(folded)
    if not match:
        expanded = expand_compact(folded)
        if expanded:
            return parse_number(expanded)
        return _catalogue_form(folded)
    number, end = _from_match(match)
    if number and end == match.end() and _leading_digits(number.body) <= MAX_BODY_DIGITS:
        return number
    return _catalogue_form(folded)


def _leading_digits(body: str) -> int:
    """How many digits a body starts with (``00122004`` → 8, ``10C-20047`` → 2)."""
    return len(body) - len(body.lstrip("0123456789"))


def _catalogue_form(text: str) -> StandardNumber | None:
    """A number only a whole catalogue field is read as: a variant of a dated number, or one
    of the forms of :data:`_WHOLE_FIELD_FORMS`."""
    variant = _VARIANT.fullmatch(text)
    if variant:
        base = parse_number(variant.group("base"))
        if base is not None and base.year and not base.variant:
            return StandardNumber(base.prefix, base.body, base.year, variant.group("variant").upper())
        return None
    for pattern, prefix_of in _WHOLE_FIELD_FORMS:
        match = pattern.fullmatch(text)
        if match:
            year = _expand_year(match.group("year"))
            body = match.group("body")
            if year and _leading_digits(body) <= LONG_BODY_DIGITS:
                return StandardNumber(prefix_of(match), body, year)
    return None


def joint_numbers(text: str) -> list[StandardNumber]:
    """The numbers of a standard issued jointly under several numbers, written in one field
    (``T/CAV 002-2023 T/CAS 714-2023``, ``DB50/T 10008-2024 DB51/T 10008-2024``); [] unless
    ``text`` is nothing but two or more dated numbers."""
    folded = fold(text)
    found = find_numbers(folded)
    rest = folded
    for start, end, _ in reversed(found):
        rest = rest[:start] + rest[end:]
    if len(found) < 2 or rest.strip(" ,;、/") or not all(number.year for _, _, number in found):
        return []
    return [number for _, _, number in found]


def expand_compact(text: str) -> str:
    """``db35t1234`` → ``DB35/T 1234``, ``TCAS1111`` → ``T/CAS 1111``, ``QCSG510001`` →
    ``Q/CSG 510001`` ('' when ``text`` is not such a compact form). A DB code needs its T or Z
    (``DB351234`` could be DB35 1234 or DB3512 34)."""
    match = _COMPACT.fullmatch(fold(text).strip())
    if not match:
        return ""
    rest = match.group("rest")
    if match.group("db"):
        return f"{match.group('db').upper()}/{match.group('kind').upper()} {rest}"
    if match.group("group"):
        return f"T/{match.group('group').upper()} {rest}"
    return f"Q/{match.group('company').upper()} {rest}"


def find_numbers(text: str) -> list[tuple[int, int, StandardNumber]]:
    """Spans ``(start, end, number)`` of the standard numbers cited in running text."""
    folded = fold(text)
    found: list[tuple[int, int, StandardNumber]] = []
    for candidate in _CANDIDATE.finditer(folded):
        if found and candidate.start() < found[-1][1]:
            continue
        match = _NUMBER.match(folded, candidate.start())
        number, end = _from_match(match) if match else (None, 0)
        if number and not _looks_like_code(match, number):
            found.append((match.start(), end, number))
    return found


def _looks_like_code(match: re.Match[str], number: StandardNumber) -> bool:
    """True for ``MH370``, ``SH600000``: a bare 2-letter code glued to digits, without a year."""
    glued = match.start("body") == match.start() + len(number.prefix)
    return len(number.prefix) == 2 and number.prefix in INDUSTRY_CODES and glued and not number.year


def is_listed_code(number: StandardNumber) -> bool:
    """True when the prefix is a national, listed industry, local (DBxx, DBJ, Shanghai) code,
    whose form says whether it is mandatory; False for old and unlisted codes (NJ, ZB B, YBB,
    DBS, ministry announcements)."""
    code = number.prefix.split("/")[0]
    return (
        code in _ALL_CODES
        or bool(re.fullmatch(r"DB\d{2}(?:\d{2}){0,2}", code))
        or number.prefix.startswith(DASH_PREFIXES)
    )


def level_of(number: StandardNumber) -> str:
    """The level a prefix implies: 国家标准, 行业标准, 地方标准, 团体标准, 企业标准 …"""
    prefix = number.prefix
    if prefix.startswith("GB"):
        return "国家标准"
    if prefix.startswith(("JJG(", "JJF(")):
        return "地方计量技术规范" if prefix[4:-1] in PROVINCE_ABBREVIATIONS else "部门计量技术规范"
    if prefix.startswith(("JJG", "JJF")):
        return "国家计量技术规范"
    if prefix.startswith(("DB", "DG")):
        return "地方标准"
    if prefix.startswith(("T/", "CECS")):
        return "团体标准"
    if prefix.startswith("Q/"):
        return "企业标准"
    if prefix.startswith("CNS"):
        return "台湾地区标准"
    if prefix.startswith(("ISO", "IEC")):
        return "国际标准"
    return "行业标准"


# --- parsing internals ------------------------------------------------------------------


def _from_match(match: re.Match[str]) -> tuple[StandardNumber | None, int]:
    """The number a regex match stands for, and where it really ends (tail groups may be left)."""
    prefix = _canonical_prefix(match)
    body = re.sub(r" +", " ", match.group("body"))
    if " " in body and not prefix.startswith("Q/"):
        body = body.split(" ")[0]
        end = match.start("body") + len(body)
        return StandardNumber(prefix, body), end
    body, year, consumed = _read_tail(prefix, body, match.group("tail"))
    return StandardNumber(prefix, body, year), match.start("tail") + consumed


def _canonical_prefix(match: re.Match[str]) -> str:
    """Upper-case prefix with its ``/T`` or ``/Z`` written the canonical way."""
    groups = {k: (v or "").upper() for k, v in match.groupdict().items()}
    if groups["code"]:
        kind = groups["kind"]
        return f"{groups['code']}/{kind}" if kind else groups["code"]
    if groups["other"]:
        return f"{groups['other']}/{groups['okind']}"
    if groups["region"]:
        return f"DB{groups['region']}" + (f"/{groups['dbkind']}" if groups["dbkind"] else "")
    if groups["group"]:
        return f"T/{groups['group']}"
    if groups["company"]:
        return f"Q/{groups['company']}"
    if groups["shanghai"]:
        return groups["shanghai"].replace(" ", "")
    return groups["intl"].replace(" ", "")


def _read_tail(prefix: str, body: str, tail: str) -> tuple[str, str, int]:
    """Read range, part numbers and year from the tail; returns (body, year, chars consumed)."""
    parts = [(m.group(1), m.group(2), m.end()) for m in _TAIL_PART.finditer(tail)]
    consumed = 0
    hyphen_parts = prefix.startswith(HYPHEN_PART_PREFIXES)
    for index, (sep, digits, end) in enumerate(parts):
        last = index == len(parts) - 1
        if sep == "~" and _is_range_end(body, digits):
            body, consumed = f"{body}~{digits}", end
            continue
        if sep == "-" and hyphen_parts and not (last and _is_long_year(digits)):
            if not digits.isdigit():
                break
            body, consumed = f"{body}-{digits}", end
            continue
        year = _expand_year(digits)
        return (body, year, end) if year else (body, "", consumed)
    return body, "", consumed


def _is_range_end(body: str, digits: str) -> bool:
    """True when ``~digits`` closes a range started by body (a larger number of the series)."""
    if "~" in body or not digits.replace(".", "").isdigit():
        return False
    start = body.split(".")[0]
    end = digits.split(".")[0]
    return len(end) == len(start) and int(end) > int(start)


def _is_long_year(digits: str) -> bool:
    """A plausible 4-digit year (1900–2099)."""
    return len(digits) == 4 and digits[:2] in ("19", "20")


def _expand_year(digits: str) -> str:
    """A 4-digit year from 4 or 2 digits ("" when it is not a year): 00–30 → 20xx, else 19xx."""
    if _is_long_year(digits):
        return digits
    if len(digits) == 2 and digits.isdigit():
        return ("20" if int(digits) <= 30 else "19") + digits
    return ""


# --- index and query keys ---------------------------------------------------------------


def number_keys(number: StandardNumber) -> list[str]:
    """Exact-match tokens to index so that every written form of ``number`` finds it.

    ``GB/T 19001-2016`` → ``gb/t19001-2016``, ``gb/t19001``, ``19001``. Prefixes stay in the
    keys (GB/T 19001 and GB 19001 differ) and bodies are whole (GB/T 1.1 is not GB/T 1).
    A range yields the keys of each member of its series as well.
    """
    if number.variant:
        return [_query_key(number)]
    keys = []
    for body in _members(number.body):
        keys.extend(_keys_for(number.prefix, body, number.year))
    return list(dict.fromkeys(keys))


def query_keys(text: str) -> list[str]:
    """The number keys a query stands for ([] when it names no standard number).

    A number with a year → its year key; without a year → its no-year key (all editions);
    a bare digit string of 3 digits or more (``19001``, ``1499.2``) → the bare key.
    """
    stripped = fold(text).strip()
    if _BARE.fullmatch(stripped) and sum(c.isdigit() for c in stripped) >= 3:
        return [stripped]
    whole = parse_number(stripped)
    found = [whole] if whole else [n for _, _, n in find_numbers(stripped)]
    return list(dict.fromkeys(_query_key(n) for n in found))


def key_of(number: StandardNumber) -> str:
    """The single most specific key of a number (with its year when it has one)."""
    return _query_key(number)


@functools.lru_cache(maxsize=1 << 17)
def _query_key(number: StandardNumber) -> str:
    """The key a typed number is looked up by (a variant: its dated key and the variant)."""
    key = _keys_for(number.prefix, number.body, number.year)[0]
    return f"{key}{number.variant.lower()}" if number.variant else key


def _keys_for(prefix: str, body: str, year: str) -> list[str]:
    """Year key (when there is a year), no-year key, bare key (bodies of 3 digits or more)."""
    compact_prefix = prefix.lower().replace(" ", "")
    compact_body = body.replace(" ", "").lower()
    joint = _joint(prefix).strip()
    no_year = f"{compact_prefix}{joint}{compact_body}"
    keys = [f"{no_year}-{year}"] if year else []
    bare = [compact_body] if sum(map(str.isdigit, compact_body)) >= 3 else []
    return [*keys, no_year, *bare]


def _members(body: str) -> list[str]:
    """The bodies a (possibly ranged) body covers: itself, then each member of its series."""
    if "~" not in body:
        return [body]
    start, end = body.split("~", 1)
    if not (start.isdigit() and end.isdigit()) or int(end) - int(start) > MAX_RANGE:
        return [body, start, end]
    width = len(start)
    return [body] + [str(n).zfill(width) for n in range(int(start), int(end) + 1)]


# --- did you mean -----------------------------------------------------------------------


def suggest(text: str, known: Iterable[str], limit: int = 5) -> list[str]:
    """Known numbers close to a number typed almost right ("did you mean").

    Same prefix: body and year within edit distance 2 (``GB/T 19010-2016`` → ``GB/T 19001-2016``);
    another prefix: the same body (``GB 19001`` → ``GB/T 19001``). A query without a year is
    compared with the known numbers without their years, and the suggestions are written
    without years too. Exact matches are not suggestions; closest first.
    """
    typed = parse_number(text)
    if typed is None:
        return []
    target = typed.canonical
    scored = []
    for form, number in _comparable_forms(known, with_year=bool(typed.year)).items():
        score = _closeness(typed, number)
        if score is not None and form != target:
            scored.append((score, form))
    return [form for _, form in sorted(scored)[:limit]]


def _closeness(typed: StandardNumber, known: StandardNumber) -> int | None:
    """1–2 for a near miss under the same prefix, 1 for the same body under another prefix."""
    if typed.prefix != known.prefix:
        return 1 if typed.body == known.body else None
    typed_rest, known_rest = f"{typed.body}-{typed.year}", f"{known.body}-{known.year}"
    if abs(len(typed_rest) - len(known_rest)) > 2 or _count_gap(typed_rest, known_rest) > 2:
        return None
    distance = _edit_distance(typed_rest, known_rest)
    return distance if distance <= 2 else None


def _count_gap(a: str, b: str) -> int:
    """A cheap lower bound of the edit distance: how far apart the digit counts are."""
    more = less = 0
    for char in "0123456789.-":
        gap = a.count(char) - b.count(char)
        more, less = (more + gap, less) if gap > 0 else (more, less - gap)
    return max(more, less)


def _comparable_forms(known: Iterable[str], with_year: bool) -> dict[str, StandardNumber]:
    """Canonical forms of the known numbers, with or without their years."""
    forms: dict[str, StandardNumber] = {}
    for raw in known:
        number = parse_number(raw)
        if number is None:
            continue
        if not with_year:
            number = StandardNumber(number.prefix, number.body)
        forms.setdefault(number.canonical, number)
    return forms


def _edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance with adjacent transpositions, capped at ``limit + 1`` (early exit)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
