"""Public satisfaction (群众满意度): 满意率 and 知晓率 by period and by township, weighted by samples.

A month reads its quarter's survey and a year adds up its four quarters (``measures.survey_quarters``).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from metrics.definitions import METRICS
from metrics.measures import measure_table
from metrics.periods import Period
from metrics.scope import Scope
from metrics.tables import counties_within, county_names, period_frame, township_frame, zero_filled

_SURVEY_MEASURES = ("sample_size", "valid_samples", "satisfied_total", "aware_of_platform")
_RATES = (METRICS["satisfaction_rate"], METRICS["awareness_rate"])


def _with_rates(table: pd.DataFrame) -> pd.DataFrame:
    for rate in _RATES:
        table[rate.name] = rate.column_of(table)
    return table


def satisfaction_series(engine: Engine, scope: Scope, *, periods: list[Period],
                        township_code: str | None = None) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, satisfaction_rate, awareness_rate, sample_size, valid_samples]:
    weighted by valid samples, one row per period in order."""
    periods = list(periods)
    with engine.connect() as conn:
        table = _with_rates(measure_table(conn, _SURVEY_MEASURES, periods, scope.narrowed_to(township_code)))
    result = period_frame(periods)
    for column in ("satisfaction_rate", "awareness_rate", "sample_size", "valid_samples"):
        result[column] = table[column].to_numpy()
    return result


def _surveys_by_township(conn, scope: Scope, periods: list[Period]) -> pd.DataFrame:
    """DataFrame[period_code, period_label, township_code, township_name, *_SURVEY_MEASURES]: every period and
    township in scope, zero-filled."""
    towns = township_frame(conn, scope)
    table = measure_table(conn, _SURVEY_MEASURES, periods, scope.narrowed_to(None), by=["township_code"])
    grid = period_frame(periods).merge(towns[["township_code", "township_name"]], how="cross")
    return zero_filled(grid.merge(table, on=["period_code", "township_code"], how="left"), _SURVEY_MEASURES)


def satisfaction_by_township(engine: Engine, scope: Scope, *, periods: list[Period]) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, township_code, township_name, satisfaction_rate, awareness_rate,
    sample_size]: one row per period and township in scope (rates NaN where a township has no survey)."""
    with engine.connect() as conn:
        table = _with_rates(_surveys_by_township(conn, scope, list(periods)))
    return table[["period_code", "period_label", "township_code", "township_name", "satisfaction_rate",
                  "awareness_rate", "sample_size"]]


def satisfaction_by_county(engine: Engine, scope: Scope, *, periods: list[Period]) -> pd.DataFrame:
    """Return DataFrame[period_code, period_label, county_code, county_name, satisfaction_rate, awareness_rate,
    sample_size]: one row per period and county in scope (a 市级 user's 全市), each weighted by its townships' valid
    samples (as a county's own 满意率 is), periods in order, counties in code order."""
    periods = list(periods)
    place = scope.narrowed_to(None)
    with engine.connect() as conn:
        # summed per county in SQL: 800 rows for 8 quarters of 100 counties, not 9,600 townships' rows added up here
        table = measure_table(conn, _SURVEY_MEASURES, periods, place, by=["county_code"])
        codes = sorted(conn.execute(counties_within(place)).scalars())
        names = county_names(conn)
    counties = pd.DataFrame({"county_code": pd.Series(codes, dtype="str"),
                             "county_name": pd.Series([names.get(code, code) for code in codes], dtype="str")})
    grid = period_frame(periods).merge(counties, how="cross")  # periods in order, counties in code order
    table = _with_rates(zero_filled(grid.merge(table, on=["period_code", "county_code"], how="left"),
                                    _SURVEY_MEASURES))
    return table[["period_code", "period_label", "county_code", "county_name", "satisfaction_rate", "awareness_rate",
                  "sample_size"]]
