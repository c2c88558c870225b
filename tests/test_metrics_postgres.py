"""The metrics on PostgreSQL give the same figures as on SQLite (month buckets, dates, booleans, sums)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import metrics
from metrics import METRICS, Period, Scope
from tests.metrics_fixture import A, B, C, build_metrics_warehouse

pytestmark = pytest.mark.postgres

Q3 = Period.quarter(2024, 3)
AS_OF = date(2024, 9, 30)
COUNTY = Scope.county()


def _figures(engine) -> dict:
    return {
        "values": {name: metrics.metric_value(engine, name, Q3, COUNTY) for name in METRICS},
        "months": metrics.clue_trend(engine, list(Q3.children()), COUNTY),
        "month_buckets": metrics.clue_trend(engine, list(Period.whole_year(2024).children()) + list(Q3.children()), COUNTY),
        "completion_series": metrics.metric_series(engine, "rectification_completion_rate", list(Q3.children()) + [Q3], COUNTY),
        "case_trend": metrics.case_trend(engine, list(Q3.children()), COUNTY),
        "overdue": metrics.overdue_items(engine, AS_OF, Scope(role="县领导")),
        "status": metrics.rectification_status_breakdown(engine, date(2024, 7, 1), COUNTY),
        "ranking": metrics.quarterly_ranking(engine, Q3, COUNTY),
        "satisfaction": metrics.satisfaction_series(engine, [Period.month(2024, 8), Period.whole_year(2024)], COUNTY),
        "villages": metrics.village_table(engine, A, Q3, Scope(role="县领导")),
        "recent": metrics.recent_activity(engine, COUNTY)["clues"],
        "items_of": metrics.rectification_items_of(engine, B, AS_OF, COUNTY),
        "q4_overdue": metrics.metric_value(engine, "overdue_count", Period.quarter(2024, 4), COUNTY),
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
