"""The sweep: every public data function, found by introspection, for the whole county and for each
township's 乡镇 scope, over every granularity and the edge periods, on the small hand-built warehouse.

No call may raise, and every result has exactly the columns (or keys) its docstring documents, with
text codes. A 乡镇 scope asking for another township gets none of that township's rows. A new data
function is swept without editing this file; one whose signature breaks the house shape fails here.
"""

from __future__ import annotations

import inspect
import itertools
import re
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func

import metrics
from metrics.cache import clear_cache
from metrics.cases import CASE_DIMENSIONS
from metrics.clues import CLUE_DIMENSIONS
from metrics.definitions import METRICS, Kpi
from metrics.periods import Period
from metrics.places import ClueFilters
from metrics.scope import Scope
from tests.metrics_fixture import BEIGUAN, HEKOU, LIULIN, TOWNSHIPS, A, B, C, build_metrics_warehouse

# the fixture's data run from 2023-07-07 to 2024-11-15; 2024Q2 has no row at all for 柳林村
EDGES = {
    "month": [Period.month(2022, 12), Period.month(2023, 7), Period.month(2024, 6), Period.month(2024, 11),
              Period.month(2025, 3)],
    "quarter": [Period.quarter(2022, 4), Period.quarter(2023, 3), Period.quarter(2024, 2), Period.quarter(2024, 4),
                Period.quarter(2025, 1)],
    "year": [Period.whole_year(2022), Period.whole_year(2023), Period.whole_year(2024), Period.whole_year(2025)],
}
PERIODS = [p for periods in EDGES.values() for p in periods]
TOWNSHIP_NAMES = {code: name for code, name, _kind in TOWNSHIPS}
VILLAGE_OF = {A: BEIGUAN, B: HEKOU, C: LIULIN}
SCOPES = [Scope.county(), Scope(user_name="县领导甲", role="县领导")] + [
    Scope(user_name=f"{name}用户", role="乡镇", township_code=code) for code, name, _kind in TOWNSHIPS]
# the published ranking and its 建议约谈 flag: township-level figures every township reads (docs/DOMAIN.md, "Roles")
COUNTY_WIDE_BY_POLICY = {"metrics.ranking.quarterly_ranking", "metrics.ranking.interview_flags"}
FUNCTIONS = metrics.data_functions()


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from warehouse.engine import get_engine

    clear_cache()
    engine = get_engine(f"sqlite:///{tmp_path_factory.mktemp('sweep') / 'warehouse.sqlite'}")
    yield build_metrics_warehouse(engine)
    engine.dispose()


def _another_township(scope: Scope) -> str:
    """A township that is not the scope's (the county scope asks for B)."""
    return next(code for code in (B, A, C) if code != scope.township_code)


def _arguments(function, scope: Scope, period: Period, turn: int) -> dict:
    """Keyword arguments for one call: the period's edge, another township (tampering for a 乡镇 scope),
    and a metric, dimension and flag that rotate with ``turn`` so every choice is called."""
    township = _another_township(scope)
    quarter = Period.containing("quarter", period.end)
    values = {
        "period": period,
        "periods": [period, *period.children()] if turn % 2 else [period.previous(), period],
        "quarter": quarter,
        "as_of": period.end,
        "township_code": township,
        "metric": list(METRICS)[turn % len(METRICS)],
        "metrics": tuple(itertools.islice(itertools.cycle(METRICS), turn % len(METRICS), turn % len(METRICS) + 6)),
        "first_year": period.year - 1,
        "last_year": period.year,
        "year": period.year,
        "village_code": VILLAGE_OF[township],
        "filters": ClueFilters() if turn % 2 else ClueFilters(management_levels=("红",)),
        "level": ("township", "village")[turn % 2],
        "granularity": period.granularity,
        "days": 7,
        "open_only": bool(turn % 2),
        "include_due_soon": bool(turn % 2),
        "lookback": 8,
    }
    if function.__name__ == "case_breakdown":
        values["dimension"] = list(CASE_DIMENSIONS)[turn % len(CASE_DIMENSIONS)]
    else:
        values["dimension"] = list(CLUE_DIMENSIONS)[turn % len(CLUE_DIMENSIONS)]
    parameters = list(inspect.signature(function).parameters.values())[2:]
    arguments = {}
    for parameter in parameters:
        if parameter.name not in values:
            assert parameter.default is not inspect.Parameter.empty, f"the sweep has no value for {parameter.name}"
            continue
        if parameter.default is not inspect.Parameter.empty and turn % 3 == 0:
            continue  # every third call leaves the optional arguments at their defaults
        arguments[parameter.name] = values[parameter.name]
    return arguments


