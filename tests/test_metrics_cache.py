"""The one cache: a new load batch invalidates it, the scope is part of the key, and nothing a caller
gets back can change what is stored."""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import insert

from charts.breakdowns import category_bar
from metrics import kpis
from metrics.cache import MAX_ENTRIES, cache_stats, cached_call, cached_figure, clear_cache
from metrics.clues import priority_clues
from metrics.periods import Period
from metrics.ranking import quarterly_ranking
from metrics.scope import Scope
from metrics.summaries import rebuild_summaries
from tests.metrics_fixture import A, B, C, add_batch, build_metrics_warehouse
from tests.statements import statements_run
from warehouse import schema

Q3 = Period.quarter(2024, 3)
COUNTY = Scope.county()


@pytest.fixture
def engine(empty_engine):
    built = build_metrics_warehouse(empty_engine)
    clear_cache()  # after the build: its rebuild of the summaries remembers the data's last day (summary_ranking)
    yield built
    clear_cache()


def counting(function):
    """A data function that records each time it really runs."""
    calls = []

    def counted(engine, scope, **arguments):
        calls.append(arguments)
        return function(engine, scope, **arguments)

    counted.calls = calls
    return counted


def test_a_cached_figure_changes_after_a_new_load_batch(engine):
    clue_count = counting(kpis.metric_value)
    read = lambda: cached_call(clue_count, engine, COUNTY, metric="clue_count", period=Q3)  # noqa: E731
    assert read() == 9 and read() == 9
    assert len(clue_count.calls) == 1
    with engine.begin() as conn:  # what a load does: new rows, then a load batch
        conn.execute(insert(schema.clues).values(
            clue_id="C99", received_date=date(2024, 8, 8), clue_source="信访举报", township_code=A,
            problem_domain="其他", management_level="蓝", is_supervised=False, handling_status="在办", batch_id=2))
        rebuild_summaries(conn)
    assert read() == 9  # rows alone: same data version
    add_batch(engine, "补报线索.xlsx", datetime(2024, 11, 17, 10, 0))
    assert read() == 10 and len(clue_count.calls) == 2


def test_a_boundary_load_changes_the_data_version_too(engine):
    from warehouse.engine import data_version

    before = data_version(engine)
    with engine.begin() as conn:
        conn.execute(insert(schema.boundaries).values(
            division_code=A, division_level="township", division_name="城关街道", geometry_geojson="{}",
            source_file="乡镇界线.geojson", loaded_at=datetime(2024, 11, 18, 9, 0)))
    assert data_version(engine) != before


def test_the_scope_is_part_of_the_key(engine):
    assert cached_call(kpis.metric_value, engine, COUNTY, metric="clue_count", period=Q3) == 9
    township = Scope(role="乡镇", township_code=B)
    assert cached_call(kpis.metric_value, engine, township, metric="clue_count", period=Q3) == 2
    masked = cached_call(priority_clues, engine, Scope(role="县领导"), period=Q3)
    shown = cached_call(priority_clues, engine, Scope(role="纪委"), period=Q3)
    assert masked["reported_person_name"].tolist()[0] == "钱*"
    assert shown["reported_person_name"].tolist()[0] == "钱七"


def test_a_caller_editing_a_cached_frame_does_not_change_the_cache(engine):
    first = cached_call(quarterly_ranking, engine, COUNTY, quarter=Q3)
    first.loc[0, "township_name"] = "被改动"
    first["score"] = 0.0
    del first["rank"]
    again = cached_call(quarterly_ranking, engine, COUNTY, quarter=Q3)
    assert again.loc[0, "township_name"] == "柳溪乡"
    assert again["score"].tolist() == pytest.approx([62.5, 62.5, 60.0877], abs=1e-4)
    assert again["rank"].tolist() == [1, 2, 3]


def test_a_caller_editing_a_dict_result_or_a_frame_inside_it_does_not_change_the_cache(engine):
    from metrics.clues import recent_activity

    first = cached_call(recent_activity, engine, COUNTY)
    first["new_clues"] = -1
    first["clues"]["summary"] = "改写"
    again = cached_call(recent_activity, engine, COUNTY)
    assert again["new_clues"] == 2 and "改写" not in set(again["clues"]["summary"])


def test_list_arguments_are_one_key(engine):
    series = counting(kpis.metric_series)
    months = list(Q3.children())
    assert cached_call(series, engine, COUNTY, metric="case_count", periods=months)["case_count"].tolist() == [1, 1, 2]
    assert cached_call(series, engine, COUNTY, metric="case_count", periods=tuple(months))["case_count"].tolist() == [
        1, 1, 2]
    assert len(series.calls) == 1


