"""Any metric of ``metrics.definitions`` by name: one value, a KPI tile with 同比/环比, a series, per township."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
from sqlalchemy import Connection, Engine

from metrics.definitions import Kpi, get_metric, relative_or_points_change
from metrics.freshness import as_of_rule, data_as_of
from metrics.measures import measure_table
from metrics.periods import Period
from metrics.scope import Scope
from metrics.tables import every_county_of, period_frame, township_frame

OVERVIEW_TILES = ("clue_count", "case_count", "people_handled", "recovered_funds", "rectification_completion_rate",
                  "satisfaction_rate")


def metric_table(conn: Connection, names: Sequence[str], periods: Sequence[Period], township: str | None, *,
                 by: Sequence[str] = (), as_of: date | None = None) -> pd.DataFrame:
    """The measures of the named metrics per period (and group): as-of metrics as of each period's
    effective end (or ``as_of``); one query per source for all of them."""
    metrics = [get_metric(name) for name in names]
    measures = [m for metric in metrics for m in metric.measures]
    rule = None
    if any(metric.as_of_based for metric in metrics):
        rule = as_of_rule(None if as_of else data_as_of(conn), as_of)
    return measure_table(conn, measures, periods, township, by=by, as_of_of=rule)


def metric_value(engine: Engine, scope: Scope, *, metric: str, period: Period, township_code: str | None = None,
                 as_of: date | None = None) -> float | None:
    """Return the metric's value for the period (rates as fractions; counts as int), None when it has no base."""
    with engine.connect() as conn:
        table = metric_table(conn, [metric], [period], scope.narrowed_to(township_code), as_of=as_of)
    return get_metric(metric).value_of(table.iloc[0])


def _kpis(conn: Connection, names: Sequence[str], period: Period, township: str | None) -> list[Kpi]:
    """The KPIs for ``names``, reading each source's measures once for all its metrics."""
    # a running period is compared like with like: its bases are cut to the same number of days
    latest = data_as_of(conn)
    measured = period.to_date(latest) if latest is not None else period
    periods = [measured, measured.year_ago(), measured.previous()]
    table = metric_table(conn, names, periods, township)
    kpis = []
    for name in names:
        metric = get_metric(name)
        value, year_ago_value, previous_value = (metric.value_of(row) for _, row in table.iterrows())
        kpis.append(Kpi(
            metric=metric, period=period, value=value, year_ago_value=year_ago_value,
            previous_value=previous_value, year_ago_period=periods[1], previous_period=periods[2],
            yoy_change=relative_or_points_change(metric, value, year_ago_value),
            mom_change=relative_or_points_change(metric, value, previous_value),
            change_is_points=metric.is_rate,
        ))
    return kpis


def kpi(engine: Engine, scope: Scope, *, metric: str, period: Period, township_code: str | None = None) -> Kpi:
    """Return the metric for the period with its 同比 (year ago) and 环比 (previous period) values and changes."""
    with engine.connect() as conn:
        return _kpis(conn, [metric], period, scope.narrowed_to(township_code))[0]


def kpi_tiles(engine: Engine, scope: Scope, *, period: Period, township_code: str | None = None,
              metrics: tuple[str, ...] = OVERVIEW_TILES) -> list[Kpi]:
    """Return one Kpi per metric name, in order (a page's KPI tiles); metrics that share a source are read
    from one query of it."""
    with engine.connect() as conn:
        return _kpis(conn, metrics, period, scope.narrowed_to(township_code))


def metric_series(engine: Engine, scope: Scope, *, metric: str, periods: Sequence[Period],
                  township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, <metric>], one row per period in the given order."""
    periods = list(periods)
    result = period_frame(periods)
    definition = get_metric(metric)
    if not periods:
        result[metric] = pd.Series([], dtype="int64" if definition.kind == "count" else "float64")
        return result
    with engine.connect() as conn:
        table = metric_table(conn, [metric], periods, scope.narrowed_to(township_code))
    result[metric] = definition.column_of(table).to_numpy()
    return result


def drill_children(engine: Engine, scope: Scope, *, metric: str, period: Period,
                   township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, <metric>] over a year's quarters or a quarter's months."""
    return metric_series(engine, scope, metric=metric, periods=list(period.children()), township_code=township_code)


def _measures_by_township(conn: Connection, scope: Scope, metric: str, period: Period) -> pd.DataFrame:
    """DataFrame[township_code, township_name, *the metric's measures]: every township in scope, zero-filled."""
    towns = township_frame(conn, scope)
    table = metric_table(conn, [metric], [period], scope.narrowed_to(None), by=["township_code"])
    table = towns[["township_code", "township_name"]].merge(table, on="township_code", how="left")
    for measure in get_metric(metric).measures:
        table[measure] = table[measure].fillna(0)
    return table


def metric_by_township(engine: Engine, scope: Scope, *, metric: str, period: Period) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, <metric>] for every township in scope, zero-filled, in code order."""
    with engine.connect() as conn:
        table = _measures_by_township(conn, scope, metric, period)
    table[metric] = get_metric(metric).column_of(table)
    return table[["township_code", "township_name", metric]].reset_index(drop=True)


def metric_by_county(engine: Engine, scope: Scope, *, metric: str, period: Period) -> pd.DataFrame:
    """Return DataFrame[county_code, county_name, <metric>] for every county in scope (a 市级 user's 全市, where
    1,200 townships make no chart), each from its townships' measures summed (a rate: the sums' ratio), in code
    order."""
    definition = get_metric(metric)
    place = scope.narrowed_to(None)
    with engine.connect() as conn:
        table = every_county_of(conn, place, metric_table(conn, [metric], [period], place, by=["county_code"]),
                                definition.measures)
    table[metric] = definition.column_of(table)
    return table[["county_code", "county_name", metric]]
