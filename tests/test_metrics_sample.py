"""The sample county, loaded through the real pipeline, reads docs/DOMAIN.md's seed figures through the metrics."""

from __future__ import annotations

import pytest

from metrics import freshness, kpis, places
from metrics.definitions import format_value
from metrics.periods import Period, periods_between
from metrics.ranking import interview_flags, quarterly_ranking
from metrics.scope import Scope

COUNTY = Scope.county()
YEARS = (Period.whole_year(2023), Period.whole_year(2024))


def _total(engine, name):
    return sum(kpis.metric_value(engine, COUNTY, metric=name, period=year) for year in YEARS)


def test_seed_figures_of_2023_2024(sample_engine):
    assert _total(sample_engine, "case_count") == 126
    assert _total(sample_engine, "people_handled") == 152
    assert round(_total(sample_engine, "recovered_funds"), 2) == 873.46
    assert _total(sample_engine, "supervised_clue_count") == 32
    y2024 = Period.whole_year(2024)
    assert kpis.metric_value(sample_engine, COUNTY, metric="platform_problems", period=y2024) == 217
    awareness = kpis.metric_value(sample_engine, COUNTY, metric="awareness_rate", period=y2024)
    assert format_value("awareness_rate", awareness) == "38.0%"


def test_county_satisfaction_of_the_seed_quarters(sample_engine):
    first = kpis.kpi(sample_engine, COUNTY, metric="satisfaction_rate", period=Period.quarter(2023, 1))
    last = kpis.kpi(sample_engine, COUNTY, metric="satisfaction_rate", period=Period.quarter(2024, 4))
    assert (first.formatted_value, last.formatted_value) == ("82.3%", "93.6%")


def test_the_sample_flags_an_interview_somewhere(sample_engine):
    quarters = periods_between("quarter", Period.quarter(2023, 2).start, Period.quarter(2026, 3).end)
    flagged = [q for q in quarters if quarterly_ranking(sample_engine, COUNTY, quarter=q)["suggest_interview"].any()]
    assert flagged
    first = flagged[0]
    flags = interview_flags(sample_engine, COUNTY, quarter=first)
    ranking = quarterly_ranking(sample_engine, COUNTY, quarter=first)
    assert flags["township_code"].tolist() == ranking.loc[ranking["suggest_interview"], "township_code"].tolist()
    assert len(ranking) == 12 and ranking["rank"].tolist() == list(range(1, 13))


def test_the_filters_default_to_the_datas_last_period(sample_engine):
    assert freshness.latest_period(sample_engine, Scope.county(), granularity="month") == Period.month(2026, 11)
    assert freshness.available_years(sample_engine, Scope.county()) == [2023, 2024, 2025, 2026]
    assert places.county_name(sample_engine, Scope.county()) == "示范县"
    assert len(places.township_options(sample_engine, COUNTY)) == 12


ONLY_COMPLETION = ('{"rectification_completion_rate": 100, "on_time_completion_rate": 0, "satisfaction_rate": 0, '
                   '"proactive_discovery_rate": 0}')


@pytest.mark.parametrize("weights, longest_run", [(None, 2), (ONLY_COMPLETION, 8)], ids=["published", "completion"])
def test_every_quarters_interview_flag_is_the_run_of_its_last_township(sample_engine, monkeypatch, weights,
                                                                       longest_run):
    """建议约谈 reads its look-back in two pieces (the quarter with the one before, then the rest, up to eight
    quarters); the run it reports is the one found by ranking each quarter on its own and walking back while
    the last township stays the same. Ranked by 整改完成率 alone, 高坪乡 is last from 2024Q4 to 2026Q4 (nine
    quarters): the run crosses into the second read and stops at the eight-quarter cap."""
    if weights:
        monkeypatch.setenv("DASHBOARD_RANKING_WEIGHTS", weights)
    quarters = periods_between("quarter", Period.quarter(2023, 1).start, Period.quarter(2026, 4).end)
    last = {}
    for quarter in quarters:
        ranking = quarterly_ranking(sample_engine, COUNTY, quarter=quarter)
        last[quarter] = ranking.loc[ranking["is_last"], "township_code"].tolist()
    runs = []
    for quarter in quarters:
        run = [quarter]
        while len(run) < 8 and last.get(run[-1].previous()) == last[quarter]:
            run.append(run[-1].previous())
        flags = interview_flags(sample_engine, COUNTY, quarter=quarter)
        if len(run) >= 2:
            runs.append(len(run))
            assert flags["township_code"].tolist() == last[quarter], quarter
            assert flags["quarters"].tolist() == ["、".join(p.label for p in reversed(run))], quarter
            assert flags["quarter_count"].tolist() == [len(run)], quarter
        else:
            assert flags.empty, quarter
    assert max(runs) == longest_run
