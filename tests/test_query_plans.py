"""The indexes a read was written for are the ones SQLite takes.

SQLite's planner keeps no statistics here (the warehouse runs no ANALYZE), so the plan it picks for the
sample county is the plan it picks for 100 counties: a read that stops using its index shows here, where a
benchmark would only show it as a slower page. (PostgreSQL plans by its statistics: on the sample it scans
the small tables whatever the indexes, so its plans are checked in the benchmarks, docs/BENCHMARKS.md.)
"""

from __future__ import annotations

from metrics import clues
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


def test_the_prefectures_open_priority_clues_are_ranges_of_the_open_clues(sample_engine):
    """全市 (no place to narrow to): the same four branches, each an index range of the clues open on the day."""
    [plan] = _plans_of(sample_engine, lambda: clues.priority_clues(
        sample_engine, Scope(role="市级"), period=Period.parse("2024Q3"), first=1000), "management_level")
    searches = [line for line in plan.splitlines() if "clues USING" in line]
    assert len(searches) == 4 and all("ix_clues_level_open" in line or "ix_clues_supervised_open" in line
                                      for line in searches), plan
