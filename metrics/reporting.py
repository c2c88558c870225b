"""报送情况 (who has sent what) and the load history: the data desk's and 总览's reading of the loads.

A township's ledger for a month has **arrived** when a load holds rows of that township dated in
that month (the rows a later load replaced count for the load that first brought them, so a
correction sent later does not turn an on-time month late). It arrived **late** when the first
such load came after the deadline: the ``reporting_deadline_day`` of the next month (the survey:
of the month after its quarter). With no rows, a declared 零报告 counts as reported; otherwise the
month is **missing** once its deadline has passed, and **not yet due** before. Undone loads do not
count: their rows are gone.

| status | 已报送 | 迟报 | 零报告 | 未报送 | 未到期 |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, String, cast, func, insert, literal, or_, select, type_coerce, union_all

from config import settings
from data_pipeline.ledgers import CASES, CLUES, LEDGER_BY_NAME, PLATFORM_USAGE, RECTIFICATION, SATISFACTION
from metrics.periods import Period
from metrics.scope import Scope
from metrics.tables import in_township, rows_of, township_frame
from warehouse import schema
from warehouse.engine import year_month

ARRIVED, LATE, ZERO, MISSING, NOT_DUE = "已报送", "迟报", "零报告", "未报送", "未到期"
STATUSES = (ARRIVED, LATE, ZERO, MISSING, NOT_DUE)

# ledger kind → (table, the date column that places a row in its month); the survey is quarterly
MONTHLY_LEDGERS = {
    CLUES.name: (schema.clues, "received_date"),
    CASES.name: (schema.cases, "filed_date"),
    RECTIFICATION.name: (schema.rectification_items, "feedback_date"),
    PLATFORM_USAGE.name: (schema.platform_usage, "usage_month_date"),
}
QUARTERLY_LEDGER = SATISFACTION.name
LEDGER_LABELS = {kind.name: kind.label for kind in (CLUES, CASES, RECTIFICATION, PLATFORM_USAGE, SATISFACTION)}


def deadline_of(period: Period) -> dt.date:
    """The day a month's (or the survey quarter's) ledgers are due: the deadline day of the month after."""
    following = period.end + dt.timedelta(days=1)
    return following.replace(day=int(settings.get("reporting_deadline_day")))


def reporting_status(engine: Engine, scope: Scope, *, period: Period, township_code: str | None = None,
                     as_of: dt.date | None = None) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, ledger_kind, ledger_label, period_code, due_date,
    arrived_at, reporting_status]: one row per township in scope, ledger and month of ``period`` (the survey: per
    quarter), judged on ``as_of`` (default today); ``township_code`` narrows a county scope to one township."""
    judged = _judged(engine, scope, period, township_code, as_of or dt.date.today())
    width, count = len(judged.slots), len(judged.township_names)
    return pd.DataFrame({
        "township_code": judged.township_column(),
        "township_name": [name for name in judged.township_names for _ in range(width)],
        "ledger_kind": judged.slot_column(0),
        "ledger_label": [LEDGER_LABELS[kind] for kind, _code, _deadline in judged.slots] * count,
        "period_code": judged.slot_column(1),
        "due_date": judged.slot_column(2),
        "arrived_at": judged.arrived_at,
        "reporting_status": judged.statuses,
    }, columns=["township_code", "township_name", "ledger_kind", "ledger_label", "period_code", "due_date",
                "arrived_at", "reporting_status"])


def reporting_by_county(engine: Engine, scope: Scope, *, period: Period, as_of: dt.date | None = None) -> pd.DataFrame:
    """Return DataFrame[county_code, period_code, worst_status, townships, missing_townships]: 报送情况 a county at a
    time (a 市级 user's 全市: 1,200 townships as 100 rows), one row per county in scope and month of ``period``,
    judged as ``reporting_status`` judges each township (the test compares the two): the worst status of the
    county's townships' monthly ledgers that month (未报送, then 迟报, then 未到期; None: every ledger arrived or
    was reported zero), how many of its townships have it, and how many of its townships have any ledger of the
    period (the quarter's survey too) 未报送, the same on each of the county's rows. Read without the township
    rows' frame: a prefecture's quarter is 15,600 of them, which cost 总览 more than its reads."""
    judged = _judged(engine, scope, period, None, as_of or dt.date.today())
    return county_tally(judged.township_column(), judged.slot_column(0), judged.slot_column(1), judged.statuses)


WORST_FIRST = (MISSING, LATE, NOT_DUE)  # a month's cell shows the worst of these; arrived and zero are none
WORST_RANK = {status: rank for rank, status in enumerate(WORST_FIRST)}  # 0 the worst; arrived, zero: none


