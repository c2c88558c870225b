"""The metrics on PostgreSQL give the same figures as on SQLite (month buckets, dates, booleans, sums)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from metrics import cases, clues, kpis, places, rectification, satisfaction
from metrics.definitions import METRICS
from metrics.periods import Period
from metrics.ranking import quarterly_ranking
from metrics.scope import Scope
from tests.metrics_fixture import A, B, C, build_metrics_warehouse

pytestmark = pytest.mark.postgres

Q3 = Period.quarter(2024, 3)
AS_OF = date(2024, 9, 30)
COUNTY = Scope.county()


def _figures(engine) -> dict:
    return {
        "values": {name: kpis.metric_value(engine, COUNTY, metric=name, period=Q3) for name in METRICS},
        "months": clues.clue_trend(engine, COUNTY, periods=list(Q3.children())),
        "month_buckets": clues.clue_trend(engine, COUNTY, periods=list(Period.whole_year(2024).children()) + list(Q3.children())),
        "completion_series": kpis.metric_series(engine, COUNTY, metric="rectification_completion_rate", periods=list(Q3.children()) + [Q3]),
        "case_trend": cases.case_trend(engine, COUNTY, periods=list(Q3.children())),
        "overdue": rectification.overdue_items(engine, Scope(role="县领导"), as_of=AS_OF),
        "status": rectification.rectification_status_breakdown(engine, COUNTY, as_of=date(2024, 7, 1)),
        "ranking": quarterly_ranking(engine, COUNTY, quarter=Q3),
        "satisfaction": satisfaction.satisfaction_series(engine, COUNTY, periods=[Period.month(2024, 8), Period.whole_year(2024)]),
        "villages": places.village_table(engine, Scope(role="县领导"), township_code=A, period=Q3),
        "recent": clues.recent_activity(engine, COUNTY)["clues"],
        "items_of": rectification.rectification_items_of(engine, COUNTY, township_code=B, as_of=AS_OF),
        "q4_overdue": kpis.metric_value(engine, COUNTY, metric="overdue_count", period=Period.quarter(2024, 4)),
    }


def test_postgres_figures_equal_the_hand_worked_ones_and_sqlite(pg_engine, empty_engine):
    pg = _figures(build_metrics_warehouse(pg_engine))
    lite = _figures(build_metrics_warehouse(empty_engine))
    assert pg["values"]["clue_count"] == 9 and pg["values"]["people_handled"] == 7
    assert pg["values"]["recovered_funds"] == pytest.approx(47.75)
    assert pg["values"]["satisfaction_rate"] == pytest.approx(270 / 310)
    assert pg["values"]["on_time_completion_rate"] == pytest.approx(4 / 7)
    for name in METRICS:
        assert pg["values"][name] == pytest.approx(lite["values"][name]), name
    assert pg["months"]["clue_count"].tolist() == [3, 2, 4]
    assert pg["month_buckets"]["clue_count"].tolist() == [0, 3, 9, 2, 3, 2, 4]  # year_month on PostgreSQL
    assert pg["overdue"]["days_overdue"].tolist() == [20, 15, -5, -10]
    assert pg["overdue"]["warning"].tolist() == ["红", "红", "黄", "黄"]
    assert pg["ranking"]["township_code"].tolist() == [C, B, A]
    assert pg["ranking"]["suggest_interview"].tolist() == [False, False, True]
    assert pg["q4_overdue"] == 3
    for key in ("months", "month_buckets", "completion_series", "case_trend", "overdue", "status", "ranking", "satisfaction", "villages", "recent",
                "items_of"):
        pd.testing.assert_frame_equal(pg[key].reset_index(drop=True), lite[key].reset_index(drop=True),
                                      check_dtype=False, obj=key)
