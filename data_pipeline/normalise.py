"""Cell normalisation: raw ledger cells → typed values, or a Chinese reason why not.

Every parser works on one distinct raw value; ``by_distinct`` applies it to a whole column
through ``pd.factorize``, so a 1M-row column with 1,400 distinct dates costs 1,400 parses, not
1M (the speed goal of docs/bench/load.md). A parser returns ``(value, None)`` or
``(None, reason)``; an empty cell is ``(None, None)`` and the required check is the validator's.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from warehouse import vocabulary as vocab

Parsed = tuple[Any, str | None]

_SPACES = re.compile(r"\s+")
# Chinese quotes in enum cells (农村集体“三资”) mean the ASCII quotes of the vocabulary
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "＂": '"', "'": '"', "‘": '"', "’": '"'})
_TOTAL_ROW = re.compile(r"^(合计|总计|小计)([:(（].*)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serials between 1954 and 2119: anything outside is not a ledger date
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000


def nfkc(text: str) -> str:
    """Return ``text`` in NFKC (full-width digits, letters, spaces, brackets → half-width)."""
    return unicodedata.normalize("NFKC", text)


# what Excel and copy-paste leave inside header cells: a BOM, zero-width characters, and
# openpyxl's escaped carriage return / line feed (a line break typed with Alt+Enter)
_HEADER_JUNK = re.compile(r"[\ufeff\u200b\u200c\u200d\u2060]|_x000[DdAa]_")


def header_key(header: Any) -> str:
    """Return a header cell as compared with the contract: NFKC, every space and line break removed."""
    if header is None:
        return ""
    if isinstance(header, float) and header.is_integer():
        header = int(header)
    return _SPACES.sub("", _HEADER_JUNK.sub("", nfkc(str(header))))


def clean_text(value: Any) -> str:
    """Return a cell as trimmed NFKC text ('' for an empty cell); integral floats lose '.0'."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    text = str(value)
    if not text.isascii():
        text = nfkc(text)
    return text.strip()


def display(value: Any) -> str:
    """Return a raw cell as the clerk would read it (used in reasons and rejects exports)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def is_total_label(value: Any) -> bool:
    """Return True for a 合计/总计/小计 cell (a structural row, not data)."""
    if not isinstance(value, str) or not value:
        return False
    return bool(_TOTAL_ROW.match(_SPACES.sub("", nfkc(value))))


def by_distinct(column: pd.Series, parse: Callable[[Any], Parsed]) -> tuple[np.ndarray, np.ndarray]:
    """Return (values, reasons) object arrays for ``column``, parsing each distinct value once."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    distinct = uniques.to_numpy(dtype=object) if hasattr(uniques, "to_numpy") else np.asarray(uniques, dtype=object)
    parsed = [parse(u) for u in distinct]
    # the extra trailing slot is what code -1 (a missing cell) picks: (None, None)
    values = np.fromiter((p[0] for p in parsed), dtype=object, count=len(parsed))
    reasons = np.fromiter((p[1] for p in parsed), dtype=object, count=len(parsed))
    values = np.append(values, np.array([None], dtype=object))
    reasons = np.append(reasons, np.array([None], dtype=object))
    return values[codes], reasons[codes]


def text_values(column: pd.Series, normalise: bool = True) -> np.ndarray:
    """Return a text column trimmed and in NFKC (None for empty), without parsing it per distinct value.

    Text columns (ids, summaries, names) are nearly all distinct, so by_distinct would only add
    a factorize; ASCII cells skip the normalisation call. ``normalise=False`` keeps prose as
    written (NFKC would turn its Chinese ，：“” into ASCII punctuation) and only trims it.
    """
    values = column.to_numpy(dtype=object, na_value=None) if column.dtype != object else column.to_numpy()
    if normalise:
        cleaned = [
            ((value if value.isascii() else unicodedata.normalize("NFKC", value)).strip() or None)
            if type(value) is str else parse_text(value)[0]
            for value in values
        ]
    else:
        cleaned = [(value.strip() or None) if type(value) is str else parse_text(value)[0] for value in values]
    return np.fromiter(cleaned, dtype=object, count=len(cleaned))


# --- parsers, one per Field.kind ----------------------------------------------------------------

