"""The declared measures every metric is computed from, and the one builder of their aggregate queries.

A *measure* is one aggregate over one *source*'s rows: a count of rows, a count of the rows that
meet a condition, or a sum. A source says which rows a period reads (its period rule):

| source        | rows                        | period rule                                              |
|---------------|-----------------------------|----------------------------------------------------------|
| clues         | clues                       | received_date in the period                              |
| cases         | cases                       | filed_date in the period                                 |
| case_people   | case_people joined to cases | the case's filed_date in the period                      |
| rectification | rectification_items         | *as of* a date: fed back on or before it (``as_of`` rule) |
| surveys       | satisfaction_surveys        | the quarters the period covers (a month reads its quarter) |
| platform      | platform_usage              | usage month in the period                                |

``MEASURES`` is the table; ``metrics.definitions.Metric`` names a numerator measure and, for a
rate, a denominator measure. ``measure_table`` builds and runs the SQL for any set of measures
over any periods, grouped by any columns of their sources: one query per source and period range
(a series shares one month-bucketed query; rectification reads up to twelve as-of dates in one
scan), bound parameters only. Adding a measure is one line of ``MEASURES``.

Every output column is named after its measure; grouping columns keep their warehouse names and
are text (``str``) even when empty, so a merge on a code column never meets a float column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Integer, Table, and_, case, func, literal, not_, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from metrics.periods import Period
from metrics.tables import county_of, in_township
from warehouse import vocabulary as vocab
from warehouse.engine import year_month
from warehouse.schema import (
    case_people,
    cases,
    clues,
    platform_usage,
    rectification_items,
    satisfaction_surveys,
    townships,
)

RED = "红"
DATED, AS_OF, QUARTERS = "dated", "as_of", "quarters"
_DIRECT_PERIODS = 3  # up to this many distinct periods are read as spans of one statement; more share one month-bucket query
_AS_OF_PER_SCAN = 12  # as-of dates computed in one scan of the rectification items


@dataclass(frozen=True)
class Source:
    """Where a measure's rows come from and which rows a period reads."""

    name: str
    rule: str  # dated | as_of | quarters
    tables: tuple[Table, ...]  # the first is counted; grouping columns are looked up in this order
    date_column: ColumnElement | None  # the event date (dated: in the period; as_of: on or before the date)
    township_column: ColumnElement

    @property
    def from_clause(self):
        if self.name == "case_people":
            return case_people.join(cases, case_people.c.case_id == cases.c.case_id)
        return self.tables[0]

    def column(self, name: str) -> ColumnElement:
        """Return the grouping expression ``name``: "month" buckets the event date, "county_code" is the township
        code's first 6 digits, else a table's column."""
        if name == "month" and self.date_column is not None:
            return year_month(self.date_column).label("month")
        if name == "county_code":
            return county_of(self.township_column).label("county_code")
        for table in self.tables:
            if name in table.c:
                return table.c[name].label(name)
        raise ValueError(f"“{self.name}”不能按“{name}”分组")


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("clues", DATED, (clues,), clues.c.received_date, clues.c.township_code),
    Source("cases", DATED, (cases,), cases.c.filed_date, cases.c.township_code),
    Source("case_people", DATED, (cases, case_people), cases.c.filed_date, cases.c.township_code),
    Source("rectification", AS_OF, (rectification_items,), rectification_items.c.feedback_date,
           rectification_items.c.township_code),
    Source("surveys", QUARTERS, (satisfaction_surveys,), None, satisfaction_surveys.c.township_code),
    Source("platform", DATED, (platform_usage,), platform_usage.c.usage_month_date, platform_usage.c.township_code),
)}


@dataclass(frozen=True)
class Measure:
    """One aggregate: ``count`` of rows, ``count_if`` a condition, or ``sum`` of a value.

    ``expression`` takes the as-of date (None for the dated and survey rules) and returns the
    condition (count_if) or the value (sum); count needs none.
    """

    name: str
    source: str
    aggregation: str  # count | count_if | sum
    description: str
    expression: Callable[[date | None], ColumnElement] | None = None
    is_money: bool = False  # a sum in 万元 (float); every other measure is a whole number

    @property
    def rule(self) -> str:
        return SOURCES[self.source].rule


_c, _k, _r, _s, _p = clues.c, cases.c, rectification_items.c, satisfaction_surveys.c, platform_usage.c


def done_as_of(as_of: date) -> ColumnElement:
    """已完成/已销号 with a completion date on or before ``as_of`` (never NULL, so NOT works)."""
    return and_(_r.rectification_status.in_(vocab.RECTIFICATION_DONE), _r.completed_date.is_not(None),
                _r.completed_date <= as_of)


