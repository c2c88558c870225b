"""The quarterly township ranking (乡镇综合排名) of the 季通报, and the 建议约谈 flag.

The score is Σ weight × rate over ``RANKING_METRICS`` (weights from the setting ``ranking_weights``,
keyed by metric name; a missing rate counts as 0), ties broken by fewer overdue items. A
township last in two consecutive quarters is flagged 建议约谈. The ranking is the county's
published one: every township of the county whatever the scope (docs/DOMAIN.md, "Roles"); a 市级
user's 全市 reads each county's own ranking, never the prefecture's townships ranked together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from config import settings
from metrics import summaries
from metrics.cache import cached
from metrics.definitions import METRICS, RANKING_METRICS
from metrics.kpis import metric_table
from metrics.periods import Period
from metrics.scope import Scope
from metrics.tables import county_names, township_frame

RANKED_COLUMNS = ["rank", "township_code", "township_name", *RANKING_METRICS, "score", "overdue_items",
                  "previous_rank", "rank_change", "is_last", "suggest_interview"]


def ranking_weights() -> dict[str, float]:
    """Return {metric name: weight} from the setting (validated there: an unknown name is an error)."""
    return {name: float(settings.get("ranking_weights").get(name, 0)) for name in RANKING_METRICS}


def weights_text() -> str:
    """Return "整改完成率×30% + 按期完成率×20% + …" for captions and the bulletin."""
    return " + ".join(f"{METRICS[name].label}×{weight:g}%" for name, weight in ranking_weights().items())


@cached
def _ranking_components(engine: Engine, scope: Scope, *, quarters: tuple[Period, ...],
                        counties: tuple[str, ...] | None = None, from_summaries: bool = True) -> dict[str, pd.DataFrame]:
    """Return {quarter code: every township's four ranking rates (NaN where missing) and overdue items, as of
    the quarter's end} for each of ``quarters``, read together (one query per source for all of them).

    Cached: the ranking page and the 建议约谈 check both read a quarter and the ones before it (one key:
    ``_quarter_and_previous``'s quarters, a county's whole look-back). Always every township of the
    scope's county, a 乡镇 user's included (the published ranking); a 市级 scope over every county reads
    the prefecture's townships, each named 县·乡镇 and with its ``county_code``, each county then ranked on
    its own (``_ranked``); ``counties`` narrows that to some counties (the 建议约谈 look-back's open runs).
    Complete quarters come from ``summary_ranking`` (a row per township and quarter), any other from the summaries
    of the measures (``from_summaries=False``: always from those, which the summaries' test compares with)."""
    county = scope.county_code
    if counties is not None and not scope.every_county:
        raise ValueError("只有全市范围可以指定县")
    with engine.connect() as conn:
        towns = township_frame(conn, Scope.county(county_code=county), across_counties=scope.every_county)
        towns = towns[["township_code", "township_name"]]
        place = county if counties is None else counties
        table = summaries.ranking_table(conn, quarters, place) if from_summaries else None
        if table is None:
            table = metric_table(conn, summaries.RANKED, quarters, place, by=["township_code"])
    if counties is not None:
        towns = towns[towns["township_code"].str[:6].isin(counties)].reset_index(drop=True)
    if scope.every_county:
        towns["county_code"] = towns["township_code"].str[:6]
    measures = [c for c in table.columns if c not in ("period_code", "township_code")]
    # every township in every quarter, computed as one table (per quarter, pandas' overhead was most of it),
    # quarter by quarter in blocks of the townships' order
    every = pd.DataFrame({"period_code": [q.code for q in quarters]}).merge(towns, how="cross")
    every = every.merge(table, on=["period_code", "township_code"], how="left")
    every[measures] = every[measures].fillna(0).astype("int64")  # counts (overdue_items too), read either way
    for name in RANKING_METRICS:
        every[name] = METRICS[name].column_of(every)
    every = every.drop(columns="period_code")
    size = len(towns)
    return {quarter.code: every.iloc[step * size:(step + 1) * size].reset_index(drop=True)
            for step, quarter in enumerate(quarters)}


COUNTY_LOOKBACK = 8  # quarters a county's 建议约谈 looks back over (a 全市 one: PREFECTURE_LOOKBACK)


def _looked_back(quarter: Period, count: int) -> list[Period]:
    """The quarter and the ``count`` - 1 before it, latest first."""
    periods = [quarter]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods


def _quarter_and_previous(engine: Engine, scope: Scope, quarter: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ranking components of the quarter and of the one before, one read the ranking's 本季 and 上季 and the
    建议约谈 look-back share: for 全市 the two quarters (the look-back reads on for its open runs only); for a
    county its whole look-back (a dozen townships: one read of eight quarters costs less than two reads)."""
    quarters = ((quarter, quarter.previous()) if scope.every_county
                else tuple(_looked_back(quarter, COUNTY_LOOKBACK)))
    read = _ranking_components(engine, scope, quarters=quarters)
    return read[quarter.code], read[quarter.previous().code]


def _score(table: pd.DataFrame) -> pd.Series:
    """Σ weight × rate over ``RANKING_METRICS`` per row, a missing rate counting as 0 (a township's or a county's),
    rounded to 4 places. Added up rate by rate in the weights' order on the columns' arrays (the same sums as
    pandas' Series arithmetic, without a Series built per step: a county's 建议约谈 look-back scored 8 quarters)."""
    score = np.zeros(len(table))
    for name, weight in ranking_weights().items():
        score = score + weight * np.nan_to_num(table[name].to_numpy(dtype="float64", na_value=np.nan), nan=0.0)
    return pd.Series(score.round(4), index=table.index)


def _has_data(table: pd.DataFrame) -> np.ndarray:
    """Per row: whether any of the ranking's rates is known (a township or county with no data that quarter: none)."""
    return ~np.isnan(table[list(RANKING_METRICS)].to_numpy(dtype="float64", na_value=np.nan)).all(axis=1)


def _best_first(table: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """``table`` (scored) in the ranking's order within each of ``groups`` (in code order): the higher score first,
    a tie broken by fewer overdue items, then by township code."""
    return table.sort_values([*groups, "score", "overdue_items", "township_code"],
                             ascending=[*(True for _ in groups), False, True, True], kind="stable")


def _ranked(table: pd.DataFrame, *, per_county: bool = False) -> pd.DataFrame:
    """``table`` scored and sorted best first, with its rank and who is last; ``per_county``: each county
    (``county_code``) ranked on its own, counties in code order, and a county with no data that quarter
    has nobody last (a prefecture's last of 1,200 is nobody's rule)."""
    table = table.copy()
    table["score"] = _score(table)
    table = _best_first(table, ["county_code"] if per_county else []).reset_index(drop=True)
    if not per_county:
        table["rank"] = range(1, len(table) + 1)
        table["is_last"] = table["rank"] == len(table)
        return table
    county = table.groupby("county_code", sort=False)
    table["rank"] = county.cumcount() + 1
    has_data = pd.Series(_has_data(table), index=table.index).groupby(table["county_code"]).transform("any")
    table["is_last"] = (table["rank"] == county["rank"].transform("max")) & has_data
    return table


def _has_ranking_data(table: pd.DataFrame) -> bool:
    return bool(_has_data(table).any())


def _ranking_of(table: pd.DataFrame, scope: Scope) -> pd.DataFrame | None:
    """A quarter's ranking from its components (each county's own for a 市级 scope over every county), or
    None when the quarter has no data at all (no rank, nobody last)."""
    if not len(table) or not _has_ranking_data(table):
        return None
    return _ranked(table, per_county=scope.every_county)


def quarterly_ranking(engine: Engine, scope: Scope, *, quarter: Period) -> pd.DataFrame:
    """Return DataFrame[rank, township_code, township_name, rectification_completion_rate, on_time_completion_rate,
    satisfaction_rate, proactive_discovery_rate, score, overdue_items, previous_rank, rank_change, is_last,
    suggest_interview]: the county's township ranking for the quarter (ties: fewer overdue items first;
    rank_change + = moved up; suggest_interview = last this quarter and the previous).

    A 市级 scope over every county: each county's own ranking, one after the other in county-code order
    (rank, last and 建议约谈 within the county, as ``interview_flags``), a township named 县·乡镇."""
    if quarter.granularity != "quarter":
        raise ValueError("综合排名按季度计算，请选择季度")
    components, previous_components = _quarter_and_previous(engine, scope, quarter)
    current = _ranked(components, per_county=scope.every_county)
    previous = _ranking_of(previous_components, scope)
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
    return current[RANKED_COLUMNS]


_NUMERALS = dict(zip(range(2, 9), "两三四五六七八"))


def quarters_in_a_row(count: int) -> str:
    """连续两个季度, 连续三个季度 …: how long a township has been last, as a 建议约谈 line says it beside its quarters
    (a run of three read "连续两个季度" beside three quarters)."""
    return f"连续{_NUMERALS.get(count, str(count))}个季度"


PREFECTURE_LOOKBACK = 4  # quarters a 全市 建议约谈 looks back over (a county's own: up to eight)


def interview_flags(engine: Engine, scope: Scope, *, quarter: Period, lookback: int = COUNTY_LOOKBACK) -> pd.DataFrame:
    """Return DataFrame[township_code, township_name, quarters, quarter_count]: the township last in this quarter
    and the one(s) before (建议约谈); quarters lists that run's labels ("2024年第二季度、2024年第三季度").

    A 市级 scope over every county: each county's own last township (a county ranks its townships; the
    prefecture's last of 1,200 is nobody's rule), one row per county that has one, named 县·乡镇, looking
    back a year at most (PREFECTURE_LOOKBACK: each quarter back ranks every township of the prefecture)."""
    columns = ["township_code", "township_name", "quarters", "quarter_count"]
    if scope.every_county:
        lookback = min(lookback, PREFECTURE_LOOKBACK)
    periods = _looked_back(quarter, lookback)
    if scope.every_county:  # the quarter and the one before: the ranking's own read; the rest for open runs only
        read = dict(zip((p.code for p in periods[:2]), _quarter_and_previous(engine, scope, quarter)))
    else:  # a county's dozen townships: the whole look-back in one read, the ranking's (the default look-back)
        read = _ranking_components(engine, scope, quarters=tuple(periods))
    lasts = _last_townships(read, scope)
    runs: dict[str, list] = {}  # county (or "" for one county) → [township_code, township_name, quarters]
    open_runs: set[str] = set()  # the counties whose run goes on into the quarter before
    for step, period in enumerate(periods):
        if period.code not in lasts:  # the rest in one read; for 全市 of the counties still open (15 of 100)
            # every county still open: read them all, which is the same rows without a hundred ranges to build
            every_open = scope.every_county and open_runs == set(lasts[periods[0].code] or ())
            counties = tuple(sorted(open_runs)) if scope.every_county and not every_open else None
            lasts |= _last_townships(
                _ranking_components(engine, scope, quarters=tuple(periods[step:]), counties=counties), scope)
        last = lasts[period.code]
        if last is None:
            break
        for county, (code, name) in last.items():
            if step == 0 or county in open_runs and runs[county][0] == code:
                runs.setdefault(county, [code, name, []])[2].append(period)
        open_runs = {county for county, run in runs.items() if run[2][-1] == period}
        if not open_runs:
            break
    rows = [{"township_code": code, "township_name": name, "quarters": "、".join(p.label for p in reversed(run)),
             "quarter_count": len(run)} for _county, (code, name, run) in sorted(runs.items()) if len(run) >= 2]
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "quarter_count" else "str") for c in columns})
    return pd.DataFrame(rows, columns=columns)


def _last_townships(components: dict[str, pd.DataFrame], scope: Scope) -> dict[str, dict[str, tuple[str, str]] | None]:
    """{quarter code: {county: (code, name) of its last township}} for each quarter's components ("" keys one
    county's own), or None for a quarter with no data at all; every county of a 市级 scope is ranked on its
    own, and a county with no data that quarter has nobody last. The last is the end of ``_best_first``'s order
    (the lowest score, then the most overdue items, then the highest code), found in one pass over the rows: the
    prefecture's two quarters (2,400 rows) as sorted and grouped frames took 11 ms, a county's look-back 8 ms."""
    found: dict[str, dict[str, tuple[str, str]] | None] = {}
    for period_code, table in components.items():
        counties = table["county_code"].tolist() if scope.every_county else [""] * len(table)
        worst: dict[str, tuple[tuple, str, str]] = {}  # county → (sort key, code, name) of the last so far
        with_data: set[str] = set()
        for county, score, overdue, code, name, any_data in zip(
                counties, _score(table).tolist(), table["overdue_items"].tolist(), table["township_code"].tolist(),
                table["township_name"].tolist(), _has_data(table).tolist()):
            if any_data:
                with_data.add(county)
            key = (-score, overdue, code)
            if county not in worst or key > worst[county][0]:
                worst[county] = (key, code, name)
        lasts = {county: (code, name) for county, (_key, code, name) in sorted(worst.items()) if county in with_data}
        found[period_code] = lasts or None
    return found


def county_comparison(engine: Engine, scope: Scope, *, quarter: Period) -> pd.DataFrame:
    """Return DataFrame[county_code, county_name, rectification_completion_rate, on_time_completion_rate,
    satisfaction_rate, proactive_discovery_rate, score, overdue_items]: the ranking's rates per county in scope
    (a 市级 user's comparison of the prefecture's counties), each rate from its county's summed measures, and
    the county's 综合得分 from them by the townships' weights; in county-code order."""
    columns = ["county_code", "county_name", *RANKING_METRICS, "score", "overdue_items"]
    table, _previous = _quarter_and_previous(engine, scope, quarter)  # the ranking's own read of the quarter
    measures = [c for c in table.columns if c not in ("township_code", "township_name", "county_code",
                                                      *RANKING_METRICS)]
    table = table.assign(county_code=table["township_code"].str[:6])
    summed = table.groupby("county_code", as_index=False)[measures].sum()
    summed = summed[summed[measures].ne(0).any(axis=1)].reset_index(drop=True)  # a county with no row at all: none
    if summed.empty:
        return pd.DataFrame({c: pd.Series([], dtype="str" if c in ("county_code", "county_name") else "float64")
                             for c in columns})
    with engine.connect() as conn:
        names = county_names(conn)
    for name in RANKING_METRICS:
        summed[name] = METRICS[name].column_of(summed)
    summed["score"] = _score(summed)
    summed["county_name"] = summed["county_code"].map(names).fillna(summed["county_code"])
    summed["overdue_items"] = summed["overdue_items"].astype("int64")
    return summed[columns]