def county_tally(township_codes: list[str], ledger_kinds: list[str], period_codes: list[str],
                 statuses: list[str]) -> pd.DataFrame:
    """``reporting_by_county``'s frame from township rows given as columns (each township's statuses, as
    ``reporting_status``'s): per township and month the worst of its monthly ledgers, then per county the worst
    of its townships' and how many have it; the counties in code order, their months in order. One pass in plain
    Python (pandas' steps over a prefecture's 15,600 rows took 23 ms)."""
    worst: dict[tuple[str, str], int | None] = {}  # (township, month) → the rank of its worst ledger (None: none)
    missing: dict[str, set[str]] = {}  # county → its townships with any ledger 未报送
    for code, kind, period, state in zip(township_codes, ledger_kinds, period_codes, statuses):
        if state == MISSING:
            missing.setdefault(code[:6], set()).add(code)
        if kind == QUARTERLY_LEDGER:
            continue
        rank = WORST_RANK.get(state)
        if (code, period) not in worst:
            worst[(code, period)] = rank
        elif rank is not None and (worst[(code, period)] is None or rank < worst[(code, period)]):
            worst[(code, period)] = rank
    counted: dict[tuple[str, str], list] = {}  # (county, month) → [the worst rank of its townships, how many]
    for (code, period), rank in worst.items():
        cell = counted.setdefault((code[:6], period), [None, 0])
        if rank is None:
            continue
        if cell[0] is None or rank < cell[0]:
            cell[0], cell[1] = rank, 1
        elif rank == cell[0]:
            cell[1] += 1
    keys = sorted(counted)
    return pd.DataFrame({
        "county_code": [county for county, _period in keys],
        "period_code": [period for _county, period in keys],
        "worst_status": [None if counted[key][0] is None else WORST_FIRST[counted[key][0]] for key in keys],
        "townships": pd.array([counted[key][1] for key in keys], dtype="int64"),
        "missing_townships": pd.array([len(missing.get(county, ())) for county, _period in keys], dtype="int64"),
    }, columns=["county_code", "period_code", "worst_status", "townships", "missing_townships"])


@dataclass(frozen=True)
class _Judgement:
    """Every township's status in every slot (ledger × month, the survey × quarter) of a period, as columns:
    ``statuses[i * len(slots) + j]`` is township i's in slot j."""
    township_codes: list[str]
    township_names: list[str]
    slots: list[tuple[str, str, dt.date]]  # (ledger kind, period code, deadline)
    arrived_at: list[dt.datetime | None]
    statuses: list[str]

    def township_column(self) -> list[str]:
        """Each status's township code (``statuses``' length)."""
        return [code for code in self.township_codes for _ in range(len(self.slots))]

    def slot_column(self, part: int) -> list:
        """Each status's slot part (0: ledger kind, 1: period code, 2: deadline), ``statuses``' length."""
        return [slot[part] for slot in self.slots] * len(self.township_codes)


def _judged(engine: Engine, scope: Scope, period: Period, township_code: str | None, as_of: dt.date) -> _Judgement:
    township = scope.narrowed_to(township_code)
    months = _months_of(period)
    quarters = sorted({Period.containing("quarter", m.start) for m in months}, key=lambda p: p.start)
    codes = [m.code for m in months] + [q.code for q in quarters]
    with engine.connect() as conn:
        towns = township_frame(conn, scope, township)
        arrivals = first_arrivals(conn, township, codes)
        z = schema.zero_reports.c
        zero = {(t, k, p) for t, k, p in conn.execute(
            select(z.township_code, z.ledger_kind, z.period_code)
            .where(z.period_code.in_(codes), *in_township(z.township_code, township)))}
    # (ledger, code, deadline) of each ledger's periods: a setting read once per period, not per township (1,200)
    slots = [(kind, due.code, deadline_of(due)) for kind in (*MONTHLY_LEDGERS, QUARTERLY_LEDGER)
             for due in (quarters if kind == QUARTERLY_LEDGER else months)]
    codes_of_towns = towns["township_code"].tolist()
    # built a column at a time: a prefecture's quarter is 15,600 rows, which as tuples cost pandas 10 ms more
    arrived_at, statuses = [], []
    for code in codes_of_towns:
        for kind, slot_code, deadline in slots:
            key = (code, kind, slot_code)
            arrived = arrivals.get(key)
            arrived_at.append(arrived)
            if arrived is not None:
                statuses.append(LATE if arrived.date() > deadline else ARRIVED)
            elif key in zero:
                statuses.append(ZERO)
            else:
                statuses.append(MISSING if as_of > deadline else NOT_DUE)
    return _Judgement(codes_of_towns, towns["township_name"].tolist(), slots, arrived_at, statuses)


