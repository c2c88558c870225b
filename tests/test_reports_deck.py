"""The weekly meeting deck: 16:9, the month's KPI figures as the metrics give them, East-Asian fonts, charts."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn

from metrics import clues, kpis
from metrics.periods import Period
from metrics.scope import Scope
from reports.deck import KPI_NAMES, build_deck, slide_is_16_9
from warehouse.engine import get_engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEEK_ENDING = date(2024, 9, 27)


@pytest.fixture(scope="module")
def deck_db_url(request, tmp_path_factory) -> str:
    """A private copy of the sample warehouse (the deck command writes an audit row)."""
    if (PROJECT_ROOT / "sample_data" / "ledgers").exists():
        source = Path(request.getfixturevalue("sample_db_url").removeprefix("sqlite:///"))
    else:  # the committed sample is not there yet: generate it through the real pipeline
        from data_pipeline.load import load_paths
        from data_pipeline.sample import write_sample

        folder = tmp_path_factory.mktemp("deck_sample")
        write_sample(folder)
        source = folder / "warehouse.sqlite"
        assert all(r.committed for r in load_paths([folder / "ledgers"], get_engine(f"sqlite:///{source}")))
    target = tmp_path_factory.mktemp("deck") / "warehouse.sqlite"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def deck(deck_db_url):
    data = build_deck(get_engine(deck_db_url), WEEK_ENDING, Scope.county(user_name="赵书记", role="县领导"))
    return Presentation(io.BytesIO(data))


def slide_texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def test_the_deck_is_16_to_9(deck):
    assert slide_is_16_9(deck.slide_width, deck.slide_height)
    assert round(deck.slide_width / 914400, 2) == 13.33


def test_the_kpi_slide_shows_the_months_figures_from_the_metrics(deck, deck_db_url):
    engine = get_engine(deck_db_url)
    month = Period.containing("month", WEEK_ENDING)
    tiles = kpis.kpi_tiles(engine, Scope.county(user_name="赵书记", role="县领导"), period=month, metrics=KPI_NAMES)
    kpi_slide = deck.slides[1]
    texts = "\n".join(slide_texts(kpi_slide))
    assert "主要指标（2024年9月）" in texts
    for kpi in tiles:
        assert f"{kpi.metric.label}\n{kpi.formatted_value}\n同比 {kpi.formatted_yoy}" in texts
    clue_tile = next(k for k in tiles if k.metric.name == "clue_count")
    assert clue_tile.value == 51  # the sample's clues received in September 2024


def test_the_key_charts_are_pictures_and_every_run_has_the_east_asian_font(deck):
    pictures = [shape for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) == 2  # 逾期整改 by township, the quarter's ranking
    runs = [r for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
            for p in shape.text_frame.paragraphs for r in p.runs if r.text]
    assert runs
    for run in runs:
        ea = run._r.rPr.find(qn("a:ea"))
        assert ea is not None and ea.get("typeface"), run.text


def test_the_deck_command_writes_a_pptx(deck_db_url, tmp_path):
    out = tmp_path / "周调度会.pptx"
    completed = subprocess.run(
        [sys.executable, "-m", "reports", "deck", "--week-ending", "2024-09-27", "--out", str(out),
         "--db", deck_db_url],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180,
    )
    assert completed.returncode == 0, completed.stderr
    assert len(Presentation(str(out)).slides) == 5


@pytest.fixture(scope="module", autouse=True)
def _stop_browser_after_module():
    yield
    from reports.png import renderer

    renderer().stop()


def test_the_recent_days_line_says_which_days_it_counts(deck, deck_db_url):
    recent = clues.recent_activity(get_engine(deck_db_url), Scope.county(user_name="赵书记", role="县领导"), days=7)
    texts = "\n".join(slide_texts(deck.slides[1]))
    counts = f"线索 {recent['new_clues']}件，立案 {recent['new_cases']}件"
    assert recent["as_of"] == date(2026, 11, 15)  # the sample's last day, past the chosen week
    assert f"数据最近7天新增（截至 {recent['as_of'].isoformat()}，晚于所选周）：{counts}" in texts


def test_the_ranking_slide_reads_the_latest_complete_quarter_as_the_pages_do(deck):
    """The week ending 2024-09-27 is inside 2024Q3, whose survey is not in yet: 总览 and 季度排名 read 2024Q2 then,
    and so does the deck (it used to rank the running quarter, every township's 满意率 missing)."""
    titles = [slide_texts(slide)[0] for slide in deck.slides]
    assert titles[3] == "2024年第二季度各乡镇综合得分排名"
    assert "建议约谈乡镇（2024年第二季度）" in "\n".join(slide_texts(deck.slides[4]))


@pytest.fixture(scope="module")
def prefecture_db_url(deck_db_url, tmp_path_factory) -> str:
    """The deck's sample warehouse with a second county copied from the first (a prefecture of two)."""
    from tests.metrics_fixture import add_second_county

    target = tmp_path_factory.mktemp("prefecture_deck") / "warehouse.sqlite"
    with sqlite3.connect(deck_db_url.removeprefix("sqlite:///")) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    add_second_county(get_engine(f"sqlite:///{target}"))
    return f"sqlite:///{target}"


def test_a_prefecture_users_deck_compares_the_counties_and_lists_each_countys_interview_flag(prefecture_db_url):
    """全市's deck: the counties' charts (1,200 townships' bars made an unreadable slide) and 建议约谈 as one paragraph."""
    from metrics.ranking import county_comparison, interview_flags
    from metrics.rectification import rectification_by_county
    from reports.deck import _prefecture_charts, deck_figures

    engine = get_engine(prefecture_db_url)
    prefecture = Scope(user_name="市纪委", role="市级")
    week_ending = date(2024, 10, 4)  # past 2024Q3's end: the deck ranks 2024Q3
    deck = Presentation(io.BytesIO(build_deck(engine, week_ending, prefecture)))
    titles = [slide_texts(slide)[0] for slide in deck.slides]
    assert titles[2:4] == ["逾期整改事项最多的2个县", "2024年第三季度综合得分最低的2个县"]
    flags = interview_flags(engine, prefecture, quarter=Period.quarter(2024, 3))
    assert flags["township_name"].tolist() == ["示范县·柳河乡", "邻县·邻县柳河乡"]
    priority = clues.priority_clues(engine, prefecture, period=Period.month(2024, 10))
    assert slide_texts(deck.slides[4])[2] == (  # the title, the footer, then the slide's text
        "建议约谈乡镇（2024年第三季度）\n2个县各有乡镇连续两个季度在本县综合排名末位，建议约谈主要负责人：\n"
        f"示范县·柳河乡（2个季度）、邻县·邻县柳河乡（2个季度）\n在办红色及挂牌督办线索（2024年10月受理）：{len(priority)}件")

    figures = deck_figures(engine, week_ending, prefecture)
    (_, overdue), (_, scores) = _prefecture_charts(engine, prefecture, figures)
    by_county = rectification_by_county(engine, prefecture, as_of=figures.as_of)
    assert list(overdue.data[0].y) == ["示范县", "邻县"]  # equal counts: code order
    assert list(overdue.data[0].x) == by_county["overdue_items"].astype(float).tolist() and by_county[
        "overdue_items"].gt(0).all()
    compared = county_comparison(engine, prefecture, quarter=Period.quarter(2024, 3))
    assert list(scores.data[0].x) == compared["score"].round(1).tolist()
