"""All SQL the pages and reports read: SQLAlchemy Core, bound parameters, every function scoped.

Every public function takes the engine first and a ``Scope``; a township filter always goes
through ``scope.narrowed_to(township_code)``, so a 乡镇 user asking for another township gets
its own. Aggregation happens in SQL (grouped by month, township or category); pandas only adds
up a handful of grouped rows into periods and joins names.

Conventions of the returned frames:
- English snake_case columns; ``COLUMN_LABELS`` gives each a Chinese header with its unit.
- Rates and shares are fractions (0.823 = 82.3%); NaN/None where the base is 0 ("—").
- Rectification figures are *as of* a date: the period's last day, but never past the data's last
  day (so the running quarter does not count December's deadlines as already missed), or an
  explicit ``as_of``.
- Personal names (被反映人, 责任人) are masked with ``mask_name`` unless ``scope.shows_names``.
- Free text (summary, description) is returned as stored: escape it when rendering HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, case, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from config import settings
from metrics.cache import Lru, cached
from metrics.definitions import METRICS, RANKING_METRICS, Kpi, Metric, get_metric, relative_or_points_change
from metrics.periods import Period
from metrics.scope import Scope, mask_name
from warehouse import vocabulary as vocab
from warehouse.engine import data_version, year_month
from warehouse.schema import (
    case_people,
    cases,
    clues,
    counties,
    load_batches,
    platform_usage,
    rectification_items,
    satisfaction_surveys,
    townships,
    villages,
)

__all__ = [
    "COLUMN_LABELS", "RATE_COLUMNS", "NO_VILLAGE", "labelled", "metric_value", "kpi", "kpi_tiles",
    "metric_series", "metric_by_township", "case_breakdown", "case_trend", "people_by_form",
    "people_by_sanction", "typical_cases", "clue_trend", "clue_breakdown", "recent_activity",
    "priority_clues", "rectification_by_township", "rectification_status_breakdown",
    "rectification_by_source", "overdue_items", "recurring_items", "rectification_items_of",
    "satisfaction_series", "satisfaction_by_township", "quarterly_ranking", "interview_flags",
    "apply_small_number_rule", "village_table", "data_freshness", "latest_period", "available_years",
    "county_name", "township_options", "drill_children", "effective_as_of", "CASE_DIMENSIONS",
    "CLUE_DIMENSIONS",
]

NO_VILLAGE = "乡镇本级/未明确到村"

COLUMN_LABELS: dict[str, str] = {
    "period_code": "期间",
    "period_label": "期间",
    "value": "数值",
    "township_code": "乡镇代码",
    "township_name": "乡镇",
    "township_kind": "乡镇类型",
    "village_code": "村(社区)代码",
    "village_name": "村(社区)",
    "village_kind": "村类型",
    "category": "类别",
    "share": "占比(%)",
    "clue_id": "线索编号",
    "received_date": "受理日期",
    "clue_source": "线索来源",
    "problem_domain": "问题领域",
    "management_level": "管理等级",
    "is_supervised": "挂牌督办",
    "handling_status": "办理状态",
    "reported_person_name": "被反映人",
    "summary": "问题摘要",
    "clue_count": "线索数(件)",
    "closed_count": "办结数(件)",
    "closed_rate": "办结率(%)",
    "red_count": "红色线索(件)",
    "supervised_count": "挂牌督办(件)",
    "case_id": "案件编号",
    "filed_date": "立案日期",
    "discovery_method": "发现方式",
    "violation_type": "违纪类型",
    "case_count": "立案数(件)",
    "people_count": "处理人数(人)",
    "people": "人数(人)",
    "recovered_funds_wan_yuan": "追缴资金(万元)",
    "proactive_rate": "主动发现率(%)",
    "discipline_form": "处理形态",
    "sanction_type": "处分种类",
    "item_id": "整改编号",
    "feedback_date": "反馈日期",
    "issue_source": "问题来源",
    "problem_category": "问题类别",
    "description": "问题描述",
    "measures": "整改措施",
    "responsible_person": "责任人",
    "deadline_date": "整改时限",
    "status": "整改状态",
    "completed_date": "完成日期",
    "is_recurring": "反复出现",
    "related_clue_id": "关联线索编号",
    "related_case_id": "关联案件编号",
    "days_overdue": "逾期天数(天)",
    "warning": "预警",
    "items": "整改事项(件)",
    "completed": "已完成(件)",
    "completion_rate": "整改完成率(%)",
    "due_items": "到期事项(件)",
    "on_time_items": "按期完成(件)",
    "on_time_rate": "按期完成率(%)",
    "overdue_items": "逾期事项(件)",
    "recurring_items": "反复出现(件)",
    "rectification_items": "整改事项(件)",
    "satisfaction_rate": "满意率(%)",
    "awareness_rate": "知晓率(%)",
    "sample_size": "样本量(人)",
    "valid_samples": "有效样本(人)",
    "rank": "排名",
    "rectification_completion_rate": "整改完成率(%)",
    "on_time_completion_rate": "按期完成率(%)",
    "proactive_discovery_rate": "主动发现率(%)",
    "score": "综合得分(分)",
    "previous_rank": "上季度排名",
    "rank_change": "名次变化",
    "is_last": "末位",
    "suggest_interview": "建议约谈",
    "quarters": "连续末位季度",
    "quarter_count": "连续末位季度数",
}

# columns holding fractions that a reader sees as percentages
RATE_COLUMNS = frozenset({
    "share", "closed_rate", "proactive_rate", "completion_rate", "on_time_rate", "satisfaction_rate",
    "awareness_rate", "rectification_completion_rate", "on_time_completion_rate", "proactive_discovery_rate",
})

CASE_DIMENSIONS = {
    "problem_domain": vocab.PROBLEM_DOMAINS,
    "discovery_method": vocab.DISCOVERY_METHODS,
    "violation_type": vocab.VIOLATION_TYPES,
    "township": None,
    "village": None,
}
CLUE_DIMENSIONS = {
    "clue_source": vocab.CLUE_SOURCES,
    "problem_domain": vocab.PROBLEM_DOMAINS,
    "management_level": vocab.MANAGEMENT_LEVELS,
    "township": None,
}

RED = "红"
YELLOW = "黄"
GREEN = "绿"


# ============================================================================================
# the measures of each fact family, aggregated in SQL
# ============================================================================================

_MEASURES = {
    "clues": ("clue_count", "closed_count", "red_count", "supervised_count"),
    "cases": ("case_count", "proactive_count", "recovered_funds_wan_yuan", "typical_count", "people_count"),
    "rectification": ("items", "completed", "due_items", "on_time_items", "overdue_items", "recurring_items"),
    "surveys": ("sample_size", "valid_samples", "satisfied_total", "aware_of_platform"),
    "platform": ("problems_reported", "visits"),
}
_FLOAT_MEASURES = {"recovered_funds_wan_yuan"}
_DIRECT_PERIODS = 3  # up to this many distinct periods are queried one by one; more share one month-bucket query


def _count_if(condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _in_township(column, township: str | None) -> list[ColumnElement]:
    return [column == township] if township else []


def _group_column(name: str, date_column, *tables) -> ColumnElement:
    """Return the grouping expression called ``name``: "month" buckets the date, else a table's column."""
    if name == "month":
        return year_month(date_column).label("month")
    for table in tables:
        if name in table.c:
            return table.c[name].label(name)
    raise ValueError(f"无法按“{name}”分组")


