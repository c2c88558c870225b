"""Problem clues (问题线索): trends, breakdowns, what came in last week, the red and supervised backlog."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, or_, select, true

from metrics.cases import case_rows
from metrics.definitions import METRICS
from metrics.measures import RED, measure_table
from metrics.periods import Period
from metrics.scope import Scope
from metrics.tables import (
    NO_VILLAGE,
    as_date,
    categorised,
    first_listed_by_id,
    in_township,
    masked,
    period_frame,
    rows_of,
    township_frame,
    township_label,
    village_name_of,
    with_county,
    with_share,
)
from warehouse import vocabulary as vocab
from warehouse.schema import cases, clues, townships

CLUE_DIMENSIONS = {
    "clue_source": vocab.CLUE_SOURCES,
    "problem_domain": vocab.PROBLEM_DOMAINS,
    "management_level": vocab.MANAGEMENT_LEVELS,
    "township": None,
}


def clue_trend(engine: Engine, scope: Scope, *, periods: list[Period], township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, clue_count, closed_count, clue_closed_rate, red_clue_count,
    supervised_clue_count, case_review_clue_count, clue_to_case_rate], one row per period in order."""
    periods = list(periods)
    measures = ["clue_count", "closed_count", "red_clue_count", "supervised_clue_count", "case_review_clue_count"]
    with engine.connect() as conn:
        table = measure_table(conn, measures, periods, scope.narrowed_to(township_code))
    result = period_frame(periods)
    for measure in measures:
        result[measure] = table[measure].to_numpy()
    result["clue_closed_rate"] = METRICS["clue_closed_rate"].column_of(table).to_numpy()
    result["clue_to_case_rate"] = METRICS["clue_to_case_rate"].column_of(table).to_numpy()
    return result[["period_code", "period_label", "clue_count", "closed_count", "clue_closed_rate", "red_clue_count",
                   "supervised_clue_count", "case_review_clue_count", "clue_to_case_rate"]]


def clue_breakdown(engine: Engine, scope: Scope, *, dimension: str, period: Period,
                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[category, clue_count, share]: by clue_source, problem_domain, management_level
    (vocabulary order, zero-filled) or township (every township in scope, by name)."""
    if dimension not in CLUE_DIMENSIONS:
        raise ValueError(f"线索不能按“{dimension}”分类")
    column = "township_code" if dimension == "township" else dimension
    with engine.connect() as conn:
        table = measure_table(conn, ["clue_count"], [period], scope.narrowed_to(township_code), by=[column])
        table = table[[column, "clue_count"]]
        if dimension == "township":
            towns = township_frame(conn, scope, township_code)
            table = towns[["township_code", "township_name"]].merge(table, on="township_code", how="left")
            table = table.drop(columns="township_code").rename(columns={"township_name": "category"})
        else:
            table = categorised(table, column, CLUE_DIMENSIONS[dimension], "clue_count")
    return with_share(table, "clue_count")[["category", "clue_count", "share"]].reset_index(drop=True)


def _clue_rows(conn: Connection, where: list, order_by, first: int | None = None, *,
               across_counties: bool = False, ids_first: bool = False) -> pd.DataFrame:
    """The clues that meet ``where``, in ``order_by``, the first ``first`` of them (None: all), with their places'
    names. ``ids_first`` (with ``first``): the clues are chosen by their ids first, and only those listed have
    their rows and names read. For a list an index answers alone: a prefecture's open priority clues (10,600, the
    first 1,000 listed) are sorted from ix_clues_level_open and ix_clues_supervised_open (SQLite 42 → 21 ms); a
    county's are a range of its townships' rows, read once (ids first: 3.7 → 4.2 ms)."""
    c, t = clues.c, townships.c
    places = clues.outerjoin(townships, t.township_code == c.township_code)
    if ids_first:
        places, where, first = first_listed_by_id(places, c.clue_id, where, order_by, first)
    statement = (
        select(c.clue_id, c.received_date, township_label(across_counties), village_name_of(c.village_code),
               c.clue_source, c.problem_domain, c.management_level, c.is_supervised, c.handling_status, c.closed_date,
               c.reported_person_name, c.summary)
        .select_from(with_county(places, across_counties))
        .where(*where)
        .order_by(*order_by)
        .limit(first)
    )
    table = rows_of(conn, statement)
    table["village_name"] = table["village_name"].astype("object").where(table["village_name"].notna(), NO_VILLAGE)
    table["is_supervised"] = table["is_supervised"].astype(bool)
    return table


def recent_activity(engine: Engine, scope: Scope, *, township_code: str | None = None, days: int = 7,
                    first: int | None = None) -> dict[str, Any]:
    """Return {as_of, new_clues, new_cases, clues, cases}: what came in during the data's last ``days`` days.

    as_of is the latest received/filed date in the data (county-wide), not the wall clock, so the
    meeting view shows the last week of what was loaded. new_clues and new_cases count them all; the
    clues and cases lists, newest first, hold the first ``first`` of them (None: all).
    """
    township = scope.narrowed_to(township_code)
    c, k = clues.c, cases.c
    with engine.connect() as conn:
        latest = [as_date(conn.execute(select(func.max(c.received_date))).scalar()),
                  as_date(conn.execute(select(func.max(k.filed_date))).scalar())]
        latest = [d for d in latest if d is not None]
        as_of = max(latest) if latest else None
        since = as_of - timedelta(days=days - 1) if as_of else date.max
        last = as_of or date.min
        new_clue = [c.received_date >= since, c.received_date <= last, *in_township(c.township_code, township)]
        new_case = [k.filed_date >= since, k.filed_date <= last, *in_township(k.township_code, township)]
        counts = [conn.execute(select(func.count()).select_from(table).where(*where)).scalar()
                  for table, where in ((clues, new_clue), (cases, new_case))]
        across = scope.every_county
        clue_rows = _clue_rows(conn, new_clue, [c.received_date.desc(), c.clue_id], first, across_counties=across)
        case_list = case_rows(conn, new_case, [k.filed_date.desc(), k.case_id], first, across_counties=across)
    clue_rows = clue_rows[["clue_id", "received_date", "township_name", "village_name", "clue_source",
                           "problem_domain", "management_level", "is_supervised", "summary"]]
    return {"as_of": as_of, "new_clues": int(counts[0]), "new_cases": int(counts[1]),
            "clues": clue_rows, "cases": case_list}


def _clue_status_at(status: str, closed: date | None, day: date) -> str:
    """A clue's 办理状态 on ``day``: 办结 only if closed by then; one closed later reads 期末在办，<date>办结."""
    if status != vocab.CLUE_CLOSED:
        return status
    if closed is None or closed <= day:
        return status
    return f"期末在办，{closed.isoformat()}办结"