def open_as_of(as_of: date) -> ColumnElement:
    """``NOT done_as_of(as_of)`` as three ranges of ix_rect_status_completed, each status of the vocabulary (which
    the ledger's enum holds a row to): no completion date, completed after ``as_of``, or completed but not done
    (未启动/整改中). A prefecture's 6,000 open items among its 400,000 are found without judging every item."""
    statuses = vocab.RECTIFICATION_STATUSES
    still_open = [s for s in statuses if s not in vocab.RECTIFICATION_DONE]
    return or_(and_(_r.rectification_status.in_(statuses), _r.completed_date.is_(None)),
               and_(_r.rectification_status.in_(statuses), _r.completed_date > as_of),
               and_(_r.rectification_status.in_(still_open), _r.completed_date <= as_of))


def closed_off_as_of(as_of: date) -> ColumnElement:
    """已销号 on ``as_of``: done by then and 销号 on or before it (销号 later, it still reads 已完成)."""
    return and_(_r.rectification_status == vocab.RECTIFICATION_CLOSED_OFF, done_as_of(as_of),
                _r.closed_off_date.is_not(None), _r.closed_off_date <= as_of)


MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("clue_count", "clues", "count", "受理的线索数"),
    Measure("closed_count", "clues", "count_if", "其中已办结的线索数", lambda _: _c.handling_status == vocab.CLUE_CLOSED),
    Measure("red_clue_count", "clues", "count_if", "其中管理等级为红色的线索数", lambda _: _c.management_level == RED),
    Measure("supervised_clue_count", "clues", "count_if", "其中挂牌督办的线索数", lambda _: _c.is_supervised.is_(True)),
    Measure("case_review_clue_count", "clues", "count_if", "其中处置方式为立案审查的线索数",
            lambda _: _c.disposal_method == vocab.DISPOSAL_CASE_REVIEW),
    Measure("case_count", "cases", "count", "立案的案件数"),
    Measure("proactive_count", "cases", "count_if", "其中发现方式为主动发现或大数据比对的案件数",
            lambda _: _k.discovery_method.in_(vocab.PROACTIVE_DISCOVERY_METHODS)),
    Measure("recovered_funds_wan_yuan", "cases", "sum", "追缴资金合计（万元）", lambda _: _k.recovered_funds_wan_yuan,
            is_money=True),
    Measure("typical_case_count", "cases", "count_if", "其中典型案例数", lambda _: _k.is_typical.is_(True)),
    Measure("people_count", "case_people", "count", "这些案件的处理人员人数（按处理人员台账逐人计）"),
    Measure("rectification_items", "rectification", "count", "截至当日已反馈的整改事项数"),
    Measure("completed_items", "rectification", "count_if", "其中截至当日已完成或已销号的事项数", done_as_of),
    Measure("due_items", "rectification", "count_if", "其中整改时限已到的事项数", lambda day: _r.deadline_date <= day),
    Measure("on_time_items", "rectification", "count_if", "其中时限已到且在时限内完成的事项数",
            lambda day: and_(_r.deadline_date <= day, done_as_of(day), _r.completed_date <= _r.deadline_date)),
    Measure("overdue_items", "rectification", "count_if", "其中未完成且已超过整改时限的事项数",
            lambda day: and_(not_(done_as_of(day)), _r.deadline_date < day)),
    Measure("recurring_items", "rectification", "count_if", "其中标记为反复出现的事项数",
            lambda _: _r.is_recurring.is_(True)),
    # with rectification_items and completed_items, the four statuses as of the date (整改状态分布):
    # 未启动; 整改中 = items − completed − 未启动; 已完成 = completed − 已销号; 已销号
    Measure("not_started_items", "rectification", "count_if", "其中整改状态为未启动的事项数",
            lambda _: _r.rectification_status == vocab.RECTIFICATION_NOT_STARTED),
    Measure("closed_off_items", "rectification", "count_if", "其中截至当日已销号的事项数", closed_off_as_of),
    Measure("sample_size", "surveys", "sum", "测评样本量", lambda _: _s.sample_size),
    Measure("valid_samples", "surveys", "sum", "有效样本（样本量－不了解）", lambda _: _s.sample_size - _s.unaware),
    Measure("satisfied_total", "surveys", "sum", "满意＋基本满意人数", lambda _: _s.satisfied + _s.basically_satisfied),
    Measure("aware_of_platform", "surveys", "sum", "知晓监督平台人数", lambda _: _s.aware_of_platform),
    Measure("problems_reported", "platform", "sum", "通过监督平台反映的问题数", lambda _: _p.problems_reported),
    Measure("platform_visits", "platform", "sum", "监督平台访问量", lambda _: _p.visits),
)}