def parse_text(value: Any) -> Parsed:
    text = clean_text(value)
    return (text or None), None


def parse_code(value: Any, digits: int, label: str) -> Parsed:
    """A division code of exactly ``digits`` digits; numbers typed as 990101101.0 are accepted."""
    text = clean_text(value)
    if not text:
        return None, None
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    text = text.replace(" ", "")
    if not (text.isdigit() and len(text) == digits):
        return None, f"{label}应为{digits}位数字，实为“{display(value)}”"
    return text, None


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),  # 20250703: 8 digits, a real day only
)
# a time after the day, as exports write it (2023-01-02 00:00, 2023/1/2 8:30, 2024-07-03T08:30:00.000,
# 2025年7月3日 8:30): split off before the spaces go, or "2023-1-2 00:00" would read as the 20th
_TIME_PART = re.compile(r"^(.*?\d[日号]?)(?:\s+|T|(?<=[日号]))(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")


def _day_of_number(value: int | float) -> dt.date | None:
    """Return the day an Excel serial or an 8-digit number (20250703) in a number cell means."""
    if _SERIAL_MIN <= value <= _SERIAL_MAX:
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    if 10_000_000 <= value <= 99_999_999 and float(value).is_integer():
        number = int(value)
        return _date_or_none(number // 10_000, number // 100 % 100, number % 100)
    return None


def parse_date(value: Any) -> Parsed:
    """2024-07-03, 2024/7/3, 2024.7.3, 2024年7月3日, 20240703, any of them with a time after it,
    an Excel serial, or a date/datetime cell; the time of day is dropped."""
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    bad = f"无法识别的日期“{display(value)}”"
    if isinstance(value, bool):
        return None, bad
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None, None
        day = _day_of_number(value)
        return (day, None) if day else (None, bad)
    text = str(value)
    if len(text) == 10 and text[4] == text[7] == "-" and text.isascii():  # the common 2024-07-03, without a regex
        try:
            return dt.date.fromisoformat(text), None
        except ValueError:
            pass
    text = nfkc(text).strip()
    if ":" in text:
        timed = _TIME_PART.match(text)
        if not timed:
            return None, bad
        hour, minute, second = (int(g or 0) for g in timed.groups()[1:])
        if hour > 23 or minute > 59 or second > 59:
            return None, bad
        text = timed.group(1)
    text = _SPACES.sub("", text)
    if not text:
        return None, None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parsed = _date_or_none(*(int(g) for g in match.groups()))
            return (parsed, None) if parsed else (None, bad)
    # a serial exported to CSV as text: 45476 or 45476.0
    serial = text[:-2] if text.endswith(".0") else text
    if serial.isdigit() and _SERIAL_MIN <= int(serial) <= _SERIAL_MAX:
        return EXCEL_EPOCH + dt.timedelta(days=int(serial)), None
    return None, bad


_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


def parse_month(value: Any) -> Parsed:
    """2024-07, 2024/7, 2024年7月, 202407 or any date in the month → the month's first day."""
    if value is None or value == "":
        return None, None
    if not isinstance(value, (dt.date, dt.datetime, int, float)):
        text = _SPACES.sub("", nfkc(str(value)))
        for pattern in _MONTH_PATTERNS:
            match = pattern.match(text)
            if match:
                year, month = (int(g) for g in match.groups())
                if 1 <= month <= 12:
                    return dt.date(year, month, 1), None
                return None, f"无法识别的月份“{display(value)}”"
    day, reason = parse_date(value)
    if day is None:
        return None, (f"无法识别的月份“{display(value)}”" if reason else None)
    return day.replace(day=1), None


_CHINESE_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER_PATTERNS = (
    re.compile(r"^(\d{4})[-/ ]?Q([1-4])$", re.IGNORECASE),
    re.compile(r"^(\d{4})年?第?([一二三四1-4])季度?$"),
    re.compile(r"^Q([1-4])[-/ ]?(\d{4})$", re.IGNORECASE),
)


def parse_quarter(value: Any) -> Parsed:
    """2024Q3, 2024-Q3, 2024年第三季度, 2024年3季度 → (2024, 3)."""
    text = _SPACES.sub("", clean_text(value))
    if not text:
        return None, None
    for i, pattern in enumerate(_QUARTER_PATTERNS):
        match = pattern.match(text)
        if match:
            year, quarter = match.groups() if i < 2 else reversed(match.groups())
            return (int(year), _CHINESE_QUARTERS[quarter]), None
    return None, f"无法识别的测评期间“{display(value)}”（应如 2024Q3 或 2024年第三季度）"


def parse_number(value: Any, label: str = "数值") -> Parsed:
    """A decimal number; thousands separators and spaces are tolerated."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return None, f"无法识别的{label}“{display(value)}”"
    if isinstance(value, (int, float)):
        return (None, None) if isinstance(value, float) and math.isnan(value) else (float(value), None)
    text = _SPACES.sub("", nfkc(str(value))).replace(",", "")
    if not text:
        return None, None
    try:
        number = float(text)
    except ValueError:
        return None, f"无法识别的{label}“{display(value)}”"
    if math.isnan(number) or math.isinf(number):
        return None, f"无法识别的{label}“{display(value)}”"
    return number, None


def parse_decimal(value: Any) -> Parsed:
    number, reason = parse_number(value, "数值")
    return (None if number is None else round(number, 6)), reason


def parse_int(value: Any) -> Parsed:
    number, reason = parse_number(value, "整数")
    if number is None:
        return None, reason
    if not float(number).is_integer():
        return None, f"应为整数，实为“{display(value)}”"
    return int(number), None


_TRUE = frozenset({"是", "Y", "YES", "TRUE", "1", "√", "有"})
_FALSE = frozenset({"否", "N", "NO", "FALSE", "0", "×", "无"})


def parse_bool(value: Any) -> Parsed:
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return value, None
    text = _SPACES.sub("", clean_text(value)).upper()
    if not text:
        return None, None
    if text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    return None, f"应填“是”或“否”，实为“{display(value)}”"


def enum_parser(choices: Iterable[str], aliases: Mapping[str, str] | None = None) -> Callable[[Any], Parsed]:
    """Return a parser accepting ``choices`` (compared after NFKC, spaces and quote folding), and
    ``aliases`` (another spelling → the choice it means), which the reason's list leaves out."""
    choices = tuple(choices)
    lookup = {_SPACES.sub("", nfkc(a)).translate(_QUOTES): c for a, c in (aliases or {}).items()}
    lookup.update({_SPACES.sub("", nfkc(c)).translate(_QUOTES): c for c in choices})
    listed = "、".join(choices)

    def parse(value: Any) -> Parsed:
        text = _SPACES.sub("", clean_text(value)).translate(_QUOTES)
        if not text:
            return None, None
        if text in lookup:
            return lookup[text], None
        return None, f"“{display(value)}”不在可选值中（可选：{listed}）"

    return parse


# --- place names ------------------------------------------------------------------------------
#
# Official names (统计用区划代码) are long and clerks type them short. A name is read into its parts
# by rules, the same rules for an official name (区划名录) and for a ledger's spelling:
#
#   卓资县十八台镇       county 卓资县 (the county's own name, a prefix)  canonical 十八台镇    stem 十八台
#   新体路街道办事处     the office's name means the 街道                  canonical 新体路街道  stem 新体路
#   白塔回族乡           the nationality of a 民族乡 (苏木 too) dropped    canonical 白塔乡      stem 白塔
#   东街社区居民委员会   the committee's name means the community          canonical 东街社区    stem 东街
#   西沟村民委员会       the committee's name means the village            canonical 西沟村      stem 西沟
#
# A spelling fits a place when it is the place's exact name or code; else when its canonical form
# is the place's canonical form or stem (青石 fits 青石镇, 白塔乡 fits 白塔回族乡 and the reverse), or
# when the official name has no type word and the spelling adds the one its code's kind takes
# (东门 coded 001 is spelled 东门社区). A county or nationality written on both sides must agree.
# A type word that contradicts (十八台乡 for 十八台镇) fits nothing: that would be a guess.


@dataclass(frozen=True)
class PlaceLevel:
    """How the names of one level of divisions (乡镇 or 村) are read."""

    name: str
    suffixes: tuple[str, ...]  # the type words a stem drops, longest first
    bodies: tuple[tuple[str, str], ...]  # an organ's name (办事处, 村民委员会) → the type word it means
    ethnic_suffixes: tuple[str, ...]  # the type words after which a nationality may stand
    kind_of: Callable[[str], str]  # the code → its kind (ValueError for digits of no kind)
    words_of_kind: Mapping[str, tuple[str, ...]]  # a kind → the type words its names end with


TOWNSHIP_LEVEL = PlaceLevel(
    name="township",
    suffixes=("街道", "苏木", "镇", "乡"),
    bodies=(("街道办事处", "街道"), ("街道办", "街道"), ("办事处", "街道"), ("人民政府", ""),
            ("管理委员会", ""), ("管委会", "")),
    ethnic_suffixes=("苏木", "乡", "镇"),
    kind_of=vocab.township_kind,
    words_of_kind={"街道": ("街道",), "镇": ("镇",), "乡": ("乡", "苏木")},
)
VILLAGE_LEVEL = PlaceLevel(
    name="village",
    suffixes=("社区", "嘎查", "村"),
    bodies=(("村民委员会", "村"), ("村委会", "村"), ("居民委员会", "社区"), ("居委会", "社区")),
    ethnic_suffixes=(),
    kind_of=vocab.village_kind,
    words_of_kind={"社区": ("社区",), "行政村": ("村", "嘎查")},
)
# the type words of each level (geo.boundaries passes these to place_keys)
TOWNSHIP_SUFFIXES = TOWNSHIP_LEVEL.suffixes
VILLAGE_SUFFIXES = VILLAGE_LEVEL.suffixes
_LEVEL_BY_SUFFIXES = {TOWNSHIP_SUFFIXES: TOWNSHIP_LEVEL, VILLAGE_SUFFIXES: VILLAGE_LEVEL}

_NATIONALITY = "|".join(sorted((g[:-1] for g in vocab.ETHNIC_GROUPS), key=len, reverse=True))
_NATIONALITY_WORD = re.compile(_NATIONALITY)
# 白塔回族乡, 红土壮族瑶族乡, 杜拉尔鄂温克民族乡, 音河达斡尔鄂温克民族乡: stem, nationalities, type word
_ETHNIC_NAME = re.compile(rf"^(.+?)((?:(?:{_NATIONALITY})族|(?:{_NATIONALITY})+民族)+)(苏木|乡|镇)$")


@dataclass(frozen=True)
class PlaceName:
    """A place name read by the rules above."""

    full: str  # NFKC, without spaces
    county: str  # the county name it began with, '' if none
    canonical: str  # 十八台镇, 新体路街道, 白塔乡, 东街社区, 西沟村
    stem: str  # the canonical form without its type word
    suffix: str  # that type word, '' if the name has none
    nationalities: frozenset[str]  # of a 民族乡: {'回'}, {'达斡尔', '鄂温克'}


def _level_of(level: PlaceLevel | tuple[str, ...]) -> PlaceLevel:
    return level if isinstance(level, PlaceLevel) else _LEVEL_BY_SUFFIXES[tuple(level)]


def read_place_name(name: Any, level: PlaceLevel | tuple[str, ...],
                    county_names: Iterable[str] = ()) -> PlaceName | None:
    """Return ``name`` read into its parts (None for an empty cell); ``county_names`` are the
    county names a prefix may be, longest first."""
    level = _level_of(level)
    full = _SPACES.sub("", clean_text(name))
    if not full:
        return None
    text, county = full, ""
    for county_name in county_names:
        if county_name and text.startswith(county_name) and len(text) > len(county_name):
            text, county = text[len(county_name):], county_name
            break
    for body, word in level.bodies:
        if text.endswith(body) and len(text) > len(body):
            text = text[: -len(body)]
            if word and not text.endswith(level.suffixes):
                text += word
            break
    nationalities: frozenset[str] = frozenset()
    if text.endswith(level.ethnic_suffixes):
        ethnic = _ETHNIC_NAME.match(text)
        if ethnic:
            stem, block, word = ethnic.groups()
            text, nationalities = stem + word, frozenset(_NATIONALITY_WORD.findall(block))
    stem, suffix = text, ""
    for word in level.suffixes:
        if text.endswith(word) and len(text) > len(word):
            stem, suffix = text[: -len(word)], word
            break
    return PlaceName(full=full, county=county, canonical=text, stem=stem, suffix=suffix,
                     nationalities=nationalities)


def place_keys(name: Any, suffixes: PlaceLevel | tuple[str, ...], county_names: Iterable[str] = ()) -> tuple[str, ...]:
    """Return the matching keys of a place name: the full name, its canonical form, its stem (last)."""
    read = read_place_name(name, suffixes, county_names)
    if read is None:
        return ()
    return tuple(dict.fromkeys((read.full, read.canonical, read.stem)))


@dataclass
class _Lookup:
    """PlaceIndex's dictionaries, (scope, key) → codes; built when first needed."""

    names: dict[str, PlaceName]
    county_names: tuple[str, ...]  # longest first
    by_full: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    by_canonical: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    by_stem: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    bare: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # names with no type word


class PlaceIndex:
    """The places of one level: a code or a spelling → the codes it fits (by the rules above)."""

    def __init__(self, level: PlaceLevel | tuple[str, ...] = TOWNSHIP_LEVEL) -> None:
        self.level = _level_of(level)
        self.counties: dict[str, str] = {}  # county code → its name (a prefix of official names)
        self._scopes: dict[str, str] = {}  # code → scope (a village's township code; '' for townships)
        self._official: dict[str, str] = {}  # code → official name
        self._lookup: _Lookup | None = None

    def add(self, code: str, name: str, scope: str = "") -> None:
        self._scopes[code] = scope
        self._official[code] = name
        self._lookup = None

    def add_county(self, code: str, name: str) -> None:
        self.counties[code] = _SPACES.sub("", clean_text(name))
        self._lookup = None

    def __contains__(self, code: str) -> bool:
        return code in self._scopes

    def name_of(self, code: str) -> str:
        """Return the official name of ``code`` (the code itself if unknown)."""
        return self._official.get(code, code)

    def _index(self) -> _Lookup:
        if self._lookup is not None:
            return self._lookup
        lookup = _Lookup(names={}, county_names=tuple(sorted(set(self.counties.values()) - {""}, key=len,
                                                              reverse=True)))
        for code, official in self._official.items():
            county = self.counties.get(code[:6], "")
            read = read_place_name(official, self.level, (county,) if county else ())
            if read is None:
                continue
            scope = self._scopes[code]
            lookup.names[code] = read
            lookup.by_full.setdefault((scope, read.full), []).append(code)
            lookup.by_canonical.setdefault((scope, read.canonical), []).append(code)
            lookup.by_stem.setdefault((scope, read.stem), []).append(code)
            if not read.suffix:
                lookup.bare.setdefault((scope, read.canonical), []).append(code)
        self._lookup = lookup
        return lookup

    def _words_of(self, code: str) -> tuple[str, ...]:
        try:
            return self.level.words_of_kind.get(self.level.kind_of(code), ())
        except ValueError:
            return ()

    def matches(self, value: Any, scope: str = "") -> tuple[str, ...]:
        """Return the codes of every place in ``scope`` that ``value`` (a code or a spelling) fits."""
        text = _SPACES.sub("", clean_text(value))
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        if not text:
            return ()
        if text.isdigit():
            return (text,) if self._scopes.get(text) == scope else ()
        lookup = self._index()
        spelled = read_place_name(text, self.level, lookup.county_names)
        exact = lookup.by_full.get((scope, spelled.full))
        if exact:  # the official name: 请填写全称 always works
            return tuple(sorted(exact))
        found = {*lookup.by_canonical.get((scope, spelled.canonical), ()),
                 *lookup.by_stem.get((scope, spelled.canonical), ())}
        if spelled.suffix:
            found.update(code for code in lookup.bare.get((scope, spelled.stem), ())
                         if spelled.suffix in self._words_of(code))
        if spelled.county:
            found = {code for code in found if self.counties.get(code[:6]) == spelled.county}
        if spelled.nationalities:
            found = {code for code in found
                     if not lookup.names[code].nationalities or lookup.names[code].nationalities == spelled.nationalities}
        return tuple(sorted(found))

    def resolve(self, value: Any, scope: str = "") -> tuple[str | None, str]:
        """Return (code, '') or (None, 'unknown'|'ambiguous') for a code or a name variant."""
        codes = self.matches(value, scope)
        if len(codes) == 1:
            return codes[0], ""
        return None, ("ambiguous" if codes else "unknown")
