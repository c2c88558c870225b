"""The summaries the pages read (metrics/summaries.py) give the same figures as the facts.

For every summarised measure, for the whole warehouse, the sample county and each of its
townships, for every month, quarter and year from 2022 to 2027 and the running periods cut at the
data's last day (with their 同比/环比 bases), for the whole scope and per township: the frame read
from the summaries equals the frame read from the facts, value for value. On the sample county
(loaded through the pipeline, so the load's own rebuild is what is compared), on SQLite and on a
real PostgreSQL; then after a correction load and its undo (撤销本批次), which rebuild them too.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from metrics.freshness import as_of_rule, data_as_of
from metrics.measures import AS_OF, DATED, MEASURES, SOURCES, measure_table
from metrics.periods import Period, PeriodToDate
from warehouse import schema

SUMMARISED = [m.name for m in MEASURES.values() if SOURCES[m.source].rule in (DATED, AS_OF)]
AS_OF_SUMMARISED = [name for name in SUMMARISED if SOURCES[MEASURES[name].source].rule == AS_OF]
YEARS = range(2022, 2028)


def _periods() -> list[Period]:
    periods = [Period("year", y) for y in YEARS]
    periods += [Period("quarter", y, q) for y in YEARS for q in range(1, 5)]
    periods += [Period("month", y, m) for y in YEARS for m in range(1, 13)]
    return periods


def _running(last_day: date) -> list[Period]:
    """The running month, quarter and year cut at the data's last day, and their cut 同比/环比 bases."""
    running = [Period.containing(g, last_day) for g in ("month", "quarter", "year")]
    running = [PeriodToDate(p.granularity, p.year, p.index, until=last_day) for p in running]
    return [p for period in running for p in (period, period.previous(), period.year_ago())]


def _places(conn) -> list[str | None]:
    townships = conn.execute(select(schema.townships.c.township_code).order_by(schema.townships.c.township_code))
    return [None, "990101", *townships.scalars()]


def assert_summaries_match_the_facts(engine) -> int:
    """Compare both ways for every place, grouping and period; return how many figures were compared."""
    compared = 0
    with engine.connect() as conn:
        last_day = data_as_of(conn)
        rule = as_of_rule(last_day)
        period_sets = [_periods(), *[[p] for p in _running(last_day)]]
        places = _places(conn)
        # per township and per county for the whole warehouse and the county (every township's row), then each
        # township alone as its 乡镇 user reads it
        cases = ([(place, ["township_code"]) for place in places[:2]] + [(place, ["county_code"]) for place in places[:2]]
                 + [(place, []) for place in places])
        for place, by in cases:
            for periods in period_sets:
                facts = measure_table(conn, SUMMARISED, periods, place, by=by, as_of_of=rule, from_summaries=False)
                summaries = measure_table(conn, SUMMARISED, periods, place, by=by, as_of_of=rule)
                pd.testing.assert_frame_equal(summaries, facts, check_exact=False, rtol=1e-12,
                                              obj=f"{place or '全部'} by={by} {[p.code for p in periods][:3]}…")
                compared += facts[SUMMARISED].size
        # per 问题来源 (the as-of measures only: summary_rectification_sources), for every place
        for place in places:
            for periods in period_sets:
                facts = measure_table(conn, AS_OF_SUMMARISED, periods, place, by=["issue_source"], as_of_of=rule,
                                      from_summaries=False)
                summaries = measure_table(conn, AS_OF_SUMMARISED, periods, place, by=["issue_source"], as_of_of=rule)
                pd.testing.assert_frame_equal(summaries, facts, obj=f"{place or '全部'} by 问题来源 "
                                                                    f"{[p.code for p in periods][:3]}…")
                compared += facts[AS_OF_SUMMARISED].size
    return compared + assert_arrivals_match_the_facts(engine) + assert_ranking_matches_the_measures(engine)


def assert_ranking_matches_the_measures(engine) -> int:
    """The ranking's components from ``summary_ranking`` equal those read from the other summaries, for every
    county and the prefecture (and its counties as a tuple, the 建议约谈 look-back's), each complete quarter alone
    and all of them at once, and the running quarter (never in the table) beside them; return how many figures."""
    from metrics.ranking import _ranking_components
    from metrics.scope import Scope
    from metrics.summaries import complete_quarters

    read = _ranking_components.uncached
    with engine.connect() as conn:
        quarters = complete_quarters(conn)
        counties = sorted(conn.execute(select(schema.counties.c.county_code)).scalars())
        held = {code for code in conn.execute(select(schema.summary_ranking.c.period_code).distinct()).scalars()}
        townships = conn.execute(select(func.count()).select_from(schema.townships)).scalar()
        rows = conn.execute(select(func.count()).select_from(schema.summary_ranking)).scalar()
        running = Period.containing("quarter", data_as_of(conn)) if data_as_of(conn) else None
    assert held == {q.code for q in quarters} and rows == townships * len(quarters)  # every township, each quarter
    scopes = [(Scope.county(county_code=code), None) for code in counties] + [
        (Scope(role="市级"), None), (Scope(role="市级"), tuple(counties[-1:]))]
    compared = 0
    for scope, within in scopes:
        for asked in [(q,) for q in quarters] + [tuple(quarters)] + ([(running, *quarters[-1:])] if running else []):
            both = [read(engine, scope, quarters=asked, counties=within, from_summaries=flag) for flag in (True, False)]
            assert both[0].keys() == both[1].keys()
            for code in both[0]:
                pd.testing.assert_frame_equal(both[0][code], both[1][code], obj=f"{scope.county_code} {code}")
                compared += both[0][code].size
    assert not quarters or compared > 0
    return compared