def get_measure(name: str) -> Measure:
    try:
        return MEASURES[name]
    except KeyError:
        raise ValueError(f"未知的度量：{name}") from None


# --- SQL of one measure --------------------------------------------------------------------------

def _count_if(condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def aggregate_column(measure: Measure, as_of: date | None, label: str) -> ColumnElement:
    """The measure's aggregate column; under the as-of rule only items fed back by ``as_of`` count."""
    in_view = SOURCES[measure.source].date_column <= as_of if measure.rule == AS_OF else None
    if measure.aggregation == "count":
        column = func.count() if in_view is None else _count_if(in_view)
    elif measure.aggregation == "count_if":
        condition = measure.expression(as_of)
        column = _count_if(condition if in_view is None else and_(in_view, condition))
    elif measure.aggregation == "sum":
        value = measure.expression(as_of)
        column = func.coalesce(func.sum(value if in_view is None else case((in_view, value), else_=0)), 0)
    else:  # pragma: no cover - the table above is the whole list
        raise ValueError(measure.aggregation)
    return column.label(label)


# what the queries return, before it becomes one frame: {(period_code, group key): [value per measure]}
Totals = dict[tuple[str, tuple], list]


def add_into(totals: Totals, key: tuple, values: Sequence) -> None:
    """Add one row's measure values into ``totals`` under ``key`` (NULL reads 0; a Decimal, money from the
    facts, reads as the float the summaries' sums are: ``_frame`` makes money a float anyway)."""
    values = [float(v) if isinstance(v, Decimal) else v or 0 for v in values]
    stored = totals.get(key)
    if stored is None:
        totals[key] = values
    else:
        for i, value in enumerate(values):
            stored[i] += value


def _of_townships_on_days(source: Source, township) -> list:
    """The WHERE condition of a dated read within ``township``: a county as its townships' codes, one index seek
    (township, date range) each; as a range of codes the planner took the date index instead and judged every
    county's rows of those days (a county's 15 days of clues at 100 counties: 3.5 ms, 0.1 ms by township)."""
    if isinstance(township, str) and len(township) == 6:
        return [source.township_column.in_(select(townships.c.township_code)
                                           .where(townships.c.county_code == township))]
    return in_township(source.township_column, township)


def _dated_select(source: Source, measures, start: date, end: date, township, groups: Sequence[str], *head):
    columns = [source.column(name) for name in groups]
    statement = (select(*head, *columns, *(aggregate_column(m, None, m.name) for m in measures))
                 .select_from(source.from_clause)
                 .where(source.date_column >= start, source.date_column <= end, *_of_townships_on_days(source, township)))
    return statement.group_by(*columns) if columns else statement


def _dated_rows(conn, source: Source, measures, start: date, end: date, township, groups: Sequence[str]) -> list:
    return conn.execute(_dated_select(source, measures, start, end, township, groups)).all()


def _dated_rows_of_spans(conn, source: Source, measures, spans: Sequence[tuple[date, date]], township,
                         groups: Sequence[str]) -> list[list]:
    """``_dated_rows`` of each (start, end) span, read in one statement (a UNION ALL, each part its own index
    ranges) within a place: a period with its 同比 and 环比 bases is one round trip, not three (about 1 ms each on
    PostgreSQL). Over every county (``township`` None) each span stays a statement of its own: PostgreSQL ran
    the union's parts of 12,000 rows each in parallel workers, whose start cost more than the round trips."""
    if len(spans) == 1 or township is None:
        return [_dated_rows(conn, source, measures, start, end, township, groups) for start, end in spans]
    parts = [_dated_select(source, measures, start, end, township, groups, literal(step, Integer).label("span"))
             for step, (start, end) in enumerate(spans)]
    found: list[list] = [[] for _ in spans]
    for row in conn.execute(union_all(*parts)):
        found[row[0]].append(row[1:])
    return found


def _dated_totals(conn, source: Source, measures, periods: Sequence[Period], township, by: list[str]) -> Totals:
    totals: Totals = {}
    width = len(by)
    distinct = list(dict.fromkeys(periods))
    if len(distinct) <= _DIRECT_PERIODS:
        # a few periods (a KPI with its 同比/环比 bases): a plain range read each, no month buckets
        spans = [(period.start, period.end) for period in distinct]
        for period, rows in zip(distinct, _dated_rows_of_spans(conn, source, measures, spans, township, by)):
            for row in rows:
                add_into(totals, (period.code, tuple(row[:width])), row[width:])
        return totals
    # a series: month buckets over the whole span in one query, added up into each period
    rows = _dated_rows(conn, source, measures, min(p.start for p in periods), max(p.end for p in periods), township,
                       ["month", *by])
    periods_of_month: dict[str, list[str]] = {}
    for row in rows:
        month = row[0]
        if month not in periods_of_month:
            periods_of_month[month] = [p.code for p in distinct
                                       if month_code(p.start) <= month <= month_code(p.end)]
        for code in periods_of_month[month]:
            add_into(totals, (code, tuple(row[1:1 + width])), row[1 + width:])
    return totals


def _running_totals(conn, source: Source, measures, periods: Sequence[Period], township, by: list[str]) -> Totals:
    """Periods cut at a day (the running quarter, its 同比/环比 bases): the whole months before the cut
    month from the summaries, the cut month's days from the facts (a prefecture's running quarter: six
    weeks of a million clues were read for every tile)."""
    from metrics import summaries

    totals: Totals = {}
    width = len(by)
    cuts = {}  # period → (its whole months, the first day read from the facts)
    for period in dict.fromkeys(periods):
        cut_month = period.end.replace(day=1)
        months = [Period.containing("month", day) for day in _month_starts(period.start, cut_month)]
        cuts[period] = ([], period.start) if period.start.day != 1 else (months, cut_month)  # not of months: days
    # every period's whole months in one read of the summary (the tiles' period, 同比 and 环比: one, not three)
    every_month = list(dict.fromkeys(month for months, _cut in cuts.values() for month in months))
    whole = summaries.dated_totals(conn, measures, every_month, township, by) if every_month else {}
    days = _dated_rows_of_spans(conn, source, measures, [(cut_month, period.end) for period, (_months, cut_month)
                                                         in cuts.items()], township, by)
    for (period, (months, _cut_month)), rows in zip(cuts.items(), days):
        codes = {month.code for month in months}
        for (month, key), values in whole.items():
            if month in codes:
                add_into(totals, (period.code, key), values)
        for row in rows:
            add_into(totals, (period.code, tuple(row[:width])), row[width:])
    return totals


def _month_starts(first: date, before: date) -> list[date]:
    """The first days of the months from ``first``'s to the one before ``before``'s."""
    starts, day = [], first.replace(day=1)
    while day < before:
        starts.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


def survey_quarters(period: Period) -> list[tuple[int, int]]:
    """A month reads its quarter's survey, a quarter its own, a year all four."""
    if period.granularity == "month":
        parent = period.parent()
        return [(parent.year, parent.index)]
    if period.granularity == "quarter":
        return [(period.year, period.index)]
    return [(period.year, q) for q in range(1, 5)]


def _survey_totals(conn, source: Source, measures, periods: Sequence[Period], township, by: list[str]) -> Totals:
    wanted: dict[tuple[int, int], list[str]] = {}
    for period in dict.fromkeys(periods):
        for quarter in survey_quarters(period):
            wanted.setdefault(quarter, []).append(period.code)
    first, last = min(wanted), max(wanted)
    columns = [_s.survey_year.label("survey_year"), _s.survey_quarter.label("survey_quarter"),
               *(source.column(name) for name in by)]
    ordinal = _s.survey_year * 4 + _s.survey_quarter
    statement = (select(*columns, *(aggregate_column(m, None, m.name) for m in measures))
                 .where(ordinal >= first[0] * 4 + first[1], ordinal <= last[0] * 4 + last[1],
                        *in_township(source.township_column, township))
                 .group_by(*columns))
    totals: Totals = {}
    width = len(by)
    for row in conn.execute(statement).all():
        for code in wanted.get((int(row[0]), int(row[1])), ()):
            add_into(totals, (code, tuple(row[2:2 + width])), row[2 + width:])
    return totals


def _as_of_totals(conn, source: Source, measures, periods: Sequence[Period], township, by: list[str],
                  as_of_of: Callable[[Period], date]) -> Totals:
    """Each period as of its date, from one scan per dozen dates (each measure once per date, suffixed).
    A group with nothing to count by a date is not a row of that date."""
    totals: Totals = {}
    distinct = list(dict.fromkeys(periods))
    width, count = len(by), len(measures)
    for first in range(0, len(distinct), _AS_OF_PER_SCAN):
        chunk = distinct[first:first + _AS_OF_PER_SCAN]
        days = [as_of_of(period) for period in chunk]
        groups = [source.column(name) for name in by]
        columns = [aggregate_column(m, day, f"{m.name}__{i}") for i, day in enumerate(days) for m in measures]
        statement = select(*groups, *columns).where(source.date_column <= max(days),
                                                    *in_township(source.township_column, township))
        if groups:
            statement = statement.group_by(*groups)
        for row in conn.execute(statement).all():
            for i, period in enumerate(chunk):
                values = row[width + i * count:width + (i + 1) * count]
                if not by or any(values):
                    add_into(totals, (period.code, tuple(row[:width])), values)
    return totals


def month_code(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _frame(keys: list[tuple[str, tuple]], totals: list[Totals], groups_of: list[list[Measure]], by: list[str],
           wanted: list[Measure]) -> pd.DataFrame:
    """One frame of the keys, each measure from its source's totals (0 where that source has no row).

    Made of arrays, not Series (a Series each column, then the frame's selection of them, was 0.57 ms of a
    dozen rows' 0.19: every page reads a few dozen of these frames)."""
    data: dict[str, Any] = {"period_code": pd.array([k[0] for k in keys], dtype="str")}
    for position, name in enumerate(by):
        data[name] = pd.array([None if k[1][position] is None else str(k[1][position]) for k in keys], dtype="str")
    for source_totals, measures in zip(totals, groups_of):
        zeros = [0] * len(measures)
        rows = [source_totals.get(key, zeros) for key in keys]
        for i, measure in enumerate(measures):
            if measure.is_money:
                data[measure.name] = np.array([float(r[i]) for r in rows], dtype="float64")
            else:
                data[measure.name] = np.array([int(r[i]) for r in rows], dtype="int64")
    return pd.DataFrame(data, columns=["period_code", *by, *(m.name for m in wanted)])


def measure_table(conn: Connection, measures: Sequence[str], periods: Sequence[Period], township: str | None,
                  *, by: Sequence[str] = (), as_of_of: Callable[[Period], date] | None = None,
                  from_summaries: bool = True) -> pd.DataFrame:
    """Return DataFrame[period_code, *by, *measures]: each measure per period (and per ``by`` group).

    Without ``by`` there is exactly one row per period, in the given order. With ``by`` there is a
    row per period and group that has rows in any source (zeros for the others), periods in the
    given order and groups in code order. ``township`` filters every source (None: the whole
    county). As-of measures are computed as of ``as_of_of(period)`` (the caller passes the
    data-aware rule of ``metrics.freshness``). For the whole scope or per township, dated and
    as-of measures are read from ``metrics.summaries`` (``from_summaries=False``: from the facts,
    which the summaries' equivalence test compares them with).
    """
    from metrics import summaries  # imports this module's declarations

    by = list(by)
    wanted = [get_measure(name) for name in dict.fromkeys(measures)]
    if any(m.rule == AS_OF for m in wanted) and as_of_of is None:
        raise ValueError("截至某日的度量需要给出截至日期规则")
    by_source: dict[str, list[Measure]] = {}
    for measure in wanted:
        by_source.setdefault(measure.source, []).append(measure)
    totals: list[Totals] = []
    for name, group in by_source.items():
        source = SOURCES[name]
        if not periods:
            totals.append({})
        elif from_summaries and summaries.answers(source, by):
            if source.rule == AS_OF:
                totals.append(summaries.as_of_totals(conn, group, periods, township, by, as_of_of))
            else:  # whole months from the summary; a period cut at a day (the running one): its cut month from the facts
                whole = [p for p in periods if summaries.whole_months(p)]
                found = summaries.dated_totals(conn, group, whole, township, by) if whole else {}
                cut = [p for p in periods if not summaries.whole_months(p)]
                if cut:
                    found.update(_running_totals(conn, source, group, cut, township, by))
                totals.append(found)
        elif source.rule == DATED:
            totals.append(_dated_totals(conn, source, group, periods, township, by))
        elif source.rule == QUARTERS:
            totals.append(_survey_totals(conn, source, group, periods, township, by))
        else:
            totals.append(_as_of_totals(conn, source, group, periods, township, by, as_of_of))
    if by:
        order = {p.code: i for i, p in reversed(list(enumerate(periods)))}
        found = {key for source_totals in totals for key in source_totals}
        groups = sorted({k[1] for k in found}, key=lambda group: tuple((v is None, str(v)) for v in group))
        place = {group: i for i, group in enumerate(groups)}  # each group's sort key made once, not once a period
        keys = sorted(found, key=lambda k: (order[k[0]], place[k[1]]))
    else:
        keys = [(p.code, ()) for p in periods]
    return _frame(keys, totals, list(by_source.values()), by, wanted)