def _documented(function, arguments: dict) -> list[str] | None:
    """The columns (or keys) the docstring's first "DataFrame[…]" or "{…}" names; <metric> is the metric."""
    doc = " ".join((inspect.getdoc(function) or "").split())
    found = re.search(r"DataFrame\[([^\]]*)\]", doc) or re.search(r"Return \{([^}]*)\}", doc)
    if not found:
        return None
    names = [n.strip() for n in found.group(1).split(",")]
    return [arguments.get("metric", n) if n == "<metric>" else n for n in names]


def _townships_in(result) -> set[str]:
    """The township codes and names a result speaks of (frames, and frames inside a dict)."""
    frames = [result] if isinstance(result, pd.DataFrame) else (
        [v for v in result.values() if isinstance(v, pd.DataFrame)] if isinstance(result, dict) else [])
    seen: set[str] = set()
    for frame in frames:
        for column in ("township_code", "township_name", "category", "county_code", "county_name"):
            if column in frame:
                seen |= {str(v) for v in frame[column].dropna()}
        if "village_code" in frame:
            seen |= {str(v)[:9] for v in frame["village_code"].dropna()}
    return seen


def _check_shape(qualified: str, function, arguments: dict, result) -> None:
    documented = _documented(function, arguments)
    if isinstance(result, pd.DataFrame):
        assert documented is not None, f"{qualified} returns a DataFrame its docstring does not describe"
        assert list(result.columns) == documented, (qualified, arguments)
        for column in ("township_code", "village_code", "period_code"):
            if column in result and len(result):
                assert result[column].dropna().map(type).eq(str).all(), (qualified, column)
    elif isinstance(result, dict):
        assert documented is not None and list(result) == documented, (qualified, arguments)
    elif isinstance(result, list):
        assert all(isinstance(item, (Kpi, int)) for item in result), qualified
    else:
        assert result is None or isinstance(result, (int, float, str, date, Period, Kpi)), (qualified, type(result))


def test_the_sweep_finds_every_subject_modules_data_function():
    assert len(FUNCTIONS) >= 40
    assert {"metrics.places.village_table", "metrics.kpis.kpi_tiles", "metrics.ranking.quarterly_ranking",
            "metrics.places.village_clue_counts", "metrics.freshness.available_years"} <= set(FUNCTIONS)


def test_every_public_function_taking_an_engine_has_the_house_signature():
    """(engine, scope, *, …): a call cannot pass a township where a period belongs."""
    for module_name in metrics.SUBJECT_MODULES:
        module = __import__(module_name, fromlist=["_"])
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module_name:
                continue
            first = next(iter(inspect.signature(function).parameters), None)
            if first == "engine":
                assert metrics.is_data_function(function), f"{module_name}.{name} is not (engine, scope, *, …)"


@pytest.mark.parametrize("qualified", sorted(FUNCTIONS))
def test_a_data_function_answers_every_scope_and_edge_period_with_its_documented_columns(engine, qualified):
    function = FUNCTIONS[qualified]
    failures = []
    for turn, (scope, period) in enumerate(itertools.product(SCOPES, PERIODS)):
        arguments = _arguments(function, scope, period, turn)
        try:
            result = function(engine, scope, **arguments)
        except Exception as error:  # noqa: BLE001 - the sweep collects every failure, then reports them all
            failures.append(f"{scope.role}/{scope.township_code} {period.code} {arguments}: {error!r}")
            continue
        _check_shape(qualified, function, arguments, result)
        if scope.township_code and qualified not in COUNTY_WIDE_BY_POLICY:
            other = arguments.get("township_code") or _another_township(scope)
            leaked = _townships_in(result) & {other, TOWNSHIP_NAMES[other]}
            assert not leaked, f"{qualified} shows {leaked} to {scope.township_code} ({arguments})"
    assert not failures, f"{len(failures)} calls raised:\n" + "\n".join(failures[:10])