def assert_arrivals_match_the_facts(engine) -> int:
    """报送情况's arrivals from ``summary_arrivals`` equal those read from the facts, for every place and
    every month and survey quarter from 2022 to 2027; return how many were compared."""
    from metrics.reporting import first_arrivals

    codes = [p.code for p in _periods() if p.granularity == "month"]
    codes += [f"{y}Q{q}" for y in YEARS for q in range(1, 5)]
    compared = 0
    with engine.connect() as conn:
        for place in _places(conn):
            summary = first_arrivals(conn, place, codes)
            assert summary == first_arrivals(conn, place, codes, from_summary=False), place
            compared += len(summary)
    assert compared > 0
    return compared


def test_the_summaries_of_the_sample_equal_the_facts(sample_engine):
    compared = assert_summaries_match_the_facts(sample_engine)
    assert compared > 50_000
    with sample_engine.connect() as conn:  # and they are really there: the sample's 2024Q3 clue count, summed
        q3 = conn.execute(select(func.sum(schema.summary_periods.c.value)).where(
            schema.summary_periods.c.measure == "clue_count", schema.summary_periods.c.period_code == "2024Q3")).scalar()
    assert int(q3) == measure_table(sample_engine.connect(), ["clue_count"], [Period("quarter", 2024, 3)], None,
                                    from_summaries=False)["clue_count"].iloc[0]


def test_the_summaries_of_the_sample_equal_the_facts_on_postgresql(pg_engine):
    from tests.conftest import load_sample_into

    load_sample_into(str(pg_engine.url.render_as_string(hide_password=False)))
    assert assert_summaries_match_the_facts(pg_engine) > 50_000


def test_a_correction_and_its_undo_rebuild_the_summaries(county, tmp_path):
    """A clue corrected into another township and month, then the correction undone: the summaries follow."""
    from data_pipeline.batches import Actor, undo_batch
    from data_pipeline.load import load_paths
    from metrics.reporting import first_arrivals
    from tests.ledger_files import CLUE_HEADER, clue_row, write_xlsx

    folder, engine = county
    first = write_xlsx(folder / "线索.xlsx", {"线索": (CLUE_HEADER, [
        clue_row(1, "X-1", 受理日期="2025-03-02", 所属乡镇="城关街道", **{"所属村(社区)": "东门社区"}),
        clue_row(2, "X-2", 受理日期="2025-03-09", 所属乡镇="城关街道", **{"所属村(社区)": "东门社区"})])})
    assert all(r.committed for r in load_paths([first], engine))
    march, april = Period("month", 2025, 3), Period("month", 2025, 4)

    def clue_counts() -> dict:
        with engine.connect() as conn:
            table = measure_table(conn, ["clue_count"], [march, april], "990101", by=["township_code"])
            facts = measure_table(conn, ["clue_count"], [march, april], "990101", by=["township_code"],
                                  from_summaries=False)
        pd.testing.assert_frame_equal(table, facts)
        return {(r.period_code, r.township_code): r.clue_count for r in table.itertuples()}

    before = clue_counts()
    assert sum(before.values()) == 2
    correction = write_xlsx(tmp_path / "更正.xlsx", {"线索": (CLUE_HEADER, [clue_row(2, "X-2", 受理日期="2025-04-01")])})
    batch = load_paths([correction], engine)[0]
    assert batch.committed
    moved = clue_counts()
    assert sum(v for (period, _), v in moved.items() if period == "2025-04") == 1
    assert sum(v for (period, _), v in moved.items() if period == "2025-03") == 1
    with engine.connect() as conn:  # 报送情况: March's clues arrived with the first load, April's with the correction
        arrivals = first_arrivals(conn, "990101", ["2025-03", "2025-04"])
    assert {period for _town, kind, period in arrivals if kind == "clues"} == {"2025-03", "2025-04"}
    assert assert_arrivals_match_the_facts(engine) > 0
    undo_batch(engine, batch.batch_id, Actor(username="测试管理员", role="管理员"))
    assert clue_counts() == before
    with engine.connect() as conn:  # undone: April has no clue any more, March still its first load's
        arrivals = first_arrivals(conn, "990101", ["2025-03", "2025-04"])
    assert {period for _town, kind, period in arrivals if kind == "clues"} == {"2025-03"}
    assert assert_arrivals_match_the_facts(engine) > 0