def _run(conn: Connection, statement, measures: Sequence[str]) -> pd.DataFrame:
    result = conn.execute(statement)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for measure in measures:
        if measure in frame:
            if measure in _FLOAT_MEASURES:
                frame[measure] = frame[measure].map(lambda v: float(v) if v is not None else 0.0)
            else:
                frame[measure] = frame[measure].map(lambda v: int(v) if v is not None else 0).astype("int64")
    return frame


def _clue_frame(conn, start, end, township, by, where=()) -> pd.DataFrame:
    c = clues.c
    groups = [_group_column(name, c.received_date, clues) for name in by]
    statement = select(
        *groups,
        func.count().label("clue_count"),
        _count_if(c.handling_status == vocab.CLUE_CLOSED).label("closed_count"),
        _count_if(c.management_level == RED).label("red_count"),
        _count_if(c.is_supervised.is_(True)).label("supervised_count"),
    ).where(c.received_date >= start, c.received_date <= end, *_in_township(c.township_code, township), *where)
    if groups:
        statement = statement.group_by(*groups)
    return _run(conn, statement, _MEASURES["clues"])


def _case_frame(conn, start, end, township, by, where=()) -> pd.DataFrame:
    """Cases filed in the range grouped by ``by``, with their people (case_people rows) merged in."""
    k = cases.c
    groups = [_group_column(name, k.filed_date, cases) for name in by]
    filters = [k.filed_date >= start, k.filed_date <= end, *_in_township(k.township_code, township), *where]
    case_statement = select(
        *groups,
        func.count().label("case_count"),
        _count_if(k.discovery_method.in_(vocab.PROACTIVE_DISCOVERY_METHODS)).label("proactive_count"),
        func.coalesce(func.sum(k.recovered_funds_wan_yuan), 0).label("recovered_funds_wan_yuan"),
        _count_if(k.is_typical.is_(True)).label("typical_count"),
    ).where(*filters)
    people_groups = [_group_column(name, k.filed_date, cases) for name in by]
    people_statement = (
        select(*people_groups, func.count().label("people_count"))
        .select_from(case_people.join(cases, case_people.c.case_id == k.case_id))
        .where(*filters)
    )
    if groups:
        case_statement = case_statement.group_by(*groups)
        people_statement = people_statement.group_by(*people_groups)
    case_rows = _run(conn, case_statement, _MEASURES["cases"])
    people_rows = _run(conn, people_statement, ["people_count"])
    if not by:
        case_rows["people_count"] = int(people_rows["people_count"].iloc[0]) if len(people_rows) else 0
        return case_rows
    merged = case_rows.merge(people_rows, on=list(by), how="outer")
    for measure in _MEASURES["cases"]:
        merged[measure] = merged[measure].fillna(0)
        merged[measure] = merged[measure].astype("float64" if measure in _FLOAT_MEASURES else "int64")
    return merged


def _done_as_of(as_of: date) -> ColumnElement:
    """已完成/已销号 with a completion date on or before ``as_of`` (never NULL, so NOT works)."""
    r = rectification_items.c
    return and_(r.rectification_status.in_(vocab.RECTIFICATION_DONE), r.completed_date.is_not(None),
                r.completed_date <= as_of)


def _rectification_measures(as_of: date, suffix: str = "") -> list[ColumnElement]:
    r = rectification_items.c
    done = _done_as_of(as_of)
    due = r.deadline_date <= as_of
    fed_back = r.feedback_date <= as_of
    return [
        _count_if(fed_back).label("items" + suffix),
        _count_if(and_(fed_back, done)).label("completed" + suffix),
        _count_if(and_(fed_back, due)).label("due_items" + suffix),
        _count_if(and_(fed_back, due, done, r.completed_date <= r.deadline_date)).label("on_time_items" + suffix),
        _count_if(and_(fed_back, not_(done), r.deadline_date < as_of)).label("overdue_items" + suffix),
        _count_if(and_(fed_back, r.is_recurring.is_(True))).label("recurring_items" + suffix),
    ]


def _rectification_frames(conn, as_ofs: Sequence[date], township, by, where=()) -> list[pd.DataFrame]:
    """Return one frame of rectification measures per as-of date, from one scan per dozen dates."""
    r = rectification_items.c
    frames: list[pd.DataFrame] = []
    for first in range(0, len(as_ofs), 12):
        chunk = list(as_ofs[first:first + 12])
        groups = [_group_column(name, r.feedback_date, rectification_items) for name in by]
        columns = [column for i, day in enumerate(chunk) for column in _rectification_measures(day, f"__{i}")]
        statement = select(*groups, *columns).where(
            r.feedback_date <= max(chunk), *_in_township(r.township_code, township), *where)
        if groups:
            statement = statement.group_by(*groups)
        wide = _run(conn, statement, [f"{m}__{i}" for i in range(len(chunk)) for m in _MEASURES["rectification"]])
        for i in range(len(chunk)):
            frame = wide[list(by) + [f"{m}__{i}" for m in _MEASURES["rectification"]]]
            frame = frame.rename(columns={f"{m}__{i}": m for m in _MEASURES["rectification"]})
            if by:  # a group with nothing fed back by this date is not a row of it
                frame = frame[frame["items"] > 0]
            frames.append(frame.reset_index(drop=True))
    return frames


def _rectification_frame(conn, as_of: date, township, by, where=()) -> pd.DataFrame:
    """Return the rectification measures as of one date (items fed back on or before it), grouped by ``by``."""
    return _rectification_frames(conn, [as_of], township, by, where)[0]


def _survey_quarters(period: Period) -> list[tuple[int, int]]:
    """A month reads its quarter's survey, a quarter its own, a year all four."""
    if period.granularity == "month":
        parent = period.parent()
        return [(parent.year, parent.index)]
    if period.granularity == "quarter":
        return [(period.year, period.index)]
    return [(period.year, q) for q in range(1, 5)]


def _survey_frame(conn, first: tuple[int, int], last: tuple[int, int], township, by) -> pd.DataFrame:
    s = satisfaction_surveys.c
    groups = [s.survey_year, s.survey_quarter] + [s[name].label(name) for name in by]
    ordinal = s.survey_year * 4 + s.survey_quarter
    statement = (
        select(
            *groups,
            func.sum(s.sample_size).label("sample_size"),
            func.sum(s.sample_size - s.unaware).label("valid_samples"),
            func.sum(s.satisfied + s.basically_satisfied).label("satisfied_total"),
            func.sum(s.aware_of_platform).label("aware_of_platform"),
        )
        .where(ordinal >= first[0] * 4 + first[1], ordinal <= last[0] * 4 + last[1],
               *_in_township(s.township_code, township))
        .group_by(*groups)
    )
    return _run(conn, statement, _MEASURES["surveys"])


def _platform_frame(conn, start, end, township, by) -> pd.DataFrame:
    p = platform_usage.c
    groups = [_group_column(name, p.usage_month_date, platform_usage) for name in by]
    statement = select(
        *groups,
        func.coalesce(func.sum(p.problems_reported), 0).label("problems_reported"),
        func.coalesce(func.sum(p.visits), 0).label("visits"),
    ).where(p.usage_month_date >= start, p.usage_month_date <= end, *_in_township(p.township_code, township))
    if groups:
        statement = statement.group_by(*groups)
    return _run(conn, statement, _MEASURES["platform"])


