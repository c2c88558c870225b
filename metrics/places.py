"""Places: the county's name, the townships in scope, a township's villages, and the heat map's queries.

The map's aggregation happens in the database (GROUP BY village, domain, level): what the map
receives grows with the number of villages, never with the number of clues.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, and_, case, func, select

from config import settings
from metrics.freshness import as_of_rule, data_as_of
from metrics.measures import RED, measure_table
from metrics.periods import Period
from metrics.scope import Scope, apply_small_number_rule, mask_name
from metrics.tables import as_text, codes_under, in_township, rows_of, township_codes_in, township_frame, zero_filled
from warehouse import vocabulary as vocab
from warehouse.engine import year_month
from warehouse.schema import boundaries, clues, counties, townships, villages

VILLAGE_COUNTS = ["clue_count", "case_count", "rectification_items", "overdue_items"]


@dataclass(frozen=True)
class ClueFilters:
    """The map page's own filters; an empty tuple means "all"."""

    problem_domains: tuple[str, ...] = ()
    management_levels: tuple[str, ...] = ()
    clue_sources: tuple[str, ...] = ()


CLUE_FILTER_OPTIONS = {"problem_domains": vocab.PROBLEM_DOMAINS, "management_levels": vocab.MANAGEMENT_LEVELS,
                       "clue_sources": vocab.CLUE_SOURCES}


def county_name(engine: Engine, scope: Scope) -> str:
    """Return the name the page is titled with: the scope's county (or the configured one, or the only
    one stored); a scope of no county over several counties, and a 市级 one whenever the setting names
    the prefecture, reads ``prefecture_name`` (empty: 全市)."""
    c = counties.c
    prefecture = str(settings.get("prefecture_name") or "").strip()
    with engine.connect() as conn:
        if scope.county_code is None:
            if prefecture and scope.every_county:
                return prefecture
            if conn.execute(select(func.count()).select_from(counties)).scalar_one() > 1:
                return prefecture or "全市"
        code = scope.county_code or settings.get("county_code")
        name = conn.execute(select(c.county_name).where(c.county_code == code)).scalar()
        if name is None and scope.county_code is None:
            name = conn.execute(select(c.county_name).order_by(c.county_code).limit(1)).scalar()
    return name or "本县"


