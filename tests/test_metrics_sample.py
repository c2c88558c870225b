"""The sample county, loaded through the real pipeline, reads DOMAIN.md's seed figures through the metrics."""

from __future__ import annotations

import metrics
from metrics import Period, Scope

COUNTY = Scope.county()
YEARS = (Period.whole_year(2023), Period.whole_year(2024))


def _total(engine, name):
    return sum(metrics.metric_value(engine, name, year, COUNTY) for year in YEARS)


def test_seed_figures_of_2023_2024(sample_engine):
    assert _total(sample_engine, "case_count") == 126
    assert _total(sample_engine, "people_handled") == 152
    assert 870 <= _total(sample_engine, "recovered_funds") <= 880
    assert _total(sample_engine, "supervised_clue_count") == 32
    y2024 = Period.whole_year(2024)
    assert metrics.metric_value(sample_engine, "platform_problems", y2024, COUNTY) == 217
    assert metrics.format_value("awareness_rate", metrics.metric_value(sample_engine, "awareness_rate", y2024, COUNTY)) == "38.0%"


def test_county_satisfaction_of_the_seed_quarters(sample_engine):
    first = metrics.kpi(sample_engine, "satisfaction_rate", Period.quarter(2023, 1), COUNTY)
    last = metrics.kpi(sample_engine, "satisfaction_rate", Period.quarter(2024, 4), COUNTY)
    assert (first.formatted_value, last.formatted_value) == ("82.3%", "93.6%")


def test_the_sample_flags_an_interview_somewhere(sample_engine):
    quarters = metrics.periods_between("quarter", Period.quarter(2023, 2).start, Period.quarter(2026, 3).end)
    flagged = [q for q in quarters if metrics.quarterly_ranking(sample_engine, q, COUNTY)["suggest_interview"].any()]
    assert flagged
    first = flagged[0]
    flags = metrics.interview_flags(sample_engine, first, COUNTY)
    ranking = metrics.quarterly_ranking(sample_engine, first, COUNTY)
    assert flags["township_code"].tolist() == ranking.loc[ranking["suggest_interview"], "township_code"].tolist()
    assert len(ranking) == 12 and ranking["rank"].tolist() == list(range(1, 13))


def test_the_filters_default_to_the_datas_last_period(sample_engine):
    assert metrics.latest_period(sample_engine, "month") == Period.month(2026, 11)
    assert metrics.available_years(sample_engine) == [2023, 2024, 2025, 2026]
    assert metrics.county_name(sample_engine) == "示范县"
    assert len(metrics.township_options(sample_engine, COUNTY)) == 12
