"""The indexes a read was written for are the ones SQLite takes.

SQLite's planner keeps no statistics here (the warehouse runs no ANALYZE), so the plan it picks for the
sample county is the plan it picks for 100 counties: a read that stops using its index shows here, where a
benchmark would only show it as a slower page. (PostgreSQL plans by its statistics: on the sample it scans
the small tables whatever the indexes, so its plans are checked in the benchmarks, docs/BENCHMARKS.md.)
"""

from __future__ import annotations

from datetime import date

from metrics import clues, rectification
from metrics.periods import Period
from metrics.scope import Scope
from tests.statements import statements_run


def _plans_of(engine, call, marker: str) -> list[str]:
    """Run ``call()``; return the EXPLAIN QUERY PLAN lines of each statement it ran that contains ``marker``."""
    with statements_run(engine) as every:
        call()
    ran = [(statement, parameters) for statement, parameters in every if marker in statement]
    assert ran, f"no statement with {marker!r} ran"
    with engine.connect() as conn:
        return ["\n".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
                for statement, parameters in ran]


def test_a_countys_open_priority_clues_are_ranges_of_its_own_red_and_supervised_clues(sample_engine):
    """总览's 红色及挂牌督办线索 for a county: each of the four branches (红 or 挂牌, open or closed after the day) a
    range of ix_clues_level_township / ix_clues_supervised_township on the county's codes. Through
    ix_clues_level_open it read every county's red clues (at 100 counties, for a period two years back, nearly
    all 107,000 of them: 182 ms, against 5 ms). A township's are its own clues up to the day, whatever the level."""
    county = Scope(role="县领导", county_code="990101")
    for period in (Period.parse("2023Q1"), Period.parse("2024Q3")):
        [plan] = _plans_of(sample_engine, lambda p=period: clues.priority_clues(
            sample_engine, county, period=p, first=1000), "management_level")
        searches = [line for line in plan.splitlines() if "clues USING" in line]
        assert len(searches) == 4, plan
        assert sum("INDEX ix_clues_level_township (management_level=? AND township_code>? AND township_code<?)"
                   in line for line in searches) == 2, plan
        assert sum("INDEX ix_clues_supervised_township (is_supervised=? AND township_code>? AND township_code<?)"
                   in line for line in searches) == 2, plan
    [plan] = _plans_of(sample_engine, lambda: clues.priority_clues(
        sample_engine, Scope(role="乡镇", township_code="990101201"), period=Period.parse("2023Q1")), "management_level")
    assert [line for line in plan.splitlines() if "clues USING" in line] == [
        "SEARCH clues USING INDEX ix_clues_township_received (township_code=? AND received_date<?)"], plan


def test_the_prefectures_open_priority_clues_are_chosen_from_the_ranges_of_the_open_clues(sample_engine):
    """全市 (no place to narrow to): the same four branches, each an index range of the clues open on the day that
    holds what the list is ordered by, so the first clues are chosen from the indexes alone and only the listed
    clues' rows are read, by their ids (migration 0016: at 100 counties, sorting the rows of 10,600 clues to list
    1,000 took 42 ms on SQLite, 21 ms from the indexes)."""
    [plan] = _plans_of(sample_engine, lambda: clues.priority_clues(
        sample_engine, Scope(role="市级"), period=Period.parse("2024Q3"), first=1000), "management_level")
    searches = [line for line in plan.splitlines() if "clues USING" in line]
    assert sorted(searches) == sorted([
        "SEARCH clues USING COVERING INDEX ix_clues_level_open (management_level=? AND handling_status=?)",
        "SEARCH clues USING COVERING INDEX ix_clues_level_open "
        "(management_level=? AND handling_status=? AND closed_date>?)",
        "SEARCH clues USING COVERING INDEX ix_clues_supervised_open (is_supervised=? AND handling_status=?)",
        "SEARCH clues USING COVERING INDEX ix_clues_supervised_open "
        "(is_supervised=? AND handling_status=? AND closed_date>?)",
        "SEARCH clues USING INDEX sqlite_autoindex_clues_1 (clue_id=?)"]), plan


def test_the_prefectures_overdue_items_are_chosen_from_the_ranges_of_the_open_items(sample_engine):
    """整改推进's 逾期及临期整改事项 for 全市: the items open on the day as three ranges of ix_rect_status_completed
    (``metrics.measures.open_as_of``), which holds the deadline and the item id, so the first items are chosen
    from the index alone and only the listed items' rows are read. A county's list is its townships' range."""
    [plan] = _plans_of(sample_engine, lambda: rectification.overdue_items(
        sample_engine, Scope(role="市级"), as_of=date(2024, 9, 30), first=1000), "deadline_date")
    searches = [line for line in plan.splitlines() if "rectification_items USING" in line]
    assert len(searches) == 4, plan
    assert sum("USING COVERING INDEX ix_rect_status_completed (rectification_status=?" in line
               for line in searches) == 3, plan
    assert "SEARCH rectification_items USING INDEX sqlite_autoindex_rectification_items_1 (item_id=?)" in searches
    [plan] = _plans_of(sample_engine, lambda: rectification.overdue_items(
        sample_engine, Scope(role="县领导", county_code="990101"), as_of=date(2024, 9, 30), first=1000), "deadline_date")
    assert [line for line in plan.splitlines() if "rectification_items USING" in line] == [
        "SEARCH rectification_items USING INDEX ix_rect_township_feedback (township_code>? AND township_code<?)"], plan


def test_no_index_of_the_items_starts_with_the_deadline():
    """PostgreSQL estimated ten times the open items due by the horizon (the items not completed are mostly the
    recent ones, due later) and walked an index that started with the deadline, in order, for the overdue list's
    LIMIT: at 100 counties it read 217,000 items to list 1,000 (160 ms; 37 ms by the open items' ranges). Its
    plans follow its statistics, which the sample county cannot reproduce, so the index itself must not return."""
    from warehouse.schema import rectification_items

    assert [index.name for index in rectification_items.indexes
            if next(iter(index.columns)).name == "deadline_date"] == []