def test_a_township_with_villages_that_had_nothing_in_a_quarter_lists_them_with_zeros(engine):
    from metrics.places import village_table

    # 2024Q2: one clue (C10) and no case for 柳林村; a 乡镇 user reads the one as "<3"
    table = village_table(engine, Scope(role="乡镇", township_code=C), township_code=C, period=Period.quarter(2024, 2))
    assert table[["village_name", "clue_count", "case_count"]].values.tolist() == [["柳林村", "<3", 0]]
    # 2022Q4, before any data: the merge used to meet an empty float column and raise
    empty = village_table(engine, Scope.county(), township_code=B, period=Period.quarter(2022, 4))
    assert empty["village_name"].tolist() == ["石桥村", "河口村"] and empty["clue_count"].tolist() == [0, 0]


def test_qingshi_in_2026q4_lists_its_villages_on_the_sample(sample_engine):
    """The defect found as a new user: 总览 ?township=青石镇 in 2026年第四季度 showed a traceback."""
    from metrics.places import township_options, village_table

    towns = township_options(sample_engine, Scope.county())
    qingshi = towns.loc[towns["township_name"] == "青石镇", "township_code"].item()
    table = village_table(sample_engine, Scope.county(), township_code=qingshi, period=Period.quarter(2026, 4))
    assert len(table) > 10 and table["village_code"].str.startswith(qingshi).all()
    assert table["clue_count"].sum() > 0


# --- counties in scope: a prefecture's warehouse -----------------------------------------------------

@pytest.fixture(scope="module")
def two_counties(tmp_path_factory):
    from tests.metrics_fixture import add_second_county
    from warehouse.engine import get_engine

    clear_cache()
    engine = get_engine(f"sqlite:///{tmp_path_factory.mktemp('sweep2') / 'warehouse.sqlite'}")
    yield add_second_county(build_metrics_warehouse(engine))
    engine.dispose()


COUNTY_SCOPES = [Scope.county(county_code="990101"), Scope(user_name="县领导甲", role="县领导", county_code="990101"),
                 Scope(user_name="青石镇用户", role="乡镇", township_code=B)]


@pytest.mark.parametrize("qualified", sorted(FUNCTIONS))
def test_a_countys_users_never_read_another_countys_rows_whatever_they_ask_for(two_counties, qualified):
    """Every data function, for a county scope asking for a township of the other county: none of its rows."""
    from tests.metrics_fixture import SECOND_TOWNSHIPS

    function = FUNCTIONS[qualified]
    others = ({code for code, _name, _kind in SECOND_TOWNSHIPS} | {name for _code, name, _kind in SECOND_TOWNSHIPS}
              | {"990102", "邻县"})  # and the other county itself, in a table by county
    for turn, (scope, period) in enumerate(itertools.product(COUNTY_SCOPES, [Period.quarter(2024, 3),
                                                                            Period.whole_year(2024)])):
        arguments = _arguments(function, scope, period, turn)
        if "township_code" in arguments:
            arguments["township_code"] = SECOND_TOWNSHIPS[1][0]  # 邻县青石镇
        if "village_code" in arguments:
            arguments["village_code"] = "990102" + arguments["village_code"][6:]
        result = function(two_counties, scope, **arguments)
        leaked = _townships_in(result) & others
        assert not leaked, f"{qualified} shows {sorted(leaked)[:4]} to {scope.role}/{scope.county_code} ({arguments})"


def test_a_prefecture_user_reads_every_county_and_one_when_it_chooses(two_counties):
    from metrics.kpis import metric_value
    from metrics.places import county_name, county_options

    prefecture = Scope(user_name="市纪委", role="市级")
    period = Period.whole_year(2024)
    both = metric_value(two_counties, prefecture, metric="clue_count", period=period)
    first = metric_value(two_counties, prefecture.in_county("990101"), metric="clue_count", period=period)
    second = metric_value(two_counties, prefecture.in_county("990102"), metric="clue_count", period=period)
    assert both == first + second and first == second > 0
    assert county_options(two_counties, prefecture)["county_name"].tolist() == ["测试县", "邻县"]
    assert county_name(two_counties, prefecture) == "全市"
    assert county_name(two_counties, prefecture.in_county("990102")) == "邻县"
    assert county_name(two_counties, Scope.county(county_code="990101")) == "测试县"
    assert not prefecture.shows_names