def test_a_cached_figure_is_a_copy_the_caller_may_change(engine):
    table = pd.DataFrame({"category": ["甲", "乙"], "case_count": [3, 1]})
    build = lambda t: cached_figure(category_bar, t, "case_count", "按问题领域分布", value_name="立案数", unit="件")  # noqa: E731
    spec = lambda figure: json.loads(figure.to_json())  # noqa: E731 - what the browser and the PNG export receive
    expected = spec(category_bar(table, "case_count", "按问题领域分布", value_name="立案数", unit="件"))
    first = build(table)
    assert spec(first) == expected  # the same figure the builder makes
    first.update_layout(title={"text": "被改动"}, height=10)
    first.update_traces(marker_color="red", x=[0, 0])
    assert spec(build(table)) == expected
    other = build(table.assign(case_count=[5, 6]))
    assert spec(other) != expected  # equal inputs share a figure, different data does not
    assert cache_stats()["entries"] == 2


def test_a_figure_of_a_result_the_caller_changed_is_built_from_the_changed_rows(engine):
    from charts.townships import township_bar

    by_township = cached_call(kpis.metric_by_township, engine, COUNTY, metric="case_count", period=Q3)
    build = lambda t: cached_figure(township_bar, t, "case_count", "各乡镇立案数", value_name="立案数", unit="件")  # noqa: E731
    first = json.loads(build(by_township).to_json())
    assert json.loads(build(by_township).to_json()) == first  # unchanged: the same figure, warm
    by_township.loc[0, "case_count"] = 99  # a page edits its copy before drawing it
    changed = json.loads(build(by_township).to_json())
    assert changed != first and "99" in json.dumps(changed["data"])
    fresh = cached_call(kpis.metric_by_township, engine, COUNTY, metric="case_count", period=Q3)
    assert fresh["case_count"].tolist() == [2, 1, 1]  # and the stored result is as it was


def test_the_cache_is_bounded_and_forgets_the_least_recently_used_first(engine):
    from metrics.cache import _STORE

    for key in range(MAX_ENTRIES + 10):
        _STORE.put(("bound", key), key)
        if key == MAX_ENTRIES - 1:  # full: 0 is used again, so 1-10 go first
            _STORE.get(("bound", 0))
    assert cache_stats()["entries"] == MAX_ENTRIES
    assert _STORE.get(("bound", 0)) == 0
    assert _STORE.get(("bound", 1), "gone") == "gone" and _STORE.get(("bound", MAX_ENTRIES + 9)) == MAX_ENTRIES + 9


def test_the_ranking_read_twice_is_read_once_and_a_new_load_changes_it(engine):
    # the ranking and the 建议约谈 check share each quarter's components through the cache
    proactive = lambda: quarterly_ranking(engine, COUNTY, quarter=Q3).set_index(  # noqa: E731
        "township_code").loc[C, "proactive_discovery_rate"]
    assert proactive() == 0.0  # K04, 上级转办, is C's one case of the quarter
    with engine.begin() as conn:  # rows alone, no load batch: still the cached figures
        conn.execute(insert(schema.cases).values(
            case_id="K99", filed_date=date(2024, 9, 25), township_code=C, problem_domain="作风问题",
            discovery_method="主动发现", violation_type="违反工作纪律", people_count=1, recovered_funds_wan_yuan=0,
            is_typical=False, batch_id=2))
        rebuild_summaries(conn)
    assert proactive() == 0.0
    add_batch(engine, "补报案件.xlsx", datetime(2024, 11, 17, 10, 0))
    assert proactive() == 0.5


def test_under_cached_call_the_datas_last_day_is_remembered_under_the_calls_version(engine):
    """A data function running under cached_call reads the data's last day without reading the data version again
    (a page's nine reads of it were nine statements): under the version its result is stored with."""
    from metrics.freshness import data_as_of
    from warehouse.engine import data_version

    def last_days(engine, scope):
        with engine.connect() as conn:
            return [data_as_of(conn), data_as_of(conn)]

    version = data_version(engine)
    with statements_run(engine) as ran:
        cached = cached_call(last_days, engine, COUNTY, version=version)
    with engine.connect() as conn:
        assert cached == [data_as_of(conn)] * 2 and cached[0] is not None  # the same day as read outside it
    assert ran and not [statement for statement, _parameters in ran if "load_batches" in statement]


def test_a_cached_call_inside_another_is_stored_under_its_version_without_reading_it_again(engine):
    """建议约谈's look-back and the breakdowns' shared read are cached calls inside cached calls: each read the data
    version again, a statement each."""
    from warehouse.engine import data_version

    inner_runs: list[int] = []

    def inner(engine, scope, *, quarter):
        inner_runs.append(1)
        return kpis.metric_value(engine, scope, metric="clue_count", period=quarter)

    def outer(engine, scope, *, quarter):
        return cached_call(inner, engine, scope, quarter=quarter) + 1

    version = data_version(engine)
    with statements_run(engine) as ran:
        assert cached_call(outer, engine, COUNTY, version=version, quarter=Q3) == 10  # the 9 clues of Q3, + 1
    assert ran and not [statement for statement, _parameters in ran if "load_batches" in statement]
    assert cached_call(inner, engine, COUNTY, version=version, quarter=Q3) == 9 and len(inner_runs) == 1  # stored