def _month_code(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _measure_table(conn: Connection, source: str, periods: Sequence[Period], township: str | None,
                   by: Sequence[str] = (), as_of: date | None = None, where=()) -> pd.DataFrame:
    """Return the source's measures per period (and per ``by`` group): columns period_code, *by, measures.

    Dated facts: up to three periods are queried one range each; a longer series is grouped by
    month in one query over the span and the months added up into each period. Surveys are read
    by quarter. Rectification is computed as of each period's effective end, in one scan.
    """
    by = list(by)
    measures = _MEASURES[source]
    if not periods:
        return pd.DataFrame(columns=["period_code", *by, *measures])
    pieces = []
    if source in ("clues", "cases", "platform"):
        distinct = list(dict.fromkeys(periods))
        if len(distinct) <= _DIRECT_PERIODS:
            # a few periods (a KPI with its 同比/环比 bases): one plain range query each, no month buckets
            direct = {p: _dated_frame(conn, source, p.start, p.end, township, by, where) for p in distinct}
            for period in periods:
                pieces.append(_sum_rows(direct[period], period, by, measures))
        else:
            # a series: month buckets over the whole span in one query, added up into each period
            start = min(p.start for p in periods)
            end = max(p.end for p in periods)
            monthly = _dated_frame(conn, source, start, end, township, ["month", *by], where)
            for period in periods:
                inside = monthly[(monthly["month"] >= _month_code(period.start))
                                 & (monthly["month"] <= _month_code(period.end))]
                pieces.append(_sum_rows(inside, period, by, measures))
    elif source == "surveys":
        wanted = {p: _survey_quarters(p) for p in periods}
        quarters = sorted(q for qs in wanted.values() for q in qs)
        quarterly = _survey_frame(conn, quarters[0], quarters[-1], township, by)
        keys = list(zip(quarterly["survey_year"], quarterly["survey_quarter"]))
        for period in periods:
            mask = pd.Series([key in wanted[period] for key in keys], index=quarterly.index, dtype=bool)
            pieces.append(_sum_rows(quarterly.loc[mask], period, by, measures))
    elif source == "rectification":
        days = [as_of or effective_as_of(conn, period) for period in periods]
        frames = _rectification_frames(conn, days, township, by, where)
        for period, frame in zip(periods, frames):
            pieces.append(_sum_rows(frame, period, by, measures))
    else:
        raise ValueError(f"未知的数据来源：{source}")
    return pd.concat(pieces, ignore_index=True)


def _dated_frame(conn, source: str, start: date, end: date, township, by, where=()) -> pd.DataFrame:
    if source == "clues":
        return _clue_frame(conn, start, end, township, by, where)
    if source == "cases":
        return _case_frame(conn, start, end, township, by, where)
    return _platform_frame(conn, start, end, township, by)


def _sum_rows(rows: pd.DataFrame, period: Period, by: list[str], measures: Sequence[str]) -> pd.DataFrame:
    if by:
        summed = rows.groupby(by, dropna=False, sort=False)[list(measures)].sum().reset_index()
    else:
        summed = pd.DataFrame([{m: rows[m].sum() if len(rows) else 0 for m in measures}])
    summed.insert(0, "period_code", period.code)
    return summed


def _metric_from(metric: Metric, row) -> float | int | None:
    """Return the metric's value from one row of measures: num/den for rates, None when den is 0."""
    numerator = row[metric.numerator]
    if metric.denominator:
        denominator = row[metric.denominator]
        if not denominator or denominator != denominator:
            return None
        return float(numerator) / float(denominator)
    if metric.kind == "sum":
        return round(float(numerator), 2)
    return int(numerator)


def _metric_column(metric: Metric, table: pd.DataFrame) -> pd.Series:
    """The metric for every row (object dtype: int counts, float sums and rates, None without a base)."""
    numerators = table[metric.numerator].tolist()
    if metric.denominator:
        values = [float(n) / float(d) if d and d == d else None
                  for n, d in zip(numerators, table[metric.denominator].tolist())]
    elif metric.kind == "sum":
        values = [round(float(n), 2) for n in numerators]
    else:
        values = [int(n) for n in numerators]
    return pd.Series(values, index=table.index, dtype="object")


# ============================================================================================
# dimensions and dates
# ============================================================================================

def _township_frame(conn, scope: Scope, township_code: str | None = None, whole_county: bool = False) -> pd.DataFrame:
    t = townships.c
    statement = select(t.township_code, t.township_name, t.township_kind).order_by(t.township_code)
    township = None if whole_county else scope.narrowed_to(township_code)
    if township:
        statement = statement.where(t.township_code == township)
    result = conn.execute(statement)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


_DATA_AS_OF = Lru(256)


def _data_as_of(conn) -> date | None:
    """Return the latest event date in the facts (clue received, case filed, item fed back or completed).

    Remembered per database and data version (and the two indexed maxima, so rows written without a
    load batch are seen too): the rectification columns have no index to read a maximum from.
    """
    version = data_version(conn)
    received = conn.execute(select(func.max(clues.c.received_date))).scalar()
    filed = conn.execute(select(func.max(cases.c.filed_date))).scalar()
    key = (str(conn.engine.url), version, received, filed)

    def latest_event_date() -> date | None:
        dates = [received, filed]
        for column in (rectification_items.c.feedback_date, rectification_items.c.completed_date):
            dates.append(conn.execute(select(func.max(column))).scalar())
        dates = [_as_date(d) for d in dates if d is not None]
        return max(dates) if dates else None

    return _DATA_AS_OF.get_or_make(key, latest_event_date)


def effective_as_of(conn_or_engine, period: Period, as_of: date | None = None) -> date:
    """Return the as-of date of a period: ``as_of`` if given, else its last day, but never past the data's
    last day (a running quarter is measured as of the latest load, not as of a December not yet seen)."""
    if as_of is not None:
        return as_of
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            latest = _data_as_of(conn)
    else:
        latest = _data_as_of(conn_or_engine)
    if latest is not None and latest < period.end:
        return latest
    return period.end


def _masked(frame: pd.DataFrame, column: str, scope: Scope) -> pd.DataFrame:
    if not scope.shows_names and column in frame:
        frame[column] = frame[column].map(mask_name)
    return frame


def _share(counts: pd.Series) -> pd.Series:
    total = counts.sum()
    if not total:
        return pd.Series([None] * len(counts), index=counts.index, dtype="float64")
    return counts / total


def labelled(frame: pd.DataFrame, percent: bool = True) -> pd.DataFrame:
    """Return a copy for display: rate columns as "82.3%" text (when ``percent``) and Chinese headers."""
    shown = frame.copy()
    if percent:
        for column in shown.columns:
            if column in RATE_COLUMNS:
                shown[column] = shown[column].map(
                    lambda v: "—" if v is None or v != v or isinstance(v, str) else f"{float(v) * 100:.1f}%")
    return shown.rename(columns={c: COLUMN_LABELS.get(c, c) for c in shown.columns})


# ============================================================================================
# single metrics, KPIs, series
# ============================================================================================

def metric_value(engine: Engine, name: str, period: Period, scope: Scope, township_code: str | None = None,
                 as_of: date | None = None) -> float | None:
    """Return the metric's value for the period (rates as fractions; counts as int), None when it has no base."""
    metric = get_metric(name)
    township = scope.narrowed_to(township_code)
    with engine.connect() as conn:
        table = _measure_table(conn, metric.source, [period], township, as_of=as_of)
    return _metric_from(metric, table.iloc[0])


def _kpis(conn: Connection, names: Sequence[str], period: Period, township: str | None) -> list[Kpi]:
    """The KPIs for ``names``, reading each source's measures once for all its metrics."""
    metrics = [get_metric(n) for n in names]
    # a running period is compared like with like: its bases are cut to the same number of days
    latest = _data_as_of(conn)
    measured = period.to_date(latest) if latest is not None else period
    periods = [measured, measured.year_ago(), measured.previous()]
    tables = {source: _measure_table(conn, source, periods, township)
              for source in dict.fromkeys(m.source for m in metrics)}
    kpis = []
    for metric in metrics:
        value, year_ago_value, previous_value = (_metric_from(metric, row)
                                                 for _, row in tables[metric.source].iterrows())
        kpis.append(Kpi(
            metric=metric, period=period, value=value, year_ago_value=year_ago_value,
            previous_value=previous_value, year_ago_period=periods[1], previous_period=periods[2],
            yoy_change=relative_or_points_change(metric, value, year_ago_value),
            mom_change=relative_or_points_change(metric, value, previous_value),
            change_is_points=metric.is_rate,
        ))
    return kpis


def kpi(engine: Engine, name: str, period: Period, scope: Scope, township_code: str | None = None) -> Kpi:
    """Return the metric for the period with its 同比 (year ago) and 环比 (previous period) values and changes."""
    with engine.connect() as conn:
        return _kpis(conn, [name], period, scope.narrowed_to(township_code))[0]


def kpi_tiles(engine: Engine, period: Period, scope: Scope, township_code: str | None = None,
              names: tuple[str, ...] = ("clue_count", "case_count", "people_handled", "recovered_funds",
                                        "rectification_completion_rate", "satisfaction_rate")) -> list[Kpi]:
    """Return one Kpi per name, in order (for the KPI tiles of the overview); metrics that share a
    source (the four rectification rates, say) are read from one query of it."""
    with engine.connect() as conn:
        return _kpis(conn, names, period, scope.narrowed_to(township_code))


def _period_frame(periods: Sequence[Period]) -> pd.DataFrame:
    return pd.DataFrame({"period_code": [p.code for p in periods], "period_label": [p.label for p in periods]})


def metric_series(engine: Engine, name: str, periods: list[Period], scope: Scope,
                  township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, value], one row per period in the given order."""
    metric = get_metric(name)
    periods = list(periods)
    if not periods:
        return pd.DataFrame(columns=["period_code", "period_label", "value"])
    with engine.connect() as conn:
        table = _measure_table(conn, metric.source, periods, scope.narrowed_to(township_code))
    result = _period_frame(periods)
    result["value"] = _metric_column(metric, table).to_numpy()
    return result


def drill_children(engine: Engine, name: str, period: Period, scope: Scope,
                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, value] over a year's quarters or a quarter's months."""
    return metric_series(engine, name, list(period.children()), scope, township_code)


def metric_by_township(engine: Engine, name: str, period: Period, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, value] for every township in scope, zero-filled, in code order."""
    metric = get_metric(name)
    with engine.connect() as conn:
        towns = _township_frame(conn, scope)
        table = _measure_table(conn, metric.source, [period], scope.narrowed_to(None), by=["township_code"])
    table = towns[["township_code", "township_name"]].merge(table, on="township_code", how="left")
    for measure in _MEASURES[metric.source]:
        if measure in table:
            table[measure] = table[measure].fillna(0)
    table["value"] = _metric_column(metric, table)
    return table[["township_code", "township_name", "value"]].reset_index(drop=True)


# ============================================================================================
# cases
# ============================================================================================

def _categorised(table: pd.DataFrame, column: str, order: Iterable[str] | None, count_column: str) -> pd.DataFrame:
    """Zero-fill the vocabulary's categories in order; categories outside it follow by count."""
    table = table.rename(columns={column: "category"})
    if order is not None:
        known = pd.DataFrame({"category": list(order)})
        extra = table[~table["category"].isin(list(order))].sort_values(count_column, ascending=False)
        table = pd.concat([known.merge(table, on="category", how="left"), extra], ignore_index=True)
    numeric = [c for c in table.columns if c != "category"]
    table[numeric] = table[numeric].fillna(0)
    return table


def case_breakdown(engine: Engine, dimension: str, period: Period, scope: Scope,
                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[category, case_count, people_count, recovered_funds_wan_yuan, share] (share of cases).

    dimension: problem_domain, discovery_method, violation_type (vocabulary order, zero-filled),
    township (category = township name, every township in scope) or village (the villages of
    ``township_code`` that have cases, most cases first; cases not tied to a village are one row).
    """
    if dimension not in CASE_DIMENSIONS:
        raise ValueError(f"案件不能按“{dimension}”分类")
    township = scope.narrowed_to(township_code)
    if dimension == "village" and not township:
        raise ValueError("按村分类需先选择乡镇")
    column = {"township": "township_code", "village": "village_code"}.get(dimension, dimension)
    with engine.connect() as conn:
        table = _measure_table(conn, "cases", [period], township, by=[column]).drop(columns="period_code")
        if dimension == "township":
            towns = _township_frame(conn, scope, township_code)
            table = towns[["township_code", "township_name"]].merge(table, on="township_code", how="left")
            table = table.drop(columns="township_code").rename(columns={"township_name": "category"})
            table = table.fillna(0)
        elif dimension == "village":
            table = _village_names(conn, table)
            table = table.sort_values(["case_count", "category"], ascending=[False, True], kind="stable")
        else:
            table = _categorised(table, column, CASE_DIMENSIONS[dimension], "case_count")
    table["case_count"] = table["case_count"].astype("int64")
    table["people_count"] = table["people_count"].astype("int64")
    table["recovered_funds_wan_yuan"] = table["recovered_funds_wan_yuan"].astype("float64").round(2)
    table["share"] = _share(table["case_count"])
    return table[["category", "case_count", "people_count", "recovered_funds_wan_yuan", "share"]].reset_index(drop=True)


def _village_names(conn, table: pd.DataFrame) -> pd.DataFrame:
    """Replace village_code by the village's name (category); a missing village reads NO_VILLAGE."""
    codes = [c for c in table["village_code"].dropna().unique().tolist()]
    names = {}
    if codes:
        v = villages.c
        names = dict(conn.execute(select(v.village_code, v.village_name).where(v.village_code.in_(codes))).all())
    table = table.copy()
    table["category"] = [names.get(code, code) if isinstance(code, str) else NO_VILLAGE
                         for code in table["village_code"]]
    return table.drop(columns="village_code")


def case_trend(engine: Engine, periods: list[Period], scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, case_count, people_count, recovered_funds_wan_yuan, proactive_rate]."""
    periods = list(periods)
    with engine.connect() as conn:
        table = _measure_table(conn, "cases", periods, scope.narrowed_to(township_code))
    result = _period_frame(periods)
    result["case_count"] = table["case_count"].astype("int64").to_numpy()
    result["people_count"] = table["people_count"].astype("int64").to_numpy()
    result["recovered_funds_wan_yuan"] = table["recovered_funds_wan_yuan"].astype("float64").round(2).to_numpy()
    result["proactive_rate"] = pd.to_numeric(
        _metric_column(METRICS["proactive_discovery_rate"], table), errors="coerce").to_numpy()
    return result


def _people_by(engine, column: str, period: Period, scope: Scope, township_code) -> pd.DataFrame:
    k = cases.c
    township = scope.narrowed_to(township_code)
    group = case_people.c[column]
    statement = (
        select(group.label(column), func.count().label("people"))
        .select_from(case_people.join(cases, case_people.c.case_id == k.case_id))
        .where(k.filed_date >= period.start, k.filed_date <= period.end, *_in_township(k.township_code, township))
        .group_by(group)
    )
    with engine.connect() as conn:
        return _run(conn, statement, ["people"])


def people_by_form(engine: Engine, period: Period, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[discipline_form, people, share]: all four forms (四种形态) in order, zero-filled."""
    table = _categorised(_people_by(engine, "discipline_form", period, scope, township_code), "discipline_form",
                         vocab.DISCIPLINE_FORMS, "people")
    table = table.rename(columns={"category": "discipline_form"})
    table["people"] = table["people"].astype("int64")
    table["share"] = _share(table["people"])
    return table[["discipline_form", "people", "share"]]


def people_by_sanction(engine: Engine, period: Period, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[sanction_type, people, share]: the sanctions that occur, in vocabulary order."""
    table = _people_by(engine, "sanction_type", period, scope, township_code)
    order = {name: i for i, name in enumerate(vocab.SANCTION_TYPES)}
    table["_order"] = table["sanction_type"].map(lambda s: order.get(s, len(order)))
    table = table.sort_values(["_order", "sanction_type"]).drop(columns="_order").reset_index(drop=True)
    table["people"] = table["people"].astype("int64")
    table["share"] = _share(table["people"])
    return table[["sanction_type", "people", "share"]]


def _people_per_case():
    return (select(func.count()).where(case_people.c.case_id == cases.c.case_id)
            .correlate(cases).scalar_subquery())


def _case_rows(conn, where: list, order_by) -> pd.DataFrame:
    k, t, v = cases.c, townships.c, villages.c
    statement = (
        select(k.case_id, k.filed_date, t.township_name, v.village_name, k.problem_domain, k.discovery_method,
               k.violation_type, _people_per_case().label("people_count"), k.recovered_funds_wan_yuan)
        .select_from(cases.outerjoin(townships, t.township_code == k.township_code)
                     .outerjoin(villages, v.village_code == k.village_code))
        .where(*where)
        .order_by(*order_by)
    )
    table = _run(conn, statement, ["people_count", "recovered_funds_wan_yuan"])
    table["village_name"] = table["village_name"].fillna(NO_VILLAGE)
    return table


def typical_cases(engine: Engine, period: Period, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[case_id, filed_date, township_name, village_name, problem_domain, violation_type,
    people_count, recovered_funds_wan_yuan]: the 典型案例 filed in the period, newest first."""
    k = cases.c
    township = scope.narrowed_to(township_code)
    where = [k.is_typical.is_(True), k.filed_date >= period.start, k.filed_date <= period.end,
             *_in_township(k.township_code, township)]
    with engine.connect() as conn:
        table = _case_rows(conn, where, [k.filed_date.desc(), k.case_id])
    return table[["case_id", "filed_date", "township_name", "village_name", "problem_domain", "violation_type",
                  "people_count", "recovered_funds_wan_yuan"]]


# ============================================================================================
# clues
# ============================================================================================

def clue_trend(engine: Engine, periods: list[Period], scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, clue_count, closed_count, closed_rate, red_count, supervised_count]."""
    periods = list(periods)
    with engine.connect() as conn:
        table = _measure_table(conn, "clues", periods, scope.narrowed_to(township_code))
    result = _period_frame(periods)
    for column in ("clue_count", "closed_count"):
        result[column] = table[column].astype("int64").to_numpy()
    result["closed_rate"] = pd.to_numeric(_metric_column(METRICS["clue_closed_rate"], table),
                                          errors="coerce").to_numpy()
    for column in ("red_count", "supervised_count"):
        result[column] = table[column].astype("int64").to_numpy()
    return result


def clue_breakdown(engine: Engine, dimension: str, period: Period, scope: Scope,
                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[category, clue_count, share]: by clue_source, problem_domain, management_level
    (vocabulary order, zero-filled) or township (every township in scope, by name)."""
    if dimension not in CLUE_DIMENSIONS:
        raise ValueError(f"线索不能按“{dimension}”分类")
    column = "township_code" if dimension == "township" else dimension
    with engine.connect() as conn:
        table = _measure_table(conn, "clues", [period], scope.narrowed_to(township_code), by=[column])
        table = table[[column, "clue_count"]]
        if dimension == "township":
            towns = _township_frame(conn, scope, township_code)
            table = towns[["township_code", "township_name"]].merge(table, on="township_code", how="left")
            table = table.drop(columns="township_code").rename(columns={"township_name": "category"}).fillna(0)
        else:
            table = _categorised(table, column, CLUE_DIMENSIONS[dimension], "clue_count")
    table["clue_count"] = table["clue_count"].astype("int64")
    table["share"] = _share(table["clue_count"])
    return table[["category", "clue_count", "share"]].reset_index(drop=True)


def _clue_rows(conn, where: list, order_by) -> pd.DataFrame:
    c, t, v = clues.c, townships.c, villages.c
    statement = (
        select(c.clue_id, c.received_date, t.township_name, v.village_name, c.clue_source, c.problem_domain,
               c.management_level, c.is_supervised, c.handling_status, c.closed_date, c.reported_person_name,
               c.summary)
        .select_from(clues.outerjoin(townships, t.township_code == c.township_code)
                     .outerjoin(villages, v.village_code == c.village_code))
        .where(*where)
        .order_by(*order_by)
    )
    result = conn.execute(statement)
    table = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    table["village_name"] = table["village_name"].fillna(NO_VILLAGE)
    table["is_supervised"] = table["is_supervised"].astype(bool)
    return table


def recent_activity(engine: Engine, scope: Scope, township_code: str | None = None, days: int = 7) -> dict[str, Any]:
    """Return {as_of, new_clues, new_cases, clues, cases}: what came in during the data's last ``days`` days.

    as_of is the latest received/filed date in the data (county-wide), not the wall clock, so the
    meeting view shows the last week of what was loaded.
    """
    township = scope.narrowed_to(township_code)
    c, k = clues.c, cases.c
    with engine.connect() as conn:
        latest = [conn.execute(select(func.max(c.received_date))).scalar(),
                  conn.execute(select(func.max(k.filed_date))).scalar()]
        latest = [d for d in latest if d is not None]
        as_of = max(latest) if latest else None
        if as_of is None:
            clue_rows = _clue_rows(conn, [c.clue_id.is_(None)], [c.clue_id])
            case_rows = _case_rows(conn, [k.case_id.is_(None)], [k.case_id])
        else:
            first = as_of - timedelta(days=days - 1)
            clue_rows = _clue_rows(conn, [c.received_date >= first, c.received_date <= as_of,
                                          *_in_township(c.township_code, township)],
                                   [c.received_date.desc(), c.clue_id])
            case_rows = _case_rows(conn, [k.filed_date >= first, k.filed_date <= as_of,
                                          *_in_township(k.township_code, township)],
                                   [k.filed_date.desc(), k.case_id])
    clue_rows = clue_rows[["clue_id", "received_date", "township_name", "village_name", "clue_source",
                           "problem_domain", "management_level", "is_supervised", "summary"]]
    return {"as_of": as_of, "new_clues": int(len(clue_rows)), "new_cases": int(len(case_rows)),
            "clues": clue_rows, "cases": case_rows}


def _clue_status_at(status: str, closed: date | None, day: date) -> str:
    """A clue's 办理状态 on ``day``: 办结 only if closed by then; one closed later reads 期末在办，<date>办结."""
    if status != vocab.CLUE_CLOSED:
        return status
    if closed is None or closed <= day:
        return status
    return f"期末在办，{closed.isoformat()}办结"


def priority_clues(engine: Engine, period: Period, scope: Scope, township_code: str | None = None,
                   open_only: bool = True) -> pd.DataFrame:
    """Return the 红 or 挂牌督办 clues: with ``open_only``, every one still open at the period's end, whenever
    received (the meeting's backlog); else those received in the period. Supervised first, then oldest
    first. Columns: clue_id, received_date, township_name, village_name, problem_domain,
    management_level, is_supervised, handling_status (on the period's last day: a clue closed after it
    reads 期末在办，<date>办结), reported_person_name (masked per scope), summary."""
    c = clues.c
    township = scope.narrowed_to(township_code)
    where = [or_(c.management_level == RED, c.is_supervised.is_(True)), c.received_date <= period.end,
             *_in_township(c.township_code, township)]
    if open_only:
        # open as of the period's end: not 办结 now, or 办结 only after that day
        where.append(or_(c.handling_status != vocab.CLUE_CLOSED, c.closed_date > period.end))
    else:
        where.append(c.received_date >= period.start)
    with engine.connect() as conn:
        table = _clue_rows(conn, where, [c.is_supervised.desc(), c.received_date, c.clue_id])
    table = _masked(table, "reported_person_name", scope)
    table["handling_status"] = [_clue_status_at(status, _as_date(closed), period.end)
                                for status, closed in zip(table["handling_status"], table["closed_date"])]
    return table[["clue_id", "received_date", "township_name", "village_name", "problem_domain",
                  "management_level", "is_supervised", "handling_status", "reported_person_name", "summary"]]


# ============================================================================================
# rectification
# ============================================================================================

def _rates(table: pd.DataFrame) -> pd.DataFrame:
    table["completion_rate"] = [c / i if i else None for c, i in zip(table["completed"], table["items"])]
    table["completion_rate"] = table["completion_rate"].astype("float64")
    if "due_items" in table:
        table["on_time_rate"] = [o / d if d else None for o, d in zip(table["on_time_items"], table["due_items"])]
        table["on_time_rate"] = table["on_time_rate"].astype("float64")
    return table


def rectification_by_township(engine: Engine, as_of: date, scope: Scope) -> pd.DataFrame:
    """Return per township in scope: items (fed back ≤ as_of), completed, completion_rate, due_items, on_time_items,
    on_time_rate, overdue_items, recurring_items — sorted by completion_rate desc (no items last)."""
    with engine.connect() as conn:
        towns = _township_frame(conn, scope)
        table = _rectification_frame(conn, as_of, scope.narrowed_to(None), ["township_code"])
    table = towns[["township_code", "township_name"]].merge(table, on="township_code", how="left")
    for measure in _MEASURES["rectification"]:
        table[measure] = table[measure].fillna(0).astype("int64")
    table = _rates(table)
    table = table.sort_values(["completion_rate", "township_code"], ascending=[False, True], na_position="last",
                              kind="stable")
    return table[["township_code", "township_name", "items", "completed", "completion_rate", "due_items",
                  "on_time_items", "on_time_rate", "overdue_items", "recurring_items"]].reset_index(drop=True)


def _status_as_of(as_of: date) -> ColumnElement:
    """The item's status on ``as_of``: done after it reads 整改中, 销号 after it reads 已完成."""
    r = rectification_items.c
    return case(
        (and_(r.rectification_status.in_(vocab.RECTIFICATION_DONE), not_(_done_as_of(as_of))), "整改中"),
        (and_(r.rectification_status == "已销号", or_(r.closed_off_date.is_(None), r.closed_off_date > as_of)),
         "已完成"),
        else_=r.rectification_status,
    )


def rectification_status_breakdown(engine: Engine, as_of: date, scope: Scope,
                                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[status, items, share]: items fed back ≤ as_of by their status on that date (all four, in order)."""
    r = rectification_items.c
    status = _status_as_of(as_of).label("status")
    statement = (select(status, func.count().label("items"))
                 .where(r.feedback_date <= as_of, *_in_township(r.township_code, scope.narrowed_to(township_code)))
                 .group_by(status))
    with engine.connect() as conn:
        table = _run(conn, statement, ["items"])
    table = _categorised(table, "status", vocab.RECTIFICATION_STATUSES, "items").rename(columns={"category": "status"})
    table["items"] = table["items"].astype("int64")
    table["share"] = _share(table["items"])
    return table[["status", "items", "share"]]


def rectification_by_source(engine: Engine, as_of: date, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[issue_source, items, completed, completion_rate] as of the date, every source in order."""
    with engine.connect() as conn:
        table = _rectification_frame(conn, as_of, scope.narrowed_to(township_code), ["issue_source"])
    table = _categorised(table[["issue_source", "items", "completed"]], "issue_source", vocab.ISSUE_SOURCES, "items")
    table = table.rename(columns={"category": "issue_source"})
    table[["items", "completed"]] = table[["items", "completed"]].astype("int64")
    table = _rates(table)
    return table[["issue_source", "items", "completed", "completion_rate"]]


def _warning(days_overdue: int | None, due_soon_days: int) -> str:
    """红 overdue, 黄 due within the setting's days (today included), 绿 otherwise; "" when done."""
    if days_overdue is None or days_overdue != days_overdue:
        return ""
    if days_overdue > 0:
        return RED
    if days_overdue >= -due_soon_days:
        return YELLOW
    return GREEN


def _item_rows(conn, as_of: date, where: list, order_by) -> pd.DataFrame:
    r, t, v = rectification_items.c, townships.c, villages.c
    done = _done_as_of(as_of)
    statement = (
        select(r.item_id, r.feedback_date, t.township_name, v.village_name, r.issue_source, r.problem_category,
               r.description, r.measures, r.responsible_person, r.deadline_date,
               _status_as_of(as_of).label("status"),
               case((done, r.completed_date), else_=None).label("completed_date"),
               case((done, 1), else_=0).label("is_done"),
               r.is_recurring, r.related_clue_id, r.related_case_id)
        .select_from(rectification_items.outerjoin(townships, t.township_code == r.township_code)
                     .outerjoin(villages, v.village_code == r.village_code))
        .where(r.feedback_date <= as_of, *where)
        .order_by(*order_by)
    )
    result = conn.execute(statement)
    table = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    table["village_name"] = table["village_name"].fillna(NO_VILLAGE)
    table["is_recurring"] = table["is_recurring"].astype(bool)
    table["completed_date"] = [_as_date(d) for d in table["completed_date"]]
    due_soon = int(settings.get("due_soon_days"))
    table["days_overdue"] = pd.array(
        [None if is_done else (as_of - _as_date(deadline)).days
         for is_done, deadline in zip(table["is_done"], table["deadline_date"])], dtype="Int64")
    table["warning"] = [_warning(None if pd.isna(d) else int(d), due_soon) for d in table["days_overdue"]]
    return table


def _as_date(value) -> date | None:
    """A date from a CASE expression (SQLite hands back text there)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def overdue_items(engine: Engine, as_of: date, scope: Scope, township_code: str | None = None,
                  include_due_soon: bool = True) -> pd.DataFrame:
    """Return the items not completed as of the date that are overdue (红) — and due within due_soon_days (黄)
    when ``include_due_soon`` — sorted by days_overdue desc (negative = days left). responsible_person masked per scope."""
    r = rectification_items.c
    done = _done_as_of(as_of)
    horizon = as_of + timedelta(days=int(settings.get("due_soon_days"))) if include_due_soon else as_of
    deadline_filter = r.deadline_date <= horizon if include_due_soon else r.deadline_date < as_of
    where = [not_(done), deadline_filter, *_in_township(r.township_code, scope.narrowed_to(township_code))]
    with engine.connect() as conn:
        table = _item_rows(conn, as_of, where, [r.deadline_date, r.item_id])
    table = _masked(table, "responsible_person", scope)
    table = table.sort_values(["days_overdue", "item_id"], ascending=[False, True], kind="stable")
    return table[["item_id", "township_name", "village_name", "issue_source", "problem_category", "description",
                  "responsible_person", "deadline_date", "days_overdue", "warning"]].reset_index(drop=True)


def recurring_items(engine: Engine, as_of: date, scope: Scope, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[item_id, feedback_date, township_name, village_name, issue_source, problem_category,
    description, status, related_clue_id, related_case_id]: items flagged 反复出现 fed back ≤ as_of, newest first."""
    r = rectification_items.c
    where = [r.is_recurring.is_(True), *_in_township(r.township_code, scope.narrowed_to(township_code))]
    with engine.connect() as conn:
        table = _item_rows(conn, as_of, where, [r.feedback_date.desc(), r.item_id])
    return table[["item_id", "feedback_date", "township_name", "village_name", "issue_source", "problem_category",
                  "description", "status", "related_clue_id", "related_case_id"]]


def rectification_items_of(engine: Engine, township_code: str, as_of: date, scope: Scope) -> pd.DataFrame:
    """Return one township's items fed back ≤ as_of (a 乡镇 user always gets its own): item_id, feedback_date,
    village_name, issue_source, problem_category, description, measures, responsible_person (masked per scope),
    deadline_date, status (as of), completed_date (as of), is_recurring, days_overdue, warning ('' when done)."""
    r = rectification_items.c
    township = scope.narrowed_to(township_code)
    with engine.connect() as conn:
        table = _item_rows(conn, as_of, [r.township_code == township], [r.deadline_date, r.item_id])
    table = _masked(table, "responsible_person", scope)
    return table[["item_id", "feedback_date", "village_name", "issue_source", "problem_category", "description",
                  "measures", "responsible_person", "deadline_date", "status", "completed_date", "is_recurring",
                  "days_overdue", "warning"]]


# ============================================================================================
# satisfaction
# ============================================================================================

def _survey_rates(table: pd.DataFrame) -> pd.DataFrame:
    table["satisfaction_rate"] = [s / v if v else None for s, v in zip(table["satisfied_total"], table["valid_samples"])]
    table["awareness_rate"] = [a / n if n else None for a, n in zip(table["aware_of_platform"], table["sample_size"])]
    table["satisfaction_rate"] = table["satisfaction_rate"].astype("float64")
    table["awareness_rate"] = table["awareness_rate"].astype("float64")
    return table


def satisfaction_series(engine: Engine, periods: list[Period], scope: Scope,
                        township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, satisfaction_rate, awareness_rate, sample_size, valid_samples]:
    weighted by valid samples (a month reads its quarter's survey, a year adds up its quarters)."""
    periods = list(periods)
    with engine.connect() as conn:
        table = _measure_table(conn, "surveys", periods, scope.narrowed_to(township_code))
    table = _survey_rates(table)
    result = _period_frame(periods)
    for column in ("satisfaction_rate", "awareness_rate", "sample_size", "valid_samples"):
        result[column] = table[column].to_numpy()
    return result


def satisfaction_by_township(engine: Engine, periods: list[Period], scope: Scope) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, township_code, township_name, satisfaction_rate, awareness_rate,
    sample_size]: one row per period and township in scope (rates None where a township has no survey)."""
    periods = list(periods)
    with engine.connect() as conn:
        towns = _township_frame(conn, scope)
        table = _measure_table(conn, "surveys", periods, scope.narrowed_to(None), by=["township_code"])
    grid = _period_frame(periods).merge(towns[["township_code", "township_name"]], how="cross")
    table = grid.merge(table, on=["period_code", "township_code"], how="left")
    for measure in _MEASURES["surveys"]:
        table[measure] = table[measure].fillna(0).astype("int64")
    table = _survey_rates(table)
    return table[["period_code", "period_label", "township_code", "township_name", "satisfaction_rate",
                  "awareness_rate", "sample_size"]]


# ============================================================================================
# the quarterly ranking
# ============================================================================================

@cached
def _ranking_components(engine: Engine, quarter: Period) -> pd.DataFrame:
    """Return every township's four ranking rates (None where missing) and overdue items, as of the quarter's end.

    Cached by data version: the ranking page and the 建议约谈 check both read this quarter and the
    one before, and each read is a scan of every rectification item as of the quarter's end."""
    with engine.connect() as conn:
        return _components_of(conn, quarter)


def _components_of(conn: Connection, quarter: Period) -> pd.DataFrame:
    """The ranking's components read from the warehouse (``_ranking_components`` caches them)."""
    towns = _township_frame(conn, Scope.county(), whole_county=True)[["township_code", "township_name"]]
    as_of = effective_as_of(conn, quarter)
    rect = _rectification_frame(conn, as_of, None, ["township_code"])
    case_table = _measure_table(conn, "cases", [quarter], None, by=["township_code"]).drop(columns="period_code")
    survey_table = _measure_table(conn, "surveys", [quarter], None, by=["township_code"]).drop(columns="period_code")
    table = (towns.merge(rect, on="township_code", how="left")
             .merge(case_table, on="township_code", how="left")
             .merge(survey_table, on="township_code", how="left"))
    for source in ("rectification", "cases", "surveys"):
        for measure in _MEASURES[source]:
            table[measure] = table[measure].fillna(0)
    for name in RANKING_METRICS:
        table[name] = pd.to_numeric(_metric_column(METRICS[name], table), errors="coerce")
    table["overdue_items"] = table["overdue_items"].astype("int64")
    return table


def _ranked(table: pd.DataFrame) -> pd.DataFrame:
    weights = settings.get("ranking_weights")
    score = pd.Series(0.0, index=table.index)
    for name in RANKING_METRICS:
        weight = float(weights.get(METRICS[name].label, 0))
        score = score + weight * table[name].fillna(0.0)  # a missing component counts as 0
    table = table.copy()
    table["score"] = score.round(4)
    table = table.sort_values(["score", "overdue_items", "township_code"], ascending=[False, True, True],
                              kind="stable").reset_index(drop=True)
    table["rank"] = range(1, len(table) + 1)
    table["is_last"] = table["rank"] == len(table)
    return table


def _has_ranking_data(table: pd.DataFrame) -> bool:
    return bool(table[list(RANKING_METRICS)].notna().any().any())


def _ranking_of(engine: Engine, quarter: Period) -> pd.DataFrame | None:
    """The quarter's ranking, or None when the quarter has no data at all (no rank, nobody last)."""
    table = _ranking_components(engine, quarter)
    if not len(table) or not _has_ranking_data(table):
        return None
    return _ranked(table)


def quarterly_ranking(engine: Engine, quarter: Period, scope: Scope) -> pd.DataFrame:
    """Return the county's township ranking for the quarter: rank, township_code, township_name, the four rates,
    score (Σ weight × rate, weights from ranking_weights, missing rate = 0), overdue_items (ties: fewer first),
    previous_rank, rank_change (+ = moved up), is_last, suggest_interview (last this quarter and the previous).

    Always every township of the county, whatever the scope: it is the county's published ranking."""
    if quarter.granularity != "quarter":
        raise ValueError("综合排名按季度计算，请选择季度")
    components = _ranking_components(engine, quarter)
    current = _ranked(components)
    previous = _ranking_of(engine, quarter.previous())
    if len(current) and not _has_ranking_data(components):
        current["is_last"] = False  # a quarter with no data at all has nobody last
    if previous is None:
        current["previous_rank"] = pd.array([None] * len(current), dtype="Int64")
        current["suggest_interview"] = False
    else:
        lookup = previous.set_index("township_code")
        current["previous_rank"] = pd.array(current["township_code"].map(lookup["rank"]).tolist(), dtype="Int64")
        previous_last = current["township_code"].map(lookup["is_last"]).fillna(False).astype(bool)
        current["suggest_interview"] = current["is_last"] & previous_last
    current["rank_change"] = current["previous_rank"] - pd.array(current["rank"].tolist(), dtype="Int64")
    current["is_last"] = current["is_last"].astype(bool)
    current["suggest_interview"] = current["suggest_interview"].astype(bool)
    return current[["rank", "township_code", "township_name", "rectification_completion_rate",
                    "on_time_completion_rate", "satisfaction_rate", "proactive_discovery_rate", "score",
                    "overdue_items", "previous_rank", "rank_change", "is_last", "suggest_interview"]]


def interview_flags(engine: Engine, quarter: Period, scope: Scope, lookback: int = 8) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, quarters, quarter_count]: the township last in this quarter
    and the one(s) before (建议约谈); quarters lists that run's labels ("2024年第二季度、2024年第三季度")."""
    columns = ["township_code", "township_name", "quarters", "quarter_count"]
    run: list[Period] = []
    last_code = last_name = None
    period = quarter
    for _ in range(lookback):
        ranking = _ranking_of(engine, period)
        if ranking is None:
            break
        bottom = ranking.iloc[-1]
        if last_code is not None and bottom["township_code"] != last_code:
            break
        last_code, last_name = bottom["township_code"], bottom["township_name"]
        run.append(period)
        period = period.previous()
    if len(run) < 2:
        return pd.DataFrame(columns=columns)
    labels = "、".join(p.label for p in reversed(run))
    return pd.DataFrame([{"township_code": last_code, "township_name": last_name, "quarters": labels,
                          "quarter_count": len(run)}], columns=columns)


# ============================================================================================
# villages and the small-number rule
# ============================================================================================

def apply_small_number_rule(df: pd.DataFrame, columns: Sequence[str], scope: Scope) -> pd.DataFrame:
    """Return a copy where, for a user who may not see names, a count in ``columns`` that is > 0 and below
    small_number_threshold reads "<3" (the threshold in the text), so no person can be singled out."""
    shown = df.copy()
    if scope.shows_names:
        return shown
    threshold = int(settings.get("small_number_threshold"))
    hidden = f"<{threshold}"
    for column in columns:
        if column in shown:
            shown[column] = [hidden if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < threshold
                             else v for v in shown[column].tolist()]
            shown[column] = shown[column].astype("object")
    return shown


def village_table(engine: Engine, township_code: str, period: Period, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[village_code, village_name, village_kind, clue_count, case_count, rectification_items,
    overdue_items] for every village of the township: clues received and cases filed in the period,
    rectification items fed back and overdue as of its end; small counts read "<3" per the small-number rule."""
    township = scope.narrowed_to(township_code)
    v = villages.c
    with engine.connect() as conn:
        result = conn.execute(select(v.village_code, v.village_name, v.village_kind)
                              .where(v.township_code == township).order_by(v.village_code))
        table = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        clue_counts = _measure_table(conn, "clues", [period], township, by=["village_code"])
        case_counts = _measure_table(conn, "cases", [period], township, by=["village_code"])
        items = _rectification_frame(conn, effective_as_of(conn, period), township, ["village_code"])
    table = (table.merge(clue_counts[["village_code", "clue_count"]], on="village_code", how="left")
             .merge(case_counts[["village_code", "case_count"]], on="village_code", how="left")
             .merge(items[["village_code", "items", "overdue_items"]].rename(columns={"items": "rectification_items"}),
                    on="village_code", how="left"))
    counts = ["clue_count", "case_count", "rectification_items", "overdue_items"]
    table[counts] = table[counts].fillna(0).astype("int64")
    return apply_small_number_rule(table[["village_code", "village_name", "village_kind", *counts]], counts, scope)


# ============================================================================================
# freshness, filter defaults, names
# ============================================================================================

def data_freshness(engine: Engine) -> dict[str, Any]:
    """Return {data_as_of, last_batch_id, last_loaded_at, last_file_name, batches} for "数据截至 <date> · 批次 N"."""
    b = load_batches.c
    with engine.connect() as conn:
        as_of = _data_as_of(conn)
        batches = conn.execute(select(func.count(b.batch_id))).scalar() or 0
        last = conn.execute(select(b.batch_id, b.loaded_at, b.file_name).order_by(b.batch_id.desc()).limit(1)).first()
    return {"data_as_of": as_of, "last_batch_id": last.batch_id if last else None,
            "last_loaded_at": last.loaded_at if last else None, "last_file_name": last.file_name if last else None,
            "batches": int(batches)}


def latest_period(engine: Engine, granularity: str = "quarter") -> Period:
    """Return the latest period of the granularity that has data (today's when there is none)."""
    with engine.connect() as conn:
        as_of = _data_as_of(conn)
    return Period.containing(granularity, as_of or date.today())


def available_years(engine: Engine) -> list[int]:
    """Return the years from the first to the last that have data, ascending ([] when empty)."""
    with engine.connect() as conn:
        last = _data_as_of(conn)
        firsts = [conn.execute(select(func.min(col))).scalar()
                  for col in (clues.c.received_date, cases.c.filed_date, rectification_items.c.feedback_date)]
        survey_first = conn.execute(select(func.min(satisfaction_surveys.c.survey_year))).scalar()
    years = [d.year for d in firsts if d is not None]
    if survey_first is not None:
        years.append(int(survey_first))
    if last is None or not years:
        return []
    return list(range(min(years), last.year + 1))


def county_name(engine: Engine) -> str:
    """Return the county's name (the configured county_code's, else the first stored), or "本县"."""
    c = counties.c
    with engine.connect() as conn:
        name = conn.execute(select(c.county_name).where(c.county_code == settings.get("county_code"))).scalar()
        if name is None:
            name = conn.execute(select(c.county_name).order_by(c.county_code).limit(1)).scalar()
    return name or "本县"


def township_options(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, township_kind] of the townships in scope, in code order."""
    with engine.connect() as conn:
        return _township_frame(conn, scope)
