"""Cases (案件) and the people handled (处理人员): trends, breakdowns, 四种形态, 处分种类, typical cases, totals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from metrics.cache import cached
from metrics.definitions import METRICS
from metrics.measures import measure_table
from metrics.periods import Period
from metrics.scope import Scope
from metrics.tables import (
    NO_VILLAGE,
    in_township,
    period_frame,
    rows_of,
    share,
    township_frame,
    township_label,
    village_name_of,
    vocabulary_first,
    with_county,
    with_share,
)
from warehouse import vocabulary as vocab
from warehouse.schema import case_people, cases, townships, villages

CASE_DIMENSIONS = {
    "problem_domain": vocab.PROBLEM_DOMAINS,
    "discovery_method": vocab.DISCOVERY_METHODS,
    "violation_type": vocab.VIOLATION_TYPES,
    "township": None,
    "village": None,
}
_CASE_MEASURES = ("case_count", "people_count", "recovered_funds_wan_yuan")


def case_breakdown(engine: Engine, scope: Scope, *, dimension: str, period: Period,
                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[category, case_count, people_count, recovered_funds_wan_yuan, share] (share of cases).

    dimension: problem_domain, discovery_method, violation_type (vocabulary order, zero-filled),
    township (category = township name, every township in scope) or village (the villages of
    ``township_code``, or of the county, that have cases, most cases first; cases not tied to a
    village are one row).
    """
    if dimension not in CASE_DIMENSIONS:
        raise ValueError(f"案件不能按“{dimension}”分类")
    township = scope.narrowed_to(township_code)
    column = {"township": "township_code", "village": "village_code"}.get(dimension, dimension)
    if column in _KINDS:  # the three kinds share one read (the page draws all three)
        return _kind_breakdown(_cases_by_kind(engine, scope, period=period, township_code=township_code), column)
    with engine.connect() as conn:
        table = measure_table(conn, _CASE_MEASURES, [period], township, by=[column]).drop(columns="period_code")
        if dimension == "township":
            towns = township_frame(conn, scope, township_code)
            table = towns[["township_code", "township_name"]].merge(table, on="township_code", how="left")
            table = table.drop(columns="township_code").rename(columns={"township_name": "category"})
        elif dimension == "village":
            table = _village_names(conn, table)
            table = table.sort_values(["case_count", "category"], ascending=[False, True], kind="stable")
    return _with_share(table)


_KINDS = ("problem_domain", "discovery_method", "violation_type")


@cached
def _cases_by_kind(engine: Engine, scope: Scope, *, period: Period, township_code: str | None = None) -> pd.DataFrame:
    """DataFrame[problem_domain, discovery_method, violation_type, *_CASE_MEASURES]: the period's cases per
    combination of the three kinds, which ``case_breakdown`` sums per kind (one read for the page's three charts,
    not three; about 1 ms a statement on PostgreSQL)."""
    with engine.connect() as conn:
        return measure_table(conn, _CASE_MEASURES, [period], scope.narrowed_to(township_code),
                             by=list(_KINDS)).drop(columns="period_code")


