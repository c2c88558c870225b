"""A period that is still running (the data ends inside it) is compared like with like.

The weekly meeting opens on the latest period that has data, usually one not yet over. Its
同比/环比 must compare the same number of days, and the quarterly ranking must not rank townships
on a quarter that has no survey yet.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from metrics import kpis
from metrics.periods import Period
from metrics.scope import Scope
from tests.app_helpers import figure_titled, metrics_shown, open_app, texts
from warehouse.schema import clues

SAMPLE_DATA_END = date(2026, 11, 15)


def _clues_received(engine, first: date, last: date) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(clues)
                            .where(clues.c.received_date.between(first, last))).scalar_one()


def test_a_running_quarter_has_bases_cut_to_the_same_days():
    running = Period.quarter(2026, 4).to_date(SAMPLE_DATA_END)
    assert (running.start, running.end) == (date(2026, 10, 1), date(2026, 11, 15))
    assert (running.year_ago().start, running.year_ago().end) == (date(2025, 10, 1), date(2025, 11, 15))
    assert (running.previous().start, running.previous().end) == (date(2026, 7, 1), date(2026, 8, 15))
    assert running != Period.quarter(2026, 4)  # never shares a cache entry with the whole quarter
    assert Period.quarter(2026, 3).to_date(SAMPLE_DATA_END) == Period.quarter(2026, 3)  # a finished one is itself


def test_clue_count_of_the_running_quarter_is_compared_with_the_same_46_days(sample_engine):
    tile = kpis.kpi(sample_engine, Scope.county(), metric="clue_count", period=Period.quarter(2026, 4))
    this_year = _clues_received(sample_engine, date(2026, 10, 1), date(2026, 11, 15))
    year_ago = _clues_received(sample_engine, date(2025, 10, 1), date(2025, 11, 15))
    whole_year_ago = _clues_received(sample_engine, date(2025, 10, 1), date(2025, 12, 31))
    assert (tile.value, tile.year_ago_value) == (this_year, year_ago)
    assert year_ago < whole_year_ago  # the cut matters: the whole quarter would overstate the fall
    assert tile.yoy_change == pytest.approx(this_year / year_ago - 1)


def test_a_finished_quarter_is_compared_with_whole_quarters(sample_engine):
    tile = kpis.kpi(sample_engine, Scope.county(), metric="clue_count", period=Period.quarter(2024, 3))
    assert tile.year_ago_value == _clues_received(sample_engine, date(2023, 7, 1), date(2023, 9, 30))
    assert tile.previous_value == _clues_received(sample_engine, date(2024, 4, 1), date(2024, 6, 30))


@pytest.fixture
def _sample_app(sample_db_url, monkeypatch, pages_registered_by_navigation):
    monkeypatch.setenv("DASHBOARD_DB_URL", sample_db_url)


def test_ranking_on_a_running_quarter_shows_the_last_complete_one(_sample_app):
    app = open_app("ranking", granularity="季", period="2026年第四季度")
    assert "排名显示最近一个完整季度：2026年第三季度" in texts(app)
    assert figure_titled(app, "2026年第三季度乡镇综合排名").data[0].type == "bar"


def test_overview_of_the_running_quarter_says_how_it_compares(_sample_app, sample_engine):
    app = open_app("overview", granularity="季", period="2026年第四季度")
    assert "同比、环比按相同天数比较（如去年同期为 2025-10-01 至 2025-11-15）" in texts(app)
    shown = metrics_shown(app)
    assert shown["线索数"] == f"{_clues_received(sample_engine, date(2026, 10, 1), date(2026, 11, 15))}件"
