"""The frame: navigation, the global filters bound to the URL, the default period, meeting mode (AppTest)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.app_helpers import figure_titled, metrics_shown, open_app, texts
from ui.frame import MEETING_AGENDA, NAVIGATION, PAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _navigation(pages_registered_by_navigation):
    pass


@pytest.fixture
def on_sample(sample_db_url, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB_URL", sample_db_url)


def test_navigation_groups_the_pages_with_chinese_titles_ascii_files_and_no_icons():
    assert {section: [PAGES[p][0] for p in ids] for section, ids in NAVIGATION.items()} == {
        "会议总览": ["总览"],
        "专题分析": ["案件统计", "整改推进", "满意度", "季度排名", "线索热力图"],
        "通报与导出": ["季通报"],
        "数据报送": ["数据报送"],  # 管理员 and 乡镇 (PAGE_ROLES)
        "系统管理": ["用户管理", "审计日志"],  # the 管理员's only (PAGE_ROLES)
    }
    for _title, path in PAGES.values():
        assert path.isascii() and (PROJECT_ROOT / path).exists()
    emoji = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")  # no emoji font on the intranet machines
    sources = [PROJECT_ROOT / "dashboard.py", *(PROJECT_ROOT / "ui").glob("*.py"), *(PROJECT_ROOT / "charts").glob("*.py"),
               *(PROJECT_ROOT / PAGES[p][1] for p in ("overview", "cases", "rectification", "satisfaction", "ranking"))]
    for source in sources:
        code = source.read_text(encoding="utf-8")
        assert not re.search(r"[\"']:material/", code), source  # an icon fetches its font from a CDN
        assert not emoji.search(code), source
        for call in ast.walk(ast.parse(code)):
            if isinstance(call, ast.Call) and getattr(call.func, "attr", "") in ("Page", "set_page_config"):
                assert "icon" not in {k.arg for k in call.keywords} and "page_icon" not in {k.arg for k in call.keywords}


def test_the_period_defaults_to_the_latest_period_with_data_not_the_wall_clock(tmp_path, monkeypatch):
    from tests.metrics_fixture import build_metrics_warehouse
    from warehouse.engine import get_engine

    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    build_metrics_warehouse(get_engine(url))  # its data ends on 2024-11-15
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    app = open_app()
    assert app.sidebar.selectbox(key="period").value == "2024Q4"
    assert app.sidebar.selectbox(key="period").format_func("2024Q4") == "2024年第四季度"
    app.sidebar.button_group(key="granularity").set_value("month").run()
    assert app.sidebar.selectbox(key="period").value == "2024-11"


def test_a_link_with_filters_reopens_the_same_view(on_sample):
    app = open_app("cases", granularity="月", period="2024年5月", township="柳河乡")
    assert app.sidebar.button_group(key="granularity").value == "month"
    assert app.sidebar.selectbox(key="period").value == "2024-05"
    assert app.sidebar.selectbox(key="township").value == "柳河乡"
    assert "柳河乡 · 2024年5月" in texts(app)
    trend = figure_titled(app, "立案数趋势（2023年6月至2024年5月）")
    assert list(trend.data[0].x)[-1] == "2024年5月"


def test_a_satisfaction_link_reopens_the_quarter_it_names(on_sample):
    # the browser writes a changed filter into the URL (tests/test_browser_pages.py); this is the reopening
    app = open_app("satisfaction", granularity="季", period="2023年第一季度")
    assert app.sidebar.selectbox(key="period").value == "2023Q1"
    assert metrics_shown(app)["满意率"] == "82.3%"
    assert "全县 · 2023年第一季度" in texts(app)


def test_a_link_with_an_unknown_period_falls_back_to_the_latest(on_sample):
    app = open_app("cases", granularity="季", period="2031年第一季度")
    assert app.sidebar.selectbox(key="period").value == "2026Q4"
    assert not app.exception


def test_changing_the_granularity_keeps_the_period_meaningful(on_sample):
    app = open_app("cases", granularity="季", period="2024年第三季度")
    app.sidebar.button_group(key="granularity").set_value("year").run()
    assert app.sidebar.selectbox(key="period").value == "2024"
    app.sidebar.button_group(key="granularity").set_value("month").run()
    assert app.sidebar.selectbox(key="period").value == "2024-12"


def test_the_filters_survive_a_page_switch(on_sample):
    app = open_app("cases", granularity="年", period="2023年")
    app.switch_page("pages/rectification.py").run()
    assert not app.exception
    assert app.sidebar.selectbox(key="period").value == "2023"
    assert "截至 2023-12-31" in texts(app)


def test_meeting_mode_hides_the_sidebar_and_steps_through_the_agenda(on_sample):
    app = open_app(meeting="1")
    assert any('[data-testid="stSidebar"]' in h.proto.body and "display: none" in h.proto.body
               for h in app.get("html"))
    seen = [app.title[0].value]
    for _ in range(len(MEETING_AGENDA) - 1):
        next_button = app.button(key="meeting_next")
        next_button.click().run()
        assert not app.exception, [e.value for e in app.exception]
        seen.append(app.title[0].value)
        assert app.query_params.get("meeting") in ("1", ["1"])
    assert seen == [PAGES[p][0] for p in MEETING_AGENDA]
    assert seen == ["总览", "整改推进", "案件统计", "满意度", "季度排名", "线索热力图"]


def test_meeting_mode_masks_names_even_for_the_commission_that_may_see_them(on_sample):
    def names(app):
        tables = [t.value for t in app.dataframe if "被反映人" in t.value.columns]
        return [name for table in tables for name in table["被反映人"]]

    shown = names(open_app("overview", granularity="季", period="2024年第三季度"))  # 纪委, at a desk
    projected = names(open_app("overview", granularity="季", period="2024年第三季度", meeting="1"))
    assert shown and len(shown) == len(projected)
    assert not any("*" in n for n in shown)
    assert all(p == s[0] + "*" * (len(s) - 1) for p, s in zip(projected, shown))


def test_meeting_mode_lays_a_faint_watermark_with_the_signed_in_user_over_the_screen(on_sample):
    projected = open_app("overview", meeting="1")
    (mark,) = [h.proto.body for h in projected.get("html") if "meeting-watermark" in h.proto.body]
    assert "内部资料 注意保密" in mark and "测试纪委" in mark and "pointer-events:none" in mark
    assert not any("meeting-watermark" in h.proto.body for h in open_app("overview").get("html"))


def test_leaving_meeting_mode_brings_the_sidebar_back(on_sample):
    app = open_app("overview", meeting="1")
    app.button(key="meeting_exit").click().run()
    assert not any("display: none" in h.proto.body for h in app.get("html"))
    assert "meeting" not in app.query_params
    assert all(b.key != "meeting_next" for b in app.button)


@pytest.mark.parametrize("page", ["overview", "cases", "rectification", "satisfaction", "ranking"])
def test_every_page_runs_on_an_empty_warehouse_and_says_nothing_is_loaded(tmp_path, monkeypatch, page):
    monkeypatch.setenv("DASHBOARD_DB_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    app = open_app(page)
    assert "尚未导入任何台账" in texts(app)
    assert all(value in ("—", "0件", "0人", "0.00万元") for value in metrics_shown(app).values())


def test_a_prefecture_user_has_a_county_selector_and_the_ranking_compares_counties(sample_db_url, monkeypatch,
                                                                                   pages_registered_by_navigation):
    from tests.app_helpers import figure_titled, open_app

    monkeypatch.setenv("DASHBOARD_DB_URL", sample_db_url)
    app = open_app("ranking", role="市级", granularity="季", period="2024年第三季度")
    county = app.sidebar.selectbox(key="county")
    assert county.options == ["全市", "示范县"] and county.value == "全市"
    assert "示范县正风反腐数据看板" in "".join(str(m.value) for m in app.sidebar.markdown)  # one county stored
    assert "2024年第三季度各县对比" in [h.value for h in app.subheader]
    compared = next(d.value for d in app.dataframe if "县（市、区）" in d.value.columns)
    assert compared["县（市、区）"].tolist() == ["示范县"]
    county.select("示范县").run()
    assert not app.exception and "2024年第三季度各县对比" not in [h.value for h in app.subheader]
    assert figure_titled(app, "2024年第三季度乡镇综合排名")  # one county: its townships' chart, as a county user's


def _sidebar_title(app) -> str:
    return next(str(m.value) for m in app.sidebar.markdown if "正风反腐数据看板" in str(m.value))


def _labels_read(app) -> str:
    """Every text of the page and the sidebar, and every choice of every selectbox and button."""
    return "\n".join([texts(app), *(str(m.value) for m in app.sidebar.markdown),
                      *(f"{s.label}{s.options}" for s in app.get("selectbox")), *(b.label for b in app.button)])


def test_a_prefecture_user_with_no_county_chosen_reads_the_whole_prefecture_as_全市(on_writable_sample):
    from reports.archive import archive_bulletin
    from tests.metrics_fixture import add_second_county
    from warehouse.engine import get_engine

    add_second_county(get_engine(on_writable_sample))
    archive_bulletin(get_engine(on_writable_sample), data=b"docx", generated_by="王纪检", quarter_label="2024Q3",
                     township_code=None, file_name="邻县季通报_2024Q3.docx", county_code="990102")
    app = open_app("overview", role="市级", granularity="季", period="2024年第三季度")
    township = app.sidebar.selectbox(key="township")
    assert _sidebar_title(app) == "### 全市正风反腐数据看板"
    assert township.options[0] == "全市" and township.value == "全市"
    assert "**全市 · 2024年第三季度**" in texts(app) and "全县" not in _labels_read(app)
    for page in ("cases", "rectification", "satisfaction", "ranking", "heatmap", "bulletin"):
        app.switch_page(PAGES[page][1]).run()
        assert not app.exception, [e.value for e in app.exception]
        assert "全县" not in _labels_read(app), page
    assert app.selectbox(key="bulletin_township").options[0] == "全市"
    app.switch_page(PAGES["heatmap"][1]).run()  # the map's drilldown offers the sidebar's names: a choice is one there
    drill = app.selectbox(key="heatmap_township")
    assert drill.options[0] == "全市" and "邻县·邻县青石镇" in drill.options and "邻县青石镇" not in drill.options
    drill.select("邻县·邻县青石镇").run()
    assert app.sidebar.selectbox(key="township").value == "邻县·邻县青石镇" and not app.exception
    app.switch_page(PAGES["bulletin"][1]).run()
    assert "**2024年第三季度·邻县**" in texts(app)  # a county-wide bulletin in the archive names its county
    app.switch_page(PAGES["overview"][1]).run()
    township = app.sidebar.selectbox(key="township")  # each township named with its county, as the lists name it
    assert "邻县·邻县青石镇" in township.options and "示范县·青石镇" in township.options
    township.select("邻县·邻县青石镇").run()  # a township of either county, then back up
    assert "**邻县·邻县青石镇 · 2024年第三季度**" in texts(app)
    app.button(key="overview_back_to_county").click().run()
    assert app.sidebar.selectbox(key="township").value == "全市"

    app.sidebar.selectbox(key="county").select("示范县").run()  # one county chosen: its name, and 全县 as ever
    assert not app.exception, [e.value for e in app.exception]
    township = app.sidebar.selectbox(key="township")
    assert _sidebar_title(app) == "### 示范县正风反腐数据看板"
    assert township.options[0] == "全县" and township.value == "全县" and "邻县青石镇" not in township.options
    assert "**全县 · 2024年第三季度**" in texts(app) and "全市" not in texts(app)


def test_a_prefectures_name_set_in_the_settings_titles_a_prefecture_users_sidebar(on_writable_sample, monkeypatch):
    monkeypatch.setenv("DASHBOARD_PREFECTURE_NAME", "示范市")
    app = open_app("overview", role="市级")  # one county stored: the prefecture's name all the same
    assert _sidebar_title(app) == "### 示范市正风反腐数据看板"
    assert app.sidebar.selectbox(key="township").options[0] == "全市"
    county = open_app("overview", role="县领导")  # a county's users: unchanged
    assert _sidebar_title(county) == "### 示范县正风反腐数据看板"
    assert county.sidebar.selectbox(key="township").options[0] == "全县"


def test_a_prefecture_users_全市_charts_compare_the_counties_and_a_click_chooses_one(on_writable_sample):
    import datetime as dt

    from charts.theme import format_percent
    from metrics import kpis, rectification, satisfaction
    from metrics.periods import Period
    from metrics.ranking import quarterly_ranking
    from metrics.reporting import reporting_status
    from metrics.scope import Scope
    from reports.labels import COLUMN_LABELS
    from tests.app_helpers import figure_titled, figures, numbers
    from tests.metrics_fixture import add_second_county
    from ui.components import drill_to_county
    from warehouse.engine import get_engine

    OVERDUE_HEADER = COLUMN_LABELS["overdue_items"]  # noqa: N806
    engine = add_second_county(get_engine(on_writable_sample))
    towns = rectification.rectification_by_township(engine, Scope(role="市级"), as_of=dt.date(2024, 9, 30))
    overdue = towns.groupby(towns["township_code"].str[:6])["overdue_items"].sum()
    assert overdue["990101"] == overdue["990102"] > 0  # the second county is a copy of the first
    app = open_app("overview", role="市级", granularity="季", period="2024年第三季度")
    chart = figure_titled(app, "各县逾期整改事项")
    assert sorted(chart.data[0].y) == ["示范县", "邻县"] and numbers(chart.data[0].x) == [overdue["990101"]] * 2
    assert "点击上图中的县，可查看该县各乡镇的情况。" in texts(app)
    flags = [e.value for e in app.error if "建议约谈" in e.value]  # each county's own last township, in one box
    assert flags == ["2个县各有乡镇连续两个季度在本县综合排名末位，建议约谈主要负责人：\n\n"
                     "- 示范县·柳河乡（2024年第二季度、2024年第三季度）\n- 邻县·邻县柳河乡（2024年第二季度、2024年第三季度）"]
    reporting = next(d.value for d in app.dataframe if d.value.columns[0] == "县（市、区）")  # 报送情况 by county
    assert reporting["县（市、区）"].tolist() == ["示范县", "邻县"]
    assert reporting.columns[1:].tolist() == ["2024-07", "2024-08", "2024-09"]
    assert reporting.iloc[0, 1:].tolist() == reporting.iloc[1, 1:].tolist()  # a copy reports as its original
    status = reporting_status(engine, Scope(role="市级"), period=Period.quarter(2024, 3))
    not_reported = status.loc[status["reporting_status"] == "未报送", "township_code"].nunique()
    assert not_reported > 0 and (f"有乡镇未按期报送的县（2个，共{not_reported}个乡镇）：示范县、邻县；选择县可查看是哪些乡镇。"
                                 in [e.value for e in app.error])
    app.switch_page(PAGES["rectification"][1]).run()
    rates = figure_titled(app, "各县整改完成率与按期完成率")
    assert sorted(rates.data[0].y) == ["示范县", "邻县"]
    county_table = next(d.value for d in app.dataframe if "县（市、区）" in d.value.columns)
    assert sorted(county_table["县（市、区）"]) == ["示范县", "邻县"] and "县代码" not in county_table.columns  # as 乡镇
    assert county_table[OVERDUE_HEADER].astype(int).tolist() == [overdue["990101"]] * 2

    app.switch_page(PAGES["cases"][1]).run()  # 案件统计: a bar per county, not one per township of the prefecture
    own_cases = kpis.metric_value(engine, Scope.county(county_code="990101"), metric="case_count",
                                  period=Period.quarter(2024, 3))
    by_county = figure_titled(app, "各县立案数")
    assert sorted(by_county.data[0].y) == ["示范县", "邻县"] and numbers(by_county.data[0].x) == [own_cases] * 2
    assert own_cases > 0 and not [f for f in figures(app) if f.layout.title.text == "各乡镇立案数"]
    app.switch_page(PAGES["satisfaction"][1]).run()  # 满意度: a row per county, each weighted as the county's own
    own_rate = satisfaction.satisfaction_series(engine, Scope.county(county_code="990101"),
                                                periods=[Period.quarter(2024, 3)])["satisfaction_rate"].item()
    heat = figure_titled(app, "各县满意率")
    assert list(heat.data[0].y) == ["示范县", "邻县"] and heat.data[0].x[-1] == "2024年第三季度"
    assert [row[-1] for row in heat.data[0].text] == [format_percent(own_rate)] * 2 and 0 < own_rate < 1

    app.switch_page(PAGES["ranking"][1]).run()  # 季度排名: the counties' scores, each county's own ranking
    assert not app.exception, [e.value for e in app.exception]
    scores = figure_titled(app, "2024年第三季度各县综合得分")
    own = quarterly_ranking(engine, Scope.county(county_code="990101"), quarter=Period.quarter(2024, 3))
    assert sorted(scores.data[0].y) == ["示范县", "邻县"] and len(set(numbers(scores.data[0].x))) == 1
    assert list(scores.data[0].text) == [f"{numbers(scores.data[0].x)[0]:.1f}"] * 2  # one decimal, as the table
    assert [f.layout.title.text for f in figures(app)] == ["2024年第三季度各县综合得分"]  # no 24-township bar
    towns = next(d.value for d in app.dataframe if "排名" in d.value.columns)
    assert len(towns) == 2 * len(own) and towns["排名"].astype(int).tolist() == own["rank"].tolist() * 2
    assert towns["乡镇"].iloc[len(own) - 1] == f"示范县·{own['township_name'].iloc[-1]}"  # each county's own last
    assert [e.value for e in app.error if "建议约谈" in e.value] == flags  # the same one box as 总览

    app.session_state["overview_overdue_by_county"] = {"selection": {"points": [{"y": "邻县"}]}}
    drill_to_county_in(app, drill_to_county)
    assert app.session_state["county"] == "邻县" and app.session_state["township"] == "全县"


def drill_to_county_in(app, callback) -> None:
    """Run a chart's selection callback against the AppTest's session state (as Streamlit runs it on a click)."""
    import streamlit as st

    original = st.session_state
    with_state = app.session_state
    st.session_state = with_state  # the callback reads and writes st.session_state
    try:
        callback("overview_overdue_by_county")
    finally:
        st.session_state = original


def test_a_prefecture_users_single_township_ledger_asks_for_the_county_first(on_writable_sample, monkeypatch):
    """全市 holds 1,200 townships at a province: the ledger's list is one county's, after the county is chosen."""
    import datetime as dt

    import ui.downloads
    from metrics import rectification
    from metrics.scope import Scope
    from tests.metrics_fixture import add_second_county
    from warehouse.engine import get_engine

    downloads_named = []  # the export's title is its file name: the download button's proto does not carry it
    monkeypatch.setattr(ui.downloads, "file_name", lambda title, ext: downloads_named.append(title) or f"{title}.{ext}")
    engine = add_second_county(get_engine(on_writable_sample))
    app = open_app("rectification", role="市级", granularity="季", period="2024年第三季度")
    assert not app.exception, [e.value for e in app.exception]
    county = app.selectbox(key="rect_ledger_county")
    assert county.options == ["示范县", "邻县"] and county.value is None
    assert "选择县（市、区）后，可查看该县各乡镇的整改台账。" in [i.value for i in app.info]
    assert not [s for s in app.selectbox if s.key and s.key.startswith("rect_township")]

    county.set_value("990102").run()
    township = app.selectbox(key="rect_township_990102")
    neighbours = rectification.rectification_by_township(engine, Scope.county(county_code="990102"),
                                                         as_of=dt.date(2024, 9, 30))
    assert township.options and all(name.startswith("邻县") for name in township.options)  # that county's own
    assert sorted(township.options) == sorted(neighbours["township_name"])
    first = township.value
    assert first[:6] == "990102"
    items = rectification.rectification_items_of(engine, Scope(role="市级"), township_code=first,
                                                 as_of=dt.date(2024, 9, 30))
    table = next(d.value for d in app.dataframe if "整改编号" in d.value.columns and len(d.value) == len(items))
    assert len(items) > 0 and sorted(table["整改编号"]) == sorted(items["item_id"])
    assert f"邻县·{township.format_func(first)}整改台账" in downloads_named

    county_user = open_app("rectification", role="纪委", granularity="季", period="2024年第三季度")
    assert county_user.selectbox(key="rect_township").value[:6] == "990101"
    assert not [s for s in county_user.selectbox if s.key == "rect_ledger_county"]