def county_options(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[county_code, county_name] of the counties in scope (a 市级 scope: every county), in code order."""
    c = counties.c
    statement = select(c.county_code, c.county_name).order_by(c.county_code)
    if scope.county_code:
        statement = statement.where(c.county_code == scope.county_code)
    with engine.connect() as conn:
        return as_text(rows_of(conn, statement), ["county_code", "county_name"])


def township_options(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, township_kind] of the townships in scope, in code order: what
    the 乡镇 selectors offer. A 市级 scope over every county names each 县·乡镇 (基准004县·城关街道), as its lists
    do: a prefecture's 1,200 townships share a few dozen names (城关镇 …), and a choice by name must be one."""
    with engine.connect() as conn:
        return township_frame(conn, scope, across_counties=scope.every_county)


def township_codes(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Return DataFrame[township_code] of the townships in scope, in code order: the codes alone (the charts' colour
    of each township, ``charts.theme.register_townships``), without the names the selectors need."""
    with engine.connect() as conn:
        codes = township_codes_in(conn, scope.narrowed_to(None))
    return pd.DataFrame({"township_code": pd.array(codes, dtype="str")})


def village_table(engine: Engine, scope: Scope, *, township_code: str, period: Period) -> pd.DataFrame:
    """Return DataFrame[village_code, village_name, village_kind, clue_count, case_count, rectification_items,
    overdue_items] for every village of the township: clues received and cases filed in the period,
    rectification items fed back and overdue as of its end; small counts read "<3" per the small-number rule."""
    township = scope.narrowed_to(township_code)
    v = villages.c
    with engine.connect() as conn:
        table = rows_of(conn, select(v.village_code, v.village_name, v.village_kind)
                        .where(*in_township(v.township_code, township)).order_by(v.village_code))
        counts = measure_table(conn, VILLAGE_COUNTS, [period], township, by=["village_code"],
                               as_of_of=as_of_rule(data_as_of(conn)))
    table = table.astype({"village_code": "str"}) if len(table) else table.astype({"village_code": "object"})
    table = zero_filled(table.merge(counts.drop(columns="period_code"), on="village_code", how="left"), VILLAGE_COUNTS)
    return apply_small_number_rule(table[["village_code", "village_name", "village_kind", *VILLAGE_COUNTS]],
                                   VILLAGE_COUNTS, scope)


# --- the heat map --------------------------------------------------------------------------------

def _clue_conditions(scope: Scope, start, end, filters: ClueFilters, township_code: str | None) -> list:
    conditions = [clues.c.received_date >= start, clues.c.received_date <= end]
    conditions += in_township(clues.c.township_code, scope.narrowed_to(township_code))
    if filters.problem_domains:
        conditions.append(clues.c.problem_domain.in_(filters.problem_domains))
    if filters.management_levels:
        conditions.append(clues.c.management_level.in_(filters.management_levels))
    if filters.clue_sources:
        conditions.append(clues.c.clue_source.in_(filters.clue_sources))
    return conditions


def _village_rows(conn, scope: Scope, township_code: str | None) -> pd.DataFrame:
    statement = (
        select(villages.c.village_code, villages.c.village_name, villages.c.village_kind, villages.c.township_code,
               townships.c.township_name, villages.c.longitude, villages.c.latitude,
               villages.c.registered_population)
        .join(townships, townships.c.township_code == villages.c.township_code)
        .order_by(villages.c.village_code)
    )
    statement = statement.where(*in_township(villages.c.township_code, scope.narrowed_to(township_code)))
    return pd.DataFrame(conn.execute(statement).mappings().all(),
                        columns=["village_code", "village_name", "village_kind", "township_code", "township_name",
                                 "longitude", "latitude", "registered_population"])


def _ordered(counts: dict[str, int], order: tuple[str, ...]) -> dict[str, int]:
    rank = {key: position for position, key in enumerate(order)}
    return dict(sorted(counts.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def village_clue_counts(engine: Engine, scope: Scope, *, period: Period, filters: ClueFilters = ClueFilters(),
                        township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[village_code, village_name, village_kind, township_code, township_name, longitude, latitude,
    registered_population, clue_count, red_clue_count, amount_wan_yuan, by_domain, by_level]: every village in scope.

    ``by_domain`` and ``by_level`` are dicts {category: count} (only categories with clues).
    Villages with no clue in the period are included with zeros, so the map can still mark them.
    """
    statement = (
        select(clues.c.village_code, clues.c.problem_domain, clues.c.management_level,
               func.count().label("clue_count"),
               func.coalesce(func.sum(clues.c.amount_wan_yuan), 0).label("amount_wan_yuan"))
        .where(and_(*_clue_conditions(scope, period.start, period.end, filters, township_code)),
               clues.c.village_code.is_not(None))
        .group_by(clues.c.village_code, clues.c.problem_domain, clues.c.management_level)
    )
    with engine.connect() as conn:
        village_rows = _village_rows(conn, scope, township_code)
        grouped = conn.execute(statement).all()
    # one pass in plain Python over the grouped rows (at most villages x domains x levels):
    # pandas' groupby costs more than the SQL here
    totals: dict[str, list] = {}  # village → [clues, red clues, amount, by_domain, by_level]
    for village_code, domain, level, count, amount in grouped:
        entry = totals.setdefault(village_code, [0, 0, 0.0, {}, {}])
        entry[0] += int(count)
        entry[1] += int(count) if level == RED else 0
        entry[2] += float(amount or 0)
        entry[3][domain] = entry[3].get(domain, 0) + int(count)
        entry[4][level] = entry[4].get(level, 0) + int(count)
    empty = [0, 0, 0.0, {}, {}]
    entries = [totals.get(code, empty) for code in village_rows["village_code"]]
    result = village_rows.copy()
    result["clue_count"] = pd.Series([e[0] for e in entries], index=result.index, dtype="int64")
    result["red_clue_count"] = pd.Series([e[1] for e in entries], index=result.index, dtype="int64")
    result["amount_wan_yuan"] = pd.Series([round(e[2], 2) for e in entries], index=result.index, dtype="float64")
    result["by_domain"] = pd.Series([_ordered(e[3], vocab.PROBLEM_DOMAINS) for e in entries], index=result.index,
                                    dtype="object")
    result["by_level"] = pd.Series([_ordered(e[4], vocab.MANAGEMENT_LEVELS) for e in entries], index=result.index,
                                   dtype="object")
    return result


def township_clue_rates(engine: Engine, scope: Scope, *, period: Period,
                        filters: ClueFilters = ClueFilters()) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, clue_count, unplaced_clue_count, registered_population,
    clues_per_10k]: every township in scope.

    ``unplaced_clue_count`` counts clues with no village (they are in the township's figure but
    not on the heat layer); ``clues_per_10k`` is clues per 万人 of 户籍人口, None without population.
    """
    counts = (
        select(clues.c.township_code,
               func.count().label("clue_count"),
               func.sum(case((clues.c.village_code.is_(None), 1), else_=0)).label("unplaced_clue_count"))
        .where(and_(*_clue_conditions(scope, period.start, period.end, filters, None)))
        .group_by(clues.c.township_code)
    )
    population = (
        select(villages.c.township_code, func.sum(villages.c.registered_population).label("registered_population"))
        .group_by(villages.c.township_code)
    )
    with engine.connect() as conn:
        frame = township_frame(conn, scope)[["township_code", "township_name"]]
        count_frame = pd.DataFrame(conn.execute(counts).mappings().all(),
                                   columns=["township_code", "clue_count", "unplaced_clue_count"])
        population_frame = pd.DataFrame(conn.execute(population).mappings().all(),
                                        columns=["township_code", "registered_population"])
    count_frame = count_frame.astype({"township_code": "str"})
    population_frame = population_frame.astype({"township_code": "str"})
    frame = frame.merge(count_frame, on="township_code", how="left").merge(population_frame, on="township_code",
                                                                           how="left")
    frame = zero_filled(frame, ["clue_count", "unplaced_clue_count"])
    population_values = pd.to_numeric(frame["registered_population"], errors="coerce")
    frame["registered_population"] = population_values.astype("Int64")
    frame["clues_per_10k"] = pd.Series([
        round(count / pop * 10000, 2) if pd.notna(pop) and pop > 0 else None
        for count, pop in zip(frame["clue_count"], population_values)
    ], index=frame.index, dtype="float64")
    return frame


def monthly_clue_counts(engine: Engine, scope: Scope, *, year: int, filters: ClueFilters = ClueFilters(),
                        township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[month, clue_count, placed_clue_count]: the year's twelve months ('2024-07'), zero-filled."""
    year_period = Period.whole_year(year)
    month = year_month(clues.c.received_date)
    statement = (
        select(month.label("month"), func.count().label("clue_count"),
               func.sum(case((clues.c.village_code.is_not(None), 1), else_=0)).label("placed_clue_count"))
        .where(and_(*_clue_conditions(scope, year_period.start, year_period.end, filters, township_code)))
        .group_by(month)
    )
    with engine.connect() as conn:
        rows = {r.month: (int(r.clue_count), int(r.placed_clue_count or 0)) for r in conn.execute(statement)}
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    return pd.DataFrame({"month": months,
                         "clue_count": [rows.get(m, (0, 0))[0] for m in months],
                         "placed_clue_count": [rows.get(m, (0, 0))[1] for m in months]})


def monthly_village_counts(engine: Engine, scope: Scope, *, year: int, filters: ClueFilters = ClueFilters(),
                           township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[month, village_code, clue_count, red_clue_count, amount_wan_yuan]: one row per month and
    village with clues (the map's month-by-month animation: at most 12 x villages rows, whatever the clues)."""
    year_period = Period.whole_year(year)
    month = year_month(clues.c.received_date)
    statement = (
        select(month.label("month"), clues.c.village_code, func.count().label("clue_count"),
               func.sum(case((clues.c.management_level == RED, 1), else_=0)).label("red_clue_count"),
               func.coalesce(func.sum(clues.c.amount_wan_yuan), 0).label("amount_wan_yuan"))
        .where(and_(*_clue_conditions(scope, year_period.start, year_period.end, filters, township_code)),
               clues.c.village_code.is_not(None))
        .group_by(month, clues.c.village_code)
        .order_by(month, clues.c.village_code)
    )
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    return pd.DataFrame(
        [(m, v, int(n), int(red or 0), round(float(amount or 0), 2)) for m, v, n, red, amount in rows],
        columns=["month", "village_code", "clue_count", "red_clue_count", "amount_wan_yuan"],
    )


def boundary_geometries(engine: Engine, scope: Scope, *, level: str = "township",
                        township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[division_code, division_name, geometry_geojson] of the loaded boundaries in scope."""
    statement = (
        select(boundaries.c.division_code, boundaries.c.division_name, boundaries.c.geometry_geojson)
        .where(boundaries.c.division_level == level)
        .order_by(boundaries.c.division_code)
    )
    place = scope.narrowed_to(township_code)
    if place:  # a township's own outline and its villages', or a county's (codes are prefixes)
        statement = statement.where(*codes_under(boundaries.c.division_code, place))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(statement).mappings().all(),
                            columns=["division_code", "division_name", "geometry_geojson"])


def village_clue_list(engine: Engine, scope: Scope, *, village_code: str, period: Period,
                      filters: ClueFilters = ClueFilters()) -> pd.DataFrame:
    """Return DataFrame[clue_id, received_date, clue_source, problem_domain, management_level, handling_status,
    reported_person_name, summary]: the village's clues in the period, newest first (names masked unless the
    scope shows names). A village outside the scope's township has no rows."""
    statement = (
        select(clues.c.clue_id, clues.c.received_date, clues.c.clue_source, clues.c.problem_domain,
               clues.c.management_level, clues.c.handling_status, clues.c.reported_person_name, clues.c.summary)
        .where(and_(*_clue_conditions(scope, period.start, period.end, filters, None)),
               clues.c.village_code == village_code)
        .order_by(clues.c.received_date.desc(), clues.c.clue_id)
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).mappings().all(),
                             columns=["clue_id", "received_date", "clue_source", "problem_domain", "management_level",
                                      "handling_status", "reported_person_name", "summary"])
    if not scope.shows_names:
        frame["reported_person_name"] = [mask_name(n) for n in frame["reported_person_name"]]
    frame["summary"] = frame["summary"].fillna("")
    return frame
