"""Reporting periods: a month, a quarter or a year, with 同比/环比 and drilldown.

``Period.parse`` accepts what users and ledgers write: ``2024``, ``2024Q3``, ``2024-Q3``,
``2024年第三季度``, ``2024-07``, ``2024年7月``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

GRANULARITIES = ("month", "quarter", "year")
GRANULARITY_LABELS = {"month": "月", "quarter": "季", "year": "年"}
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period. ``index`` is the month (1-12), the quarter (1-4) or 1 for a year."""

    granularity: str
    year: int
    index: int = 1

    def __post_init__(self) -> None:
        if self.granularity not in GRANULARITIES:
            raise ValueError(f"未知的期间粒度：{self.granularity}")
        top = {"month": 12, "quarter": 4, "year": 1}[self.granularity]
        if not 1 <= self.index <= top:
            raise ValueError(f"期间序号超出范围：{self.granularity} {self.index}")

    # --- construction ---------------------------------------------------------------------
    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls("month", year, month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        return cls("quarter", year, quarter)

    @classmethod
    def whole_year(cls, year: int) -> Period:
        return cls("year", year, 1)

    @classmethod
    def containing(cls, granularity: str, day: date) -> Period:
        """Return the period of ``granularity`` that contains ``day``."""
        if granularity == "month":
            return cls.month(day.year, day.month)
        if granularity == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        return cls.whole_year(day.year)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Return the period a label names; ValueError (Chinese) when it names none."""
        raw = str(text).strip().upper().replace(" ", "")
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", raw):
            return cls.quarter(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})年第?([一二三四1-4])季度?", raw):
            q = _CN_DIGITS.get(m[2]) or int(m[2])
            return cls.quarter(int(m[1]), q)
        if m := re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", raw):
            return cls.month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})年?", raw):
            return cls.whole_year(int(m[1]))
        raise ValueError(f"无法识别的期间：“{text}”（应如 2024、2024Q3、2024-07）")

    # --- what it covers -------------------------------------------------------------------
    @property
    def start(self) -> date:
        if self.granularity == "month":
            return date(self.year, self.index, 1)
        if self.granularity == "quarter":
            return date(self.year, 3 * self.index - 2, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """The period's last day (inclusive)."""
        return self.next().start - timedelta(days=1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    # --- neighbours -----------------------------------------------------------------------
    def _shift(self, steps: int) -> Period:
        per_year = {"month": 12, "quarter": 4, "year": 1}[self.granularity]
        ordinal = self.year * per_year + (self.index - 1) + steps
        return Period(self.granularity, ordinal // per_year, ordinal % per_year + 1)

    def next(self) -> Period:
        return self._shift(1)

    def previous(self) -> Period:
        """环比's base: the period just before."""
        return self._shift(-1)

    def year_ago(self) -> Period:
        """同比's base: the same period a year earlier."""
        return Period(self.granularity, self.year - 1, self.index)

    def children(self) -> tuple[Period, ...]:
        """A year's quarters, a quarter's months; a month has none."""
        if self.granularity == "year":
            return tuple(Period.quarter(self.year, q) for q in range(1, 5))
        if self.granularity == "quarter":
            return tuple(Period.month(self.year, m) for m in range(3 * self.index - 2, 3 * self.index + 1))
        return ()

    def parent(self) -> Period | None:
        if self.granularity == "month":
            return Period.quarter(self.year, (self.index - 1) // 3 + 1)
        if self.granularity == "quarter":
            return Period.whole_year(self.year)
        return None

    # --- labels ---------------------------------------------------------------------------
    @property
    def code(self) -> str:
        """Machine label used in URLs and archives: 2024, 2024Q3, 2024-07."""
        if self.granularity == "month":
            return f"{self.year}-{self.index:02d}"
        if self.granularity == "quarter":
            return f"{self.year}Q{self.index}"
        return str(self.year)

    @property
    def label(self) -> str:
        """Chinese label: 2024年、2024年第三季度、2024年7月."""
        if self.granularity == "month":
            return f"{self.year}年{self.index}月"
        if self.granularity == "quarter":
            return f"{self.year}年第{'一二三四'[self.index - 1]}季度"
        return f"{self.year}年"

    @property
    def short_label(self) -> str:
        """Axis label: 2024-07, 2024Q3, 2024."""
        return self.code

    def __str__(self) -> str:
        return self.label

    def to_date(self, day: date) -> Period:
        """The period cut at ``day`` (期间至今) when ``day`` falls before its last day; else itself."""
        if self.start <= day < self.end:
            return PeriodToDate(self.granularity, self.year, self.index, until=day)
        return self


@dataclass(frozen=True, order=True)
class PeriodToDate(Period):
    """A running period cut at ``until``; its 同比/环比 bases are cut to the same number of days.

    A quarter that has run 46 days is compared with the first 46 days of the year-ago quarter and
    of the previous quarter, not with their whole length: like with like. A different class, so it
    never equals (nor shares a cache entry with) the whole period.
    """

    until: date = date.max

    @property
    def end(self) -> date:
        return min(self.until, Period(self.granularity, self.year, self.index).end)

    def _cut_like(self, base: Period) -> Period:
        return base.to_date(base.start + (self.end - self.start))

    def year_ago(self) -> Period:
        return self._cut_like(Period(self.granularity, self.year - 1, self.index))

    def previous(self) -> Period:
        return self._cut_like(Period(self.granularity, self.year, self.index)._shift(-1))

    @property
    def label(self) -> str:
        return f"{Period(self.granularity, self.year, self.index).label}（截至{self.end.month}月{self.end.day}日）"


def periods_between(granularity: str, first: date, last: date) -> list[Period]:
    """Return every period of ``granularity`` from the one holding ``first`` to the one holding ``last``."""
    period = Period.containing(granularity, first)
    final = Period.containing(granularity, last)
    result = []
    while period <= final:
        result.append(period)
        period = period.next()
    return result
