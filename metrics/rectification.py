"""Rectification (整改), always *as of* a date: per township, by status and source, the overdue list, items.

An item counts as of a date when it was fed back on or before it; its status on that date is
read back from its completion and 销号 dates (done after the date reads 整改中, 销号 after it
reads 已完成), so a past quarter shows what was true at its end.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, case, not_, select
from sqlalchemy.sql.elements import ColumnElement

from config import settings
from metrics.definitions import METRICS
from metrics.measures import RED, closed_off_as_of, done_as_of, measure_table, open_as_of
from metrics.periods import Period
from metrics.scope import Scope
from metrics.tables import (
    NO_VILLAGE,
    as_date,
    categorised,
    every_county_of,
    first_listed_by_id,
    in_township,
    masked,
    rows_of,
    township_frame,
    township_label,
    village_name_of,
    with_county,
    with_share,
)
from warehouse import vocabulary as vocab
from warehouse.schema import rectification_items, townships

YELLOW, GREEN = "黄", "绿"
_BY_TOWNSHIP = ("rectification_items", "completed_items", "due_items", "on_time_items", "overdue_items",
                "recurring_items")
_COMPLETION = METRICS["rectification_completion_rate"]
_ON_TIME = METRICS["on_time_completion_rate"]


def _as_of_table(conn: Connection, measures, as_of: date, township: str | None, by) -> pd.DataFrame:
    table = measure_table(conn, measures, [Period.containing("month", as_of)], township, by=by,
                          as_of_of=lambda _period: as_of)
    return table.drop(columns="period_code")


def rectification_by_township(engine: Engine, scope: Scope, *, as_of: date) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, rectification_items, completed_items,
    rectification_completion_rate, due_items, on_time_items, on_time_completion_rate, overdue_items,
    recurring_items]: every township in scope as of the date (items fed back ≤ as_of), sorted by
    rectification_completion_rate desc (no items last)."""
    with engine.connect() as conn:
        towns = township_frame(conn, scope)
        table = _as_of_table(conn, _BY_TOWNSHIP, as_of, scope.narrowed_to(None), ["township_code"])
    table = towns[["township_code", "township_name"]].merge(table, on="township_code", how="left")
    for measure in _BY_TOWNSHIP:
        table[measure] = table[measure].fillna(0).astype("int64")
    return _rated(table, "township_code", "township_name")


def _rated(table: pd.DataFrame, code: str, name: str) -> pd.DataFrame:
    """The places' two rates beside their counts, the highest 整改完成率 first (no items last, then by code)."""
    table["rectification_completion_rate"] = _COMPLETION.column_of(table)
    table["on_time_completion_rate"] = _ON_TIME.column_of(table)
    table = table.sort_values(["rectification_completion_rate", code], ascending=[False, True], na_position="last",
                              kind="stable")
    return table[[code, name, "rectification_items", "completed_items", "rectification_completion_rate", "due_items",
                  "on_time_items", "on_time_completion_rate", "overdue_items", "recurring_items"]].reset_index(drop=True)


def rectification_by_county(engine: Engine, scope: Scope, *, as_of: date) -> pd.DataFrame:
    """Return DataFrame[county_code, county_name, rectification_items, completed_items,
    rectification_completion_rate, due_items, on_time_items, on_time_completion_rate, overdue_items,
    recurring_items]: each county in scope as of the date, its townships' items summed (a 市级 user's
    全市 view: 100 counties side by side, not 1,200 townships), sorted like ``rectification_by_township``."""
    place = scope.narrowed_to(None)
    with engine.connect() as conn:  # the per-county summary's rows
        table = every_county_of(conn, place, _as_of_table(conn, _BY_TOWNSHIP, as_of, place, ["county_code"]),
                                _BY_TOWNSHIP)
    table = table.astype({measure: "int64" for measure in _BY_TOWNSHIP})
    return _rated(table, "county_code", "county_name")


def _status_as_of(as_of: date) -> ColumnElement:
    """The item's status on ``as_of``: done after it reads 整改中, 销号 after it reads 已完成."""
    r = rectification_items.c
    return case(
        (closed_off_as_of(as_of), vocab.RECTIFICATION_CLOSED_OFF),
        (done_as_of(as_of), "已完成"),
        (r.rectification_status.in_(vocab.RECTIFICATION_DONE), "整改中"),
        else_=r.rectification_status,
    )