def _tallied_with_pandas(status: pd.DataFrame) -> list[dict]:
    """``reporting_by_county``'s rows as a reader would count them from the townships' rows."""
    from metrics.reporting import LATE, MISSING, NOT_DUE, QUARTERLY_LEDGER

    status = status.assign(county_code=status["township_code"].str[:6])
    missing = status[status["reporting_status"] == MISSING].groupby("county_code")["township_code"].nunique()
    monthly = status[status["ledger_kind"] != QUARTERLY_LEDGER]
    monthly = monthly.assign(rank=monthly["reporting_status"].map({MISSING: 0, LATE: 1, NOT_DUE: 2}))
    towns = monthly.groupby(["county_code", "period_code", "township_code"])["rank"].min().reset_index()
    rows = []
    for (county, period), group in towns.groupby(["county_code", "period_code"]):
        worst = group["rank"].min()
        rows.append({"county_code": county, "period_code": period,
                     "worst_status": None if pd.isna(worst) else (MISSING, LATE, NOT_DUE)[int(worst)],
                     "townships": int((group["rank"] == worst).sum()) if not pd.isna(worst) else 0,
                     "missing_townships": int(missing.get(county, 0))})
    return rows


def test_reporting_by_county_counts_what_the_townships_statuses_say(two_counties):
    """全市's 报送情况 is tallied without the township rows' frame: the same figures as counting those rows."""
    from metrics.reporting import reporting_by_county, reporting_status

    scopes = [Scope(user_name="市纪委", role="市级"), Scope(user_name="市纪委", role="市级").in_county("990102"),
              Scope.county(county_code="990101"), Scope(user_name="青石镇用户", role="乡镇", township_code=B)]
    compared = set()
    for scope, period, as_of in itertools.product(
            scopes, [Period.quarter(2024, 3), Period.month(2024, 11), Period.whole_year(2024), Period.month(2022, 1)],
            [date(2024, 10, 5), date(2024, 12, 31), date(2026, 1, 1)]):
        by_county = reporting_by_county(two_counties, scope, period=period, as_of=as_of)
        expected = _tallied_with_pandas(reporting_status(two_counties, scope, period=period, as_of=as_of))
        assert by_county.to_dict("records") == expected, (scope, period.code, as_of)
        compared |= {(row["worst_status"], row["missing_townships"] > 0) for row in expected}
    assert {("未报送", True), ("迟报", True), ("未到期", True), ("未到期", False)} <= compared  # every kind of cell
    whole = reporting_by_county(two_counties, scopes[0], period=Period.quarter(2024, 3), as_of=date(2024, 12, 31))
    assert whole["county_code"].unique().tolist() == ["990101", "990102"]
    assert whole.groupby("county_code")["missing_townships"].first().tolist() == [3, 3]  # a copy reports as its own


def test_the_county_comparison_sums_each_countys_measures(two_counties):
    from metrics.ranking import county_comparison, quarterly_ranking, ranking_weights

    prefecture = Scope(user_name="市纪委", role="市级")
    quarter = Period.quarter(2024, 3)
    table = county_comparison(two_counties, prefecture, quarter=quarter)
    assert table["county_name"].tolist() == ["测试县", "邻县"]
    # the two counties hold the same rows: the same rates, equal to the one county's own
    first = county_comparison(two_counties, Scope.county(county_code="990101"), quarter=quarter)
    assert first["county_name"].tolist() == ["测试县"]
    for name in ("rectification_completion_rate", "satisfaction_rate"):
        assert table[name].tolist() == [first[name].item()] * 2
    weighted = sum(weight * first[name].fillna(0).item() for name, weight in ranking_weights().items())
    assert table["score"].tolist() == [pytest.approx(weighted, abs=1e-4)] * 2 and 0 < weighted < 100
    ranked = quarterly_ranking(two_counties, Scope.county(county_code="990102"), quarter=quarter)
    assert set(ranked["township_name"]) == {"邻县城关街道", "邻县青石镇", "邻县柳溪乡"}