def load_history(engine: Engine, scope: Scope, *, limit: int = 200) -> pd.DataFrame:
    """Return DataFrame[batch_id, file_name, ledger_kind, ledger_label, loaded_at, loaded_by, rows_read, rows_loaded,
    rows_rejected, rows_structural, undone_at, undone_by]: the latest loads, newest first; a 乡镇 scope sees the loads
    of its own township's users only, a county's scope the loads for its county (and those for no county)."""
    b, u, users = schema.load_batches.c, schema.batch_undos.c, schema.users.c
    statement = (
        select(b.batch_id, b.file_name, b.ledger_kind, b.loaded_at, b.loaded_by, b.rows_read, b.rows_loaded,
               b.rows_rejected, b.rows_structural, u.undone_at, u.undone_by)
        .select_from(schema.load_batches.outerjoin(schema.batch_undos, u.batch_id == b.batch_id))
        .order_by(b.batch_id.desc()).limit(limit)
    )
    if scope.township_code:
        own = select(users.username).where(users.township_code == scope.township_code)
        statement = statement.where(b.loaded_by.in_(own))
    elif scope.county_code:  # a county's loads, and those that name no county (a one-county warehouse's)
        statement = statement.where(or_(b.county_code == scope.county_code, b.county_code.is_(None)))
    with engine.connect() as conn:
        frame = rows_of(conn, statement, whole_numbers=("batch_id", "rows_read", "rows_loaded", "rows_rejected",
                                                        "rows_structural"))
    frame.insert(3, "ledger_label", [LEDGER_BY_NAME[k].label if k in LEDGER_BY_NAME else k
                                     for k in frame["ledger_kind"]])
    return frame


def _months_of(period: Period) -> list[Period]:
    if period.granularity == "month":
        return [period]
    return [m for child in period.children() for m in (child.children() if child.granularity == "quarter" else [child])]


# --- arrivals: the first load of each township's rows of a ledger in a period -----------------------

def first_arrivals(conn, township: str | None, period_codes: list[str], *,
                   from_summary: bool = True) -> dict[tuple[str, str, str], dt.datetime]:
    """{(township, ledger kind, period code): the first load that brought rows of it} for ``period_codes``
    (months 2024-07; the survey's quarters 2024Q3) within ``township`` (``Scope.narrowed_to``; None: every
    county): read from ``summary_arrivals``, or (``from_summary=False``) from the facts, which the
    summary's test compares it with."""
    if from_summary:
        a = schema.summary_arrivals.c
        # the time as the driver gives it (SQLite: ISO text), parsed below: 18,000 rows for a prefecture's
        # quarter, and SQLAlchemy's own DateTime processing of them cost more than the query
        rows = conn.execute(select(a.township_code, a.ledger_kind, a.period_code,
                                   type_coerce(a.first_loaded_at, String))
                            .where(a.period_code.in_(period_codes), *in_township(a.township_code, township))).all()
    else:
        wanted = set(period_codes)
        rows = [row for statement in arrival_statements(township) for row in conn.execute(statement)
                if row[2] in wanted]
    parsed: dict = {}  # a load's rows share its time: each distinct time parsed once (9,000 rows, a few loads)
    return {(code, kind, period): parsed[at] if at in parsed else parsed.setdefault(at, _as_datetime(at))
            for code, kind, period, at in rows}


def arrival_statements(place: str | None) -> list:
    """One SELECT per ledger of (township_code, ledger_kind, period_code, first_loaded_at) for every period
    of the facts within ``place``: what ``summary_arrivals`` holds (``rebuild_arrivals``)."""
    statements = []
    for kind, (table, date_column) in MONTHLY_LEDGERS.items():
        statements.append(_first_loads(
            kind, table, lambda source, c=date_column: year_month(source.c[c]),
            lambda source, c=date_column: [source.c[c].is_not(None), *in_township(source.c.township_code, place)]))
    statements.append(_first_loads(
        QUARTERLY_LEDGER, schema.satisfaction_surveys,
        lambda source: (cast(source.c.survey_year, String) + literal("Q") + cast(source.c.survey_quarter, String)),
        lambda source: in_township(source.c.township_code, place)))
    return statements


def rebuild_arrivals(conn, place: str | None) -> None:
    """Rebuild ``summary_arrivals`` within ``place`` (a county's 6 digits; None: everything) from the facts,
    inside the caller's transaction (``metrics.summaries.rebuild_summaries``, run by every load and undo)."""
    a = schema.summary_arrivals
    conn.execute(a.delete().where(*in_township(a.c.township_code, place)))
    for statement in arrival_statements(place):
        conn.execute(insert(a).from_select(["township_code", "ledger_kind", "period_code", "first_loaded_at"],
                                           statement))


def _first_loads(kind: str, table, period_code, conditions):
    """SELECT (township, ``kind``, period code, first load time) of the rows of ``table`` chosen by
    ``conditions``, the rows a later load replaced included (they count for the load that first brought them).

    ``period_code(source)`` is the expression that places a row in its period; ``conditions(source)``
    the WHERE; both are asked of the table and of its replaced-rows copy alike."""
    parts = [select(source.c.township_code.label("township_code"), period_code(source).label("period_code"),
                    source.c.batch_id.label("batch_id")).where(*conditions(source))
             for source in (table, schema.REPLACED_ROWS[table.name])]
    rows = union_all(*parts).subquery()
    b = schema.load_batches.c
    return (select(rows.c.township_code, literal(kind, String).label("ledger_kind"), rows.c.period_code,
                   func.min(b.loaded_at).label("first_loaded_at"))
            .select_from(rows.join(schema.load_batches, b.batch_id == rows.c.batch_id))
            .group_by(rows.c.township_code, rows.c.period_code))


def _as_datetime(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