def _open_priority(day: date):
    """红 or 挂牌督办, and open on ``day`` (not 办结 now, or 办结 only after it), written as four branches
    that are each a range of ix_clues_level_open or ix_clues_supervised_open: a prefecture's open
    priority clues are found in 0.04 s instead of a scan of its million clues (0.5 s)."""
    c = clues.c
    still_open = c.handling_status.in_([s for s in vocab.CLUE_STATUSES if s != vocab.CLUE_CLOSED])
    closed_later = and_(c.handling_status == vocab.CLUE_CLOSED, c.closed_date > day)
    return or_(*(and_(priority, state) for priority in (c.management_level == RED, c.is_supervised == true())
                 for state in (still_open, closed_later)))


def priority_clues(engine: Engine, scope: Scope, *, period: Period, township_code: str | None = None,
                   open_only: bool = True, first: int | None = None) -> pd.DataFrame:
    """Return DataFrame[clue_id, received_date, township_name, village_name, problem_domain, management_level,
    is_supervised, handling_status, reported_person_name, summary]: the 红 or 挂牌督办 clues.

    With ``open_only``, every one still open at the period's end, whenever received (the meeting's
    backlog); else those received in the period. Supervised first, then oldest first.
    handling_status is read on the period's last day (a clue closed after it reads 期末在办，<date>办结);
    reported_person_name is masked per scope."""
    c = clues.c
    township = scope.narrowed_to(township_code)
    where = [c.received_date <= period.end, *in_township(c.township_code, township)]
    if open_only:
        where.append(_open_priority(period.end))
    else:
        where += [or_(c.management_level == RED, c.is_supervised.is_(True)), c.received_date >= period.start]
    with engine.connect() as conn:
        table = _clue_rows(conn, where, [c.is_supervised.desc(), c.received_date, c.clue_id], first,
                           across_counties=scope.every_county, ids_first=scope.every_county)
    table = masked(table, "reported_person_name", scope)
    day = period.end  # a property that builds the next period: once, not per listed clue
    table["handling_status"] = [_clue_status_at(status, as_date(closed), day)
                                for status, closed in zip(table["handling_status"], table["closed_date"])]
    return table[["clue_id", "received_date", "township_name", "village_name", "problem_domain",
                  "management_level", "is_supervised", "handling_status", "reported_person_name", "summary"]]