_STATUS_MEASURES = ("rectification_items", "completed_items", "not_started_items", "closed_off_items")


def rectification_status_breakdown(engine: Engine, scope: Scope, *, as_of: date,
                                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[status, rectification_items, share]: items fed back ≤ as_of by their status on that
    date (all four, in order; ``_status_as_of`` is one item's)."""
    with engine.connect() as conn:  # four as-of measures, so the summaries answer it for any scope
        totals = _as_of_table(conn, _STATUS_MEASURES, as_of, scope.narrowed_to(township_code), [])
    items, completed, not_started, closed_off = (int(totals[m].sum()) for m in _STATUS_MEASURES)
    by_status = {"未启动": not_started, "整改中": items - completed - not_started, "已完成": completed - closed_off,
                 "已销号": closed_off}
    table = pd.DataFrame({"status": pd.Series(vocab.RECTIFICATION_STATUSES, dtype="str"),
                          "rectification_items": [by_status[status] for status in vocab.RECTIFICATION_STATUSES]})
    return with_share(table, "rectification_items")[["status", "rectification_items", "share"]]


def rectification_by_source(engine: Engine, scope: Scope, *, as_of: date,
                            township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[issue_source, rectification_items, completed_items, rectification_completion_rate] as of
    the date, every source in order."""
    with engine.connect() as conn:
        table = _as_of_table(conn, _COMPLETION.measures, as_of, scope.narrowed_to(township_code), ["issue_source"])
    table = categorised(table, "issue_source", vocab.ISSUE_SOURCES, "rectification_items", label="issue_source")
    table[["rectification_items", "completed_items"]] = table[["rectification_items", "completed_items"]].astype("int64")
    table["rectification_completion_rate"] = _COMPLETION.column_of(table)
    return table[["issue_source", "rectification_items", "completed_items", "rectification_completion_rate"]]


def _warning(days_overdue: int | None, due_soon_days: int) -> str:
    """红 overdue, 黄 due within the setting's days (today included), 绿 otherwise; "" when done."""
    if days_overdue is None or days_overdue != days_overdue:
        return ""
    if days_overdue > 0:
        return RED
    if days_overdue >= -due_soon_days:
        return YELLOW
    return GREEN


def _item_rows(conn: Connection, as_of: date, where: list, order_by, first: int | None = None, *,
               across_counties: bool = False, ids_first: bool = False) -> pd.DataFrame:
    """The items fed back by ``as_of`` that meet ``where``, in ``order_by``, the first ``first`` of them (None: all),
    with their status on the day and their places' names. ``ids_first`` (with ``first``): the items are chosen by
    their ids first, and only those listed have their rows and names read, for a list an index answers alone (a
    prefecture's overdue list sorts its 6,000 open items from ix_rect_status_completed: SQLite 30 → 20 ms; a
    county's reads its townships' rows once, 6 → 8 ms with ids first)."""
    r, t = rectification_items.c, townships.c
    done = done_as_of(as_of)
    places = rectification_items.outerjoin(townships, t.township_code == r.township_code)
    where = [r.feedback_date <= as_of, *where]
    if ids_first:
        places, where, first = first_listed_by_id(places, r.item_id, where, order_by, first)
    statement = (
        select(r.item_id, r.feedback_date, township_label(across_counties), village_name_of(r.village_code),
               r.issue_source, r.problem_category,
               r.description, r.measures, r.responsible_person, r.deadline_date,
               _status_as_of(as_of).label("status"),
               case((done, r.completed_date), else_=None).label("completed_date"),
               case((done, 1), else_=0).label("is_done"),
               r.is_recurring, r.related_clue_id, r.related_case_id)
        .select_from(with_county(places, across_counties))
        .where(*where)
        .order_by(*order_by)
        .limit(first)
    )
    table = rows_of(conn, statement)
    table["village_name"] = table["village_name"].astype("object").where(table["village_name"].notna(), NO_VILLAGE)
    table["is_recurring"] = table["is_recurring"].astype(bool)
    table["completed_date"] = pd.Series([as_date(d) for d in table["completed_date"]], index=table.index,
                                        dtype="object")
    due_soon = int(settings.get("due_soon_days"))
    table["days_overdue"] = pd.array(
        [None if is_done else (as_of - as_date(deadline)).days
         for is_done, deadline in zip(table["is_done"], table["deadline_date"])], dtype="Int64")
    table["warning"] = pd.Series([_warning(None if pd.isna(d) else int(d), due_soon) for d in table["days_overdue"]],
                                 index=table.index, dtype="str")
    return table


def overdue_items(engine: Engine, scope: Scope, *, as_of: date, township_code: str | None = None,
                  include_due_soon: bool = True, first: int | None = None) -> pd.DataFrame:
    """Return DataFrame[item_id, township_name, village_name, issue_source, problem_category, description,
    responsible_person, deadline_date, days_overdue, warning]: the items not completed as of the date that
    are overdue (红) — and due within due_soon_days (黄) when ``include_due_soon`` — sorted by days_overdue
    desc (negative = days left), the first ``first`` of them (None: all). responsible_person masked per scope."""
    r = rectification_items.c
    horizon = as_of + timedelta(days=int(settings.get("due_soon_days")))
    deadline_filter = r.deadline_date <= horizon if include_due_soon else r.deadline_date < as_of
    place = scope.narrowed_to(township_code)
    # 全市: the open items' ranges of ix_rect_status_completed (walking every deadline in order, judging each item,
    # read most of a prefecture's 370,000 due items: 75 → 42 ms); a county's townships' range is quicker as it was
    still_open = open_as_of(as_of) if place is None else not_(done_as_of(as_of))
    where = [still_open, deadline_filter, *in_township(r.township_code, place)]
    with engine.connect() as conn:
        # the earliest deadline is the most days overdue: the SQL order is the list's, so LIMIT keeps the worst
        table = _item_rows(conn, as_of, where, [r.deadline_date, r.item_id], first, across_counties=scope.every_county,
                           ids_first=place is None)
    table = masked(table, "responsible_person", scope)
    table = table.sort_values(["days_overdue", "item_id"], ascending=[False, True], kind="stable")
    return table[["item_id", "township_name", "village_name", "issue_source", "problem_category", "description",
                  "responsible_person", "deadline_date", "days_overdue", "warning"]].reset_index(drop=True)


def recurring_items(engine: Engine, scope: Scope, *, as_of: date, township_code: str | None = None,
                    first: int | None = None) -> pd.DataFrame:
    """Return DataFrame[item_id, feedback_date, township_name, village_name, issue_source, problem_category,
    description, status, related_clue_id, related_case_id]: items flagged 反复出现 fed back ≤ as_of, newest
    first; the first ``first`` of them (None: all)."""
    r = rectification_items.c
    where = [r.is_recurring.is_(True), *in_township(r.township_code, scope.narrowed_to(township_code))]
    with engine.connect() as conn:
        table = _item_rows(conn, as_of, where, [r.feedback_date.desc(), r.item_id], first,
                           across_counties=scope.every_county)
    return table[["item_id", "feedback_date", "township_name", "village_name", "issue_source", "problem_category",
                  "description", "status", "related_clue_id", "related_case_id"]]


def rectification_items_of(engine: Engine, scope: Scope, *, township_code: str, as_of: date) -> pd.DataFrame:
    """Return DataFrame[item_id, feedback_date, village_name, issue_source, problem_category, description, measures,
    responsible_person, deadline_date, status, completed_date, is_recurring, days_overdue, warning]: one
    township's items fed back ≤ as_of (a 乡镇 user always gets its own); status and completed_date as of
    the date, responsible_person masked per scope, warning '' when done."""
    r = rectification_items.c
    township = scope.narrowed_to(township_code)
    with engine.connect() as conn:
        table = _item_rows(conn, as_of, [r.township_code == township], [r.deadline_date, r.item_id])
    table = masked(table, "responsible_person", scope)
    return table[["item_id", "feedback_date", "village_name", "issue_source", "problem_category", "description",
                  "measures", "responsible_person", "deadline_date", "status", "completed_date", "is_recurring",
                  "days_overdue", "warning"]]
