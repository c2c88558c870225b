"""Cached metric results: a new load batch invalidates them, and the scope is part of the key."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert

import metrics
from metrics import Period, Scope
from metrics.cache import cache_stats, cached, clear_cache
from tests.metrics_fixture import A, B, C, add_batch, build_metrics_warehouse
from warehouse import schema

Q3 = Period.quarter(2024, 3)


@pytest.fixture
def engine(empty_engine):
    clear_cache()
    yield build_metrics_warehouse(empty_engine)
    clear_cache()


def test_a_cached_figure_changes_after_a_new_load_batch(engine):
    clue_count = cached(metrics.metric_value)
    assert clue_count(engine, "clue_count", Q3, Scope.county()) == 9
    assert clue_count(engine, "clue_count", Q3, Scope.county()) == 9
    assert cache_stats()["hits"] == 1
    with engine.begin() as conn:  # what a load does: new rows, then a load batch
        conn.execute(insert(schema.clues).values(
            clue_id="C99", received_date=date(2024, 8, 8), clue_source="信访举报", township_code=A,
            problem_domain="其他", management_level="蓝", is_supervised=False, handling_status="在办", batch_id=2))
    assert clue_count(engine, "clue_count", Q3, Scope.county()) == 9  # rows alone: same data version
    add_batch(engine, "补报线索.xlsx", datetime(2024, 11, 17, 10, 0))
    assert clue_count(engine, "clue_count", Q3, Scope.county()) == 10


def test_the_scope_is_part_of_the_key(engine):
    value = cached(metrics.metric_value)
    assert value(engine, "clue_count", Q3, Scope.county()) == 9
    assert value(engine, "clue_count", Q3, Scope(role="乡镇", township_code=B)) == 2
    masked = cached(metrics.priority_clues)(engine, Q3, Scope(role="县领导"))
    shown = cached(metrics.priority_clues)(engine, Q3, Scope(role="纪委"))
    assert masked["reported_person_name"].tolist()[0] == "钱*"
    assert shown["reported_person_name"].tolist()[0] == "钱七"


def test_a_caller_editing_a_cached_frame_does_not_change_the_cache(engine):
    ranking = cached(metrics.quarterly_ranking)
    first = ranking(engine, Q3, Scope.county())
    first.loc[0, "township_name"] = "被改动"
    assert ranking(engine, Q3, Scope.county()).loc[0, "township_name"] == "柳溪乡"


def test_list_arguments_are_cached_too(engine):
    series = cached(metrics.metric_series)
    months = list(Q3.children())
    assert series(engine, "case_count", months, Scope.county())["value"].tolist() == [1, 1, 2]
    assert series(engine, "case_count", months, Scope.county())["value"].tolist() == [1, 1, 2]
    assert cache_stats()["hits"] == 1


def test_the_ranking_read_twice_is_read_once_and_a_new_load_changes_it(engine):
    # the ranking and the 建议约谈 check share each quarter's components through the cache
    proactive = lambda: metrics.quarterly_ranking(engine, Q3, Scope.county()).set_index(  # noqa: E731
        "township_code").loc[C, "proactive_discovery_rate"]
    assert proactive() == 0.0  # K04, 上级转办, is C's one case of the quarter
    with engine.begin() as conn:  # rows alone, no load batch: still the cached figures
        conn.execute(insert(schema.cases).values(
            case_id="K99", filed_date=date(2024, 9, 25), township_code=C, problem_domain="作风问题",
            discovery_method="主动发现", violation_type="违反工作纪律", people_count=1, recovered_funds_wan_yuan=0,
            is_typical=False, batch_id=2))
    assert proactive() == 0.0
    add_batch(engine, "补报案件.xlsx", datetime(2024, 11, 17, 10, 0))
    assert proactive() == 0.5