@pytest.mark.parametrize("measure", sorted(m for m in SUMMARISED if SOURCES[MEASURES[m].source].rule == AS_OF))
def test_every_as_of_measure_is_summarised_on_each_of_its_days(sample_engine, measure):
    """Every day of 2025 (not only period ends): the as-of figures per township, per 问题来源 and per county (the
    county's own summary; a township's rows under its county), both ways."""
    with sample_engine.connect() as conn:
        days = pd.date_range("2025-01-01", "2025-12-31", freq="D").date
        months = [Period.containing("month", d) for d in days]
        for day, month in zip(days[::7], months[::7]):
            for by, place in ((["township_code"], "990101"), (["issue_source"], "990101"), (["county_code"], "990101"),
                              (["county_code"], None), (["county_code"], "990101203")):
                both = [measure_table(conn, [measure], [month], place, by=by,
                                      as_of_of=lambda _p, d=day: d, from_summaries=flag) for flag in (True, False)]
                pd.testing.assert_frame_equal(*both, obj=f"{measure} by {by} in {place} as of {day}")


def test_a_rebuild_of_every_county_at_once_and_of_one_give_the_same_summaries(empty_engine):
    """A province's file touches every county (one pass); a county's month touches one (a pass of its own)."""
    from metrics.summaries import rebuild_summaries
    from tests.metrics_fixture import add_second_county, build_metrics_warehouse

    engine = add_second_county(build_metrics_warehouse(empty_engine))

    def stored() -> dict:
        with engine.connect() as conn:
            return {t.name: sorted(map(tuple, conn.execute(select(t)).all())) for t in schema.SUMMARY_TABLES}

    built = stored()
    assert {code[:6] for _m, _p, code, _v in built["summary_periods"]} == {"990101", "990102"}
    with engine.begin() as conn:
        rebuild_summaries(conn, ["990101", "990102"])  # every county: the one pass
    assert stored() == built
    with engine.begin() as conn:
        rebuild_summaries(conn, ["990102"])  # one county: its pass, the other county's rows untouched
    assert stored() == built
    assert assert_summaries_match_the_facts(engine) > 1_000
    assert {code[:6] for code, _source, *_rest in built["summary_rectification_sources"]} == {"990101", "990102"}


def test_a_source_outside_the_vocabulary_stops_the_rebuild_and_leaves_the_summaries_as_they_were(empty_engine):
    """The by-source read seeks each township's sources of the vocabulary; an item of another source (the ledger's
    enum admits none, but a row changed by hand could) would silently drop out of 按问题来源: the rebuild refuses it."""
    from sqlalchemy import update

    from metrics.summaries import rebuild_summaries
    from tests.metrics_fixture import build_metrics_warehouse

    engine = build_metrics_warehouse(empty_engine)
    with engine.connect() as conn:
        before = sorted(map(tuple, conn.execute(select(schema.summary_rectification_sources)).all()))
    assert before
    with pytest.raises(RuntimeError, match="整改事项的问题来源不在词表中：手工改的来源"):
        with engine.begin() as conn:
            conn.execute(update(schema.rectification_items).values(issue_source="手工改的来源"))
            rebuild_summaries(conn, ["990101"])
    with engine.connect() as conn:
        assert sorted(map(tuple, conn.execute(select(schema.summary_rectification_sources)).all())) == before


def test_another_countys_later_load_completes_the_quarters_of_every_county_and_its_undo_takes_them_back(empty_engine):
    """summary_ranking holds the quarters that end by the data's last day, which any county's load moves: a load of
    the second county with a clue a year on completes four more quarters for the first county too (its rows written
    in that load, though none of its own rows changed), and taking the clue back leaves them nobody's again."""
    from sqlalchemy import delete, insert

    from metrics.summaries import complete_quarters, rebuild_summaries
    from tests.metrics_fixture import add_second_county, build_metrics_warehouse

    engine = add_second_county(build_metrics_warehouse(empty_engine))
    with engine.connect() as conn:
        before = [q.code for q in complete_quarters(conn)]
        clue = dict(conn.execute(select(schema.clues).where(schema.clues.c.township_code.startswith("990102"))
                                 .order_by(schema.clues.c.received_date.desc()).limit(1)).mappings().one())
    later = clue["received_date"].replace(year=clue["received_date"].year + 1)
    with engine.begin() as conn:
        conn.execute(insert(schema.clues).values({**clue, "clue_id": "LATER-1", "received_date": later}))
        rebuild_summaries(conn, ["990102"], tables=[schema.clues.name])
    with engine.connect() as conn:
        after = [q.code for q in complete_quarters(conn)]
        first_county = set(conn.execute(select(schema.summary_ranking.c.period_code)
                                        .where(schema.summary_ranking.c.township_code.startswith("990101"))).scalars())
    assert len(after) == len(before) + 4 and first_county == set(after)
    assert assert_ranking_matches_the_measures(engine) > 0
    with engine.begin() as conn:
        conn.execute(delete(schema.clues).where(schema.clues.c.clue_id == "LATER-1"))
        rebuild_summaries(conn, ["990102"], tables=[schema.clues.name])
    with engine.connect() as conn:
        assert set(conn.execute(select(schema.summary_ranking.c.period_code)).scalars()) == set(before)
    assert assert_ranking_matches_the_measures(engine) > 0