@pytest.mark.parametrize("metric", ["case_count", "proactive_discovery_rate", "clue_closed_rate", "overdue_count"])
def test_a_metric_by_county_is_each_countys_own_figure(two_counties, metric):
    from metrics.kpis import metric_by_county, metric_value

    quarter = Period.quarter(2024, 3)
    table = metric_by_county(two_counties, Scope(user_name="市纪委", role="市级"), metric=metric, period=quarter)
    own = metric_value(two_counties, Scope.county(county_code="990101"), metric=metric, period=quarter)
    assert table["county_name"].tolist() == ["测试县", "邻县"] and own  # the second county is a copy of the first
    assert table[metric].tolist() == [pytest.approx(own)] * 2
    one = metric_by_county(two_counties, Scope.county(county_code="990102"), metric=metric, period=quarter)
    assert one["county_code"].tolist() == ["990102"]


def test_satisfaction_by_county_weights_each_countys_townships_by_their_samples(two_counties):
    from metrics.satisfaction import satisfaction_by_county, satisfaction_by_township, satisfaction_series

    quarters = [Period.quarter(2024, 2), Period.quarter(2024, 3)]
    prefecture = Scope(user_name="市纪委", role="市级")
    table = satisfaction_by_county(two_counties, prefecture, periods=quarters)
    assert table["period_code"].tolist() == ["2024Q2", "2024Q2", "2024Q3", "2024Q3"]
    assert table["county_name"].tolist() == ["测试县", "邻县"] * 2
    own = satisfaction_series(two_counties, Scope.county(county_code="990101"), periods=quarters)
    for period_code, rate, samples in zip(own["period_code"], own["satisfaction_rate"], own["sample_size"]):
        rows = table[table["period_code"] == period_code]
        assert rows["satisfaction_rate"].tolist() == [pytest.approx(rate)] * 2 and 0 < rate < 1
        assert rows["sample_size"].tolist() == [samples] * 2
    towns = satisfaction_by_township(two_counties, prefecture, periods=quarters)
    assert table["sample_size"].sum() == towns["sample_size"].sum()  # every township's samples, once


def test_a_prefecture_users_township_choices_name_each_county_where_townships_share_a_name(tmp_path):
    """Real counties share township names (城关镇): 全市's 乡镇 selector offered 100 entries reading 城关街道, and the
    choice, made by name, went to whichever county's came last."""
    from sqlalchemy import update

    from metrics.places import township_options
    from tests.metrics_fixture import add_second_county
    from warehouse import schema
    from warehouse.engine import get_engine

    engine = add_second_county(build_metrics_warehouse(get_engine(f"sqlite:///{tmp_path / 'same.sqlite'}")))
    t = schema.townships.c
    with engine.begin() as conn:  # the second county's townships named as the first's
        conn.execute(update(schema.townships).where(t.county_code == "990102")
                     .values(township_name=func.replace(t.township_name, "邻县", "")))
    options = township_options(engine, Scope(user_name="市纪委", role="市级"))
    assert options["township_name"].is_unique and len(options) == 2 * len(TOWNSHIPS)
    named = dict(zip(options["township_name"], options["township_code"]))
    assert named["测试县·城关街道"][:6] == "990101" and named["邻县·城关街道"][:6] == "990102"
    own = township_options(engine, Scope.county(county_code="990102"))  # a county's own: the name alone
    assert "城关街道" in set(own["township_name"])
    engine.dispose()