def _kind_breakdown(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """``case_breakdown``'s frame for one kind from ``_cases_by_kind``'s rows: summed per kind, the vocabulary's kinds
    in order and zero-filled, any other after them by count (ties in the kind's order), with each kind's share of
    the cases. In plain Python: a few dozen rows, for which pandas' groupby, fillna, astype and round took 4-5 ms a
    breakdown; funds are rounded as pandas rounds (numpy's round, not Python's)."""
    sums = _summed_per(table, column, _CASE_MEASURES)
    keys = vocabulary_first({key: values[0] for key, values in sums.items()}, CASE_DIMENSIONS[column])
    rows = [sums.get(key, [0, 0, 0.0]) for key in keys]
    counts = pd.Series([int(row[0]) for row in rows], dtype="int64")
    return pd.DataFrame({
        "category": pd.Series(keys, dtype="str"),
        "case_count": counts,
        "people_count": np.array([int(row[1]) for row in rows], dtype="int64"),
        "recovered_funds_wan_yuan": np.round(np.array([float(row[2]) for row in rows], dtype="float64"), 2),
        "share": share(counts),
    })


def _summed_per(table: pd.DataFrame, column: str, measures) -> dict:
    """{``column``'s value (None for none): [each of ``measures`` summed]} from a shared read's rows
    (``_cases_by_kind``, ``_people_by_kind``), in the value's order (code order, none last); in plain Python, a few
    dozen rows."""
    sums: dict = {}
    for key, *values in zip(table[column].tolist(), *(table[name].tolist() for name in measures)):
        summed = sums.setdefault(None if key is None or key != key else key, [0] * len(measures))
        for position, value in enumerate(values):
            summed[position] += 0 if value is None or value != value else value
    return dict(sorted(sums.items(), key=lambda item: (item[0] is None, str(item[0]))))


def _with_share(table: pd.DataFrame) -> pd.DataFrame:
    table = table.fillna({"people_count": 0, "recovered_funds_wan_yuan": 0.0})
    table["people_count"] = table["people_count"].astype("int64")
    table["recovered_funds_wan_yuan"] = table["recovered_funds_wan_yuan"].astype("float64").round(2)
    table = with_share(table, "case_count")
    return table[["category", "case_count", "people_count", "recovered_funds_wan_yuan", "share"]].reset_index(drop=True)


def _village_names(conn: Connection, table: pd.DataFrame) -> pd.DataFrame:
    """Replace village_code by the village's name (category); a missing village reads NO_VILLAGE."""
    codes = [c for c in table["village_code"].dropna().unique().tolist()]
    names = {}
    if codes:
        v = villages.c
        names = dict(conn.execute(select(v.village_code, v.village_name).where(v.village_code.in_(codes))).all())
    table = table.copy()
    table["category"] = pd.Series([names.get(code, code) if isinstance(code, str) else NO_VILLAGE
                                   for code in table["village_code"]], index=table.index, dtype="str")
    return table.drop(columns="village_code")


def case_trend(engine: Engine, scope: Scope, *, periods: list[Period], township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, case_count, people_count, recovered_funds_wan_yuan,
    proactive_discovery_rate], one row per period in the given order."""
    periods = list(periods)
    rate = METRICS["proactive_discovery_rate"]
    with engine.connect() as conn:
        table = measure_table(conn, [*_CASE_MEASURES, *rate.measures], periods, scope.narrowed_to(township_code))
    result = period_frame(periods)
    result["case_count"] = table["case_count"].to_numpy()
    result["people_count"] = table["people_count"].to_numpy()
    result["recovered_funds_wan_yuan"] = table["recovered_funds_wan_yuan"].round(2).to_numpy()
    result["proactive_discovery_rate"] = rate.column_of(table).to_numpy()
    return result


@cached
def _people_by_kind(engine: Engine, scope: Scope, *, period: Period, township_code: str | None = None) -> pd.DataFrame:
    """DataFrame[discipline_form, sanction_type, people_count]: the period's people handled per form and sanction,
    which ``people_by_form`` and ``people_by_sanction`` each sum (one read for the page's two charts, not two)."""
    with engine.connect() as conn:
        table = measure_table(conn, ["people_count"], [period], scope.narrowed_to(township_code),
                              by=["discipline_form", "sanction_type"])
    return table.drop(columns="period_code")


def _people_per(table: pd.DataFrame, column: str) -> dict:
    """{``column``'s value (None for none): people} from ``_people_by_kind``'s rows (``_summed_per``)."""
    return {key: int(values[0]) for key, values in _summed_per(table, column, ["people_count"]).items()}


def _with_people_share(column: str, keys: list, counts: list[int]) -> pd.DataFrame:
    people = pd.Series(counts, dtype="int64")
    return pd.DataFrame({column: pd.Series(keys, dtype="str"), "people_count": people, "share": share(people)})


def people_by_form(engine: Engine, scope: Scope, *, period: Period, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[discipline_form, people_count, share]: all four forms (四种形态) in order, zero-filled."""
    people = _people_per(_people_by_kind(engine, scope, period=period, township_code=township_code),
                         "discipline_form")
    keys = vocabulary_first(people, vocab.DISCIPLINE_FORMS)
    return _with_people_share("discipline_form", keys, [people.get(key, 0) for key in keys])


def people_by_sanction(engine: Engine, scope: Scope, *, period: Period,
                       township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[sanction_type, people_count, share]: the sanctions that occur, in vocabulary order."""
    people = _people_per(_people_by_kind(engine, scope, period=period, township_code=township_code),
                         "sanction_type")
    order = {name: i for i, name in enumerate(vocab.SANCTION_TYPES)}
    keys = sorted(people, key=lambda key: (order.get(key, len(order)), key is None, str(key)))
    return _with_people_share("sanction_type", keys, [people[key] for key in keys])


def _people_per_case():
    return (select(func.count()).where(case_people.c.case_id == cases.c.case_id)
            .correlate(cases).scalar_subquery())


def case_rows(conn: Connection, where: list, order_by, first: int | None = None, *,
              across_counties: bool = False) -> pd.DataFrame:
    """Cases meeting ``where`` (the first ``first`` in ``order_by``; None: all): case_id, filed_date, township_name, village_name, problem_domain,
    discovery_method, violation_type, people_count, recovered_funds_wan_yuan."""
    k, t = cases.c, townships.c
    statement = (
        select(k.case_id, k.filed_date, township_label(across_counties), village_name_of(k.village_code),
               k.problem_domain, k.discovery_method, k.violation_type, _people_per_case().label("people_count"),
               k.recovered_funds_wan_yuan)
        .select_from(with_county(cases.outerjoin(townships, t.township_code == k.township_code), across_counties))
        .where(*where)
        .order_by(*order_by)
        .limit(first)
    )
    table = rows_of(conn, statement, whole_numbers=["people_count"], money=["recovered_funds_wan_yuan"])
    table["village_name"] = table["village_name"].astype("object").where(table["village_name"].notna(), NO_VILLAGE)
    return table


def typical_cases(engine: Engine, scope: Scope, *, period: Period, township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[case_id, filed_date, township_name, village_name, problem_domain, violation_type,
    people_count, recovered_funds_wan_yuan]: the 典型案例 filed in the period, newest first."""
    k = cases.c
    township = scope.narrowed_to(township_code)
    where = [k.is_typical.is_(True), k.filed_date >= period.start, k.filed_date <= period.end,
             *in_township(k.township_code, township)]
    with engine.connect() as conn:
        table = case_rows(conn, where, [k.filed_date.desc(), k.case_id], across_counties=scope.every_county)
    return table[["case_id", "filed_date", "township_name", "village_name", "problem_domain", "violation_type",
                  "people_count", "recovered_funds_wan_yuan"]]


def case_totals(engine: Engine, scope: Scope, *, first_year: int, last_year: int,
                township_code: str | None = None) -> dict[str, Any]:
    """Return {first_year, last_year, case_count, people_count, recovered_funds_wan_yuan, by_year} over whole years.

    The years do not overlap, so their sums are the range's figures (126 cases 2023-2024 on the sample).
    """
    years = [Period.whole_year(y) for y in range(first_year, last_year + 1)]
    by_year = case_trend(engine, scope, periods=years, township_code=township_code)
    return {
        "first_year": first_year,
        "last_year": last_year,
        "case_count": int(by_year["case_count"].sum()),
        "people_count": int(by_year["people_count"].sum()),
        "recovered_funds_wan_yuan": round(float(by_year["recovered_funds_wan_yuan"].sum()), 2),
        "by_year": by_year,
    }


def drill_totals(engine: Engine, scope: Scope, *, period: Period, township_code: str | None = None) -> dict[str, Any]:
    """Return {children, children_case_count, case_count}: a period's cases against the sum of its children's.

    Shown under the drilldown chart, so a reader sees that the drilled figures add up to the parent.
    """
    children = list(period.children())
    with engine.connect() as conn:
        table = measure_table(conn, ["case_count"], [period, *children], scope.narrowed_to(township_code))
    counts = table["case_count"].tolist()
    return {"children": len(children), "children_case_count": int(sum(counts[1:])), "case_count": int(counts[0])}
