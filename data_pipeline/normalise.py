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
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

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
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: Any) -> Parsed:
    """2024-07-03, 2024/7/3, 2024.7.3, 2024年7月3日, an Excel serial, or a date/datetime cell."""
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
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            return EXCEL_EPOCH + dt.timedelta(days=int(value)), None
        return None, bad
    text = _SPACES.sub("", nfkc(str(value)))
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


def enum_parser(choices: Iterable[str]) -> Callable[[Any], Parsed]:
    """Return a parser accepting ``choices`` (compared after NFKC, spaces and quote folding)."""
    choices = tuple(choices)
    lookup = {_SPACES.sub("", nfkc(c)).translate(_QUOTES): c for c in choices}
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

TOWNSHIP_SUFFIXES = ("街道办事处", "办事处", "街道", "镇", "乡")
VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村")


def place_keys(name: Any, suffixes: tuple[str, ...]) -> tuple[str, ...]:
    """Return the matching keys of a place name: the full name, then without its suffix."""
    full = _SPACES.sub("", clean_text(name))
    if not full:
        return ()
    short = full
    for suffix in suffixes:
        if short.endswith(suffix) and len(short) > len(suffix):
            short = short[: -len(suffix)]
            break
    return (full, short) if short != full else (full,)


class PlaceIndex:
    """Names and codes of places → codes; a name shared by two places resolves to nothing."""

    def __init__(self, suffixes: tuple[str, ...]) -> None:
        self.suffixes = suffixes
        self._codes: set[str] = set()
        self._by_full: dict[tuple[str, str], set[str]] = {}
        self._by_short: dict[tuple[str, str], set[str]] = {}

    def add(self, code: str, name: str, scope: str = "") -> None:
        self._codes.add(code)
        keys = place_keys(name, self.suffixes)
        if keys:
            self._by_full.setdefault((scope, keys[0]), set()).add(code)
            self._by_short.setdefault((scope, keys[-1]), set()).add(code)

    def __contains__(self, code: str) -> bool:
        return code in self._codes

    def resolve(self, value: Any, scope: str = "") -> tuple[str | None, str]:
        """Return (code, '') or (None, 'unknown'|'ambiguous') for a code or a name variant."""
        text = _SPACES.sub("", clean_text(value))
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        if text.isdigit():
            return (text, "") if text in self._codes else (None, "unknown")
        keys = place_keys(text, self.suffixes)
        if not keys:
            return None, "unknown"
        full, short = keys[0], keys[-1]
        # an exact name wins; then "青石" ↔ "青石镇" either way round
        for index, key in ((self._by_full, full), (self._by_short, full), (self._by_full, short),
                           (self._by_short, short)):
            codes = index.get((scope, key))
            if codes:
                return (next(iter(codes)), "") if len(codes) == 1 else (None, "ambiguous")
        return None, "unknown"