def test_a_prefecture_users_lists_name_each_townships_county_and_its_table_sums_them(two_counties):
    from metrics.clues import priority_clues
    from metrics.rectification import overdue_items, rectification_by_county, rectification_by_township

    prefecture = Scope(user_name="市纪委", role="市级")
    as_of = Period.quarter(2024, 3).end
    listed = overdue_items(two_counties, prefecture, as_of=as_of)
    county = overdue_items(two_counties, prefecture.in_county("990101"), as_of=as_of)
    assert len(listed) == 2 * len(county) > 0  # both counties, each township named with its county
    assert set(listed["township_name"]) == ({f"测试县·{n}" for n in county["township_name"]}
                                            | {f"邻县·邻县{n}" for n in county["township_name"]})
    assert not county["township_name"].str.contains("·").any()  # one county's own lists: the township alone
    assert priority_clues(two_counties, prefecture, period=Period.whole_year(2024))["township_name"].str.contains(
        "·").all()
    by_county = rectification_by_county(two_counties, prefecture, as_of=as_of)
    by_township = rectification_by_township(two_counties, prefecture, as_of=as_of)
    assert by_county["county_name"].tolist() == ["测试县", "邻县"]  # equal rates: code order
    assert by_county["rectification_items"].tolist() == [by_township["rectification_items"].sum() // 2] * 2
    assert by_county["rectification_completion_rate"].iloc[0] == pytest.approx(
        rectification_by_township(two_counties, prefecture.in_county("990101"), as_of=as_of)["completed_items"].sum()
        / by_county["rectification_items"].iloc[0])


@pytest.mark.parametrize("first", [1, 2, 3, 5])
def test_a_prefecture_users_first_listed_are_the_first_of_the_whole_list(two_counties, first):
    """全市's 重点线索 and 逾期事项 choose their first ids from the indexes and then read those rows
    (``ids_first``); the whole list is read in one statement: the first ``first`` are the same rows, in order."""
    from metrics.clues import priority_clues
    from metrics.rectification import overdue_items

    prefecture = Scope(user_name="市纪委", role="市级")
    for period in (Period.quarter(2024, 3), Period.quarter(2024, 4), Period.whole_year(2024)):
        whole = priority_clues(two_counties, prefecture, period=period)
        assert len(whole) > first
        pd.testing.assert_frame_equal(priority_clues(two_counties, prefecture, period=period, first=first),
                                      whole.head(first))
        whole = overdue_items(two_counties, prefecture, as_of=period.end)
        assert len(whole) > first
        pd.testing.assert_frame_equal(overdue_items(two_counties, prefecture, as_of=period.end, first=first),
                                      whole.head(first))


def test_a_prefecture_user_sees_each_countys_own_interview_flag(two_counties):
    from metrics.ranking import interview_flags

    quarter = Period.quarter(2024, 3)
    own = interview_flags(two_counties, Scope.county(county_code="990101"), quarter=quarter)
    assert own["township_name"].tolist() == ["城关街道"]  # the fixture's hand-worked flag (tests/test_metrics.py)
    flags = interview_flags(two_counties, Scope(user_name="市纪委", role="市级"), quarter=quarter)
    # both counties rank their own townships: each has its 城关街道 last in 2024Q2 and 2024Q3
    assert flags["township_name"].tolist() == ["测试县·城关街道", "邻县·邻县城关街道"]
    assert flags["township_code"].tolist() == [own["township_code"].iloc[0], "990102" + own["township_code"].iloc[0][6:]]
    assert flags["quarters"].tolist() == ["2024年第二季度、2024年第三季度"] * 2
    one = interview_flags(two_counties, Scope(user_name="市纪委", role="市级").in_county("990102"), quarter=quarter)
    assert one["township_name"].tolist() == ["邻县城关街道"]


def test_a_prefecture_users_ranking_is_each_countys_own_published_ranking(two_counties):
    """全市 reads each county's ranking one after the other: the rows of a county are that county's own
    ranking (rank from 1, its own last and 建议约谈), never the prefecture's townships ranked together."""
    from metrics.ranking import quarterly_ranking

    quarter = Period.quarter(2024, 3)
    prefecture = quarterly_ranking(two_counties, Scope(user_name="市纪委", role="市级"), quarter=quarter)
    assert len(prefecture) == 2 * len(TOWNSHIPS)
    for county, county_name in (("990101", "测试县"), ("990102", "邻县")):
        own = quarterly_ranking(two_counties, Scope.county(county_code=county), quarter=quarter)
        rows = prefecture[prefecture["township_code"].str.startswith(county)].reset_index(drop=True)
        assert rows["rank"].tolist() == own["rank"].tolist() == [1, 2, 3]
        for column in ("township_code", "score", "is_last", "suggest_interview", "previous_rank", "rank_change"):
            assert rows[column].tolist() == own[column].tolist(), column
        assert rows["township_name"].tolist() == [f"{county_name}·{name}" for name in own["township_name"]]
    assert prefecture["suggest_interview"].sum() == 2  # each county's 城关街道, as interview_flags says
