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
    as_of = as_of or dt.date.today()
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
    codes_of_towns, names = towns["township_code"].tolist(), towns["township_name"].tolist()
    # built a column at a time: a prefecture's quarter is 15,600 rows, which as tuples cost pandas 10 ms more
    arrived_at, statuses = [], []
    for township_code in codes_of_towns:
        for kind, code, deadline in slots:
            key = (township_code, kind, code)
            arrived = arrivals.get(key)
            arrived_at.append(arrived)
            if arrived is not None:
                statuses.append(LATE if arrived.date() > deadline else ARRIVED)
            elif key in zero:
                statuses.append(ZERO)
            else:
                statuses.append(MISSING if as_of > deadline else NOT_DUE)
    width = len(slots)
    return pd.DataFrame({
        "township_code": [code for code in codes_of_towns for _ in range(width)],
        "township_name": [name for name in names for _ in range(width)],
        "ledger_kind": [kind for kind, _code, _deadline in slots] * len(names),
        "ledger_label": [LEDGER_LABELS[kind] for kind, _code, _deadline in slots] * len(names),
        "period_code": [code for _kind, code, _deadline in slots] * len(names),
        "due_date": [deadline for _kind, _code, deadline in slots] * len(names),
        "arrived_at": arrived_at,
        "reporting_status": statuses,
    }, columns=["township_code", "township_name", "ledger_kind", "ledger_label", "period_code", "due_date",
                "arrived_at", "reporting_status"])


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
