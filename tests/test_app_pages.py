"""Every page runs on the sample county and shows the figures a user would read (AppTest)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.app_helpers import figure_titled, figures, metrics_shown, numbers, open_app, spec_json, texts
from ui.frame import visible_pages


@pytest.fixture(autouse=True)
def _sample_warehouse(sample_db_url, monkeypatch, pages_registered_by_navigation):
    monkeypatch.setenv("DASHBOARD_DB_URL", sample_db_url)


@pytest.mark.parametrize("page", [p for ids in visible_pages("纪委").values() for p in ids])
def test_every_page_runs_without_exception_and_says_where_its_figures_come_from(page):
    app = open_app(page)
    assert app.title[0].value
    drawn = spec_json(app).lower()
    for fetched in ("topojson", "mathjax", "http://", "https://"):
        assert fetched not in drawn  # nothing a figure would fetch from a CDN
    geo_traces = {"scattergeo", "choropleth"}  # these would fetch topojson
    assert not any(trace.type in geo_traces for fig in figures(app) for trace in fig.data)
    if page not in ("heatmap", "bulletin"):  # the other helpers' pages carry their own header
        assert "数据截至 2026-11-15 · 批次" in texts(app)
        assert "示范县" in "".join(str(m.value) for m in app.sidebar.markdown)


def test_cases_cumulative_view_2023_2024_shows_126_cases_152_people_and_the_funds():
    app = open_app("cases")
    app.select_slider(key="cases_year_range").set_value((2023, 2024)).run()
    shown = metrics_shown(app)
    assert shown["2023—2024年累计立案"] == "126件"
    assert shown["2023—2024年累计处理人数"] == "152人"
    assert shown["2023—2024年累计追缴资金"] == "873.46万元"


def test_cases_page_shows_the_clue_to_case_rate_of_the_quarter():
    app = open_app("cases", granularity="季", period="2024年第三季度")
    shown = metrics_shown(app)
    # 174 clues received in 2024Q3, 14 of them sent to 立案审查 (the sample's ledger)
    assert (shown["线索数"], shown["初核转立案率"]) == ("174件", "8.0%")
    tile = next(m for m in app.metric if m.label == "初核转立案率")
    assert tile.delta == "+3.0个百分点（同比）"
    # the 发现方式 chart's title names the quarter's 主动发现率, the tile's own figure: 12 of 17 cases
    assert shown["主动发现率"] == "70.6%"
    assert figure_titled(app, "按发现方式分布（主动发现率 70.6%）")


def test_the_two_years_summed_give_the_same_126_cases():
    cases_2023 = metrics_shown(open_app("cases", granularity="年", period="2023年"))["立案数"]
    cases_2024 = metrics_shown(open_app("cases", granularity="年", period="2024年"))["立案数"]
    assert int(cases_2023.removesuffix("件")) + int(cases_2024.removesuffix("件")) == 126


@pytest.mark.parametrize(("quarter", "rate"), [("2023年第一季度", "82.3%"), ("2024年第四季度", "93.6%")])
def test_satisfaction_page_reads_the_county_rate_of_the_quarter(quarter, rate):
    app = open_app("satisfaction", granularity="季", period=quarter)
    assert metrics_shown(app)["满意率"] == rate
    trend = figure_titled(app, "全县群众满意率")
    assert rate in list(trend.data[0].text)  # the point of that quarter is labelled with it
    assert any("目标 90.0%" in (a.text or "") for a in trend.layout.annotations)


def test_satisfaction_2024_awareness_is_38_percent():
    app = open_app("satisfaction", granularity="年", period="2024年")
    assert metrics_shown(app)["知晓率"] == "38.0%"


def test_ranking_flags_liuhe_for_an_interview_after_two_quarters_last():
    app = open_app("ranking", granularity="季", period="2024年第三季度")
    assert "建议约谈：柳河乡" in texts(app)
    scores = figure_titled(app, "2024年第三季度乡镇综合排名")
    labels = list(scores.data[0].y)
    assert len(labels) == 12 and labels[-1].startswith("12. 柳河乡") and "建议约谈" in labels[-1]


def test_overview_shows_tiles_with_year_on_year_and_the_interview_flag():
    app = open_app("overview", granularity="季", period="2024年第三季度")
    shown = metrics_shown(app)
    assert set(shown) >= {"线索数", "立案数", "处理人数", "追缴资金", "整改完成率", "满意率", "新增线索", "新增立案"}
    assert any("同比" in str(m.proto.delta) for m in app.metric if m.label == "立案数")
    assert "柳河乡：连续两个季度综合排名末位" in texts(app)
    assert figure_titled(app, "各乡镇逾期整改事项").data[0].type == "bar"


def test_overview_lists_the_weeks_new_clues_and_cases_only_once_their_details_are_opened():
    app = open_app("overview")
    shown = metrics_shown(app)
    assert (shown["新增线索"], shown["新增立案"]) == ("19件", "3件")  # the sample's 2026-11-09..15
    assert not any("案件编号" in d.value.columns or "线索来源" in d.value.columns for d in app.dataframe)
    assert app.session_state["overview_recent_details"] is False
    app.session_state["overview_recent_details"] = True  # the user opens 查看近7天新增线索与案件明细
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    listed_clues = next(d.value for d in app.dataframe if "线索来源" in d.value.columns)
    listed_cases = next(d.value for d in app.dataframe if "案件编号" in d.value.columns)
    assert len(listed_clues) == 19 and len(listed_cases) == 3
    assert listed_clues["线索编号"].iloc[0] == "990101-XS-2026-00760"  # the newest first
    assert listed_cases["案件编号"].tolist() == ["990101-AJ-2026-0090", "990101-AJ-2026-0089", "990101-AJ-2026-0088"]


def test_rectification_overdue_list_carries_red_warnings_and_days_overdue():
    app = open_app("rectification", granularity="季", period="2024年第三季度")
    overdue = next(d.value for d in app.dataframe if "预警" in d.value.columns and "逾期天数(天)" in d.value.columns)
    assert len(overdue) > 0
    overdue["预警"] = [list(v)[0] for v in overdue["预警"]]  # shown as one coloured pill per row
    red = overdue[overdue["预警"] == "红"]
    assert len(red) > 0 and (red["逾期天数(天)"].astype(int) > 0).all()
    assert set(overdue["预警"]) <= {"红", "黄", "绿"}
    rates = figure_titled(app, "各乡镇整改完成率与按期完成率")
    assert [t.name for t in rates.data] == ["整改完成率", "按期完成率"]
    assert len(rates.data[0].y) == 12


def test_a_long_list_shows_its_first_rows_and_says_so(monkeypatch, sample_engine):
    from metrics import rectification
    from metrics.scope import Scope

    monkeypatch.setenv("DASHBOARD_LIST_ROWS_SHOWN", "10")
    app = open_app("rectification", granularity="季", period="2024年第三季度")
    recurring = next(d.value for d in app.dataframe if "关联线索编号" in d.value.columns)
    every = rectification.recurring_items(sample_engine, Scope(role="纪委"), as_of=date(2024, 9, 30))
    assert len(every) > 10 and len(recurring) == 10  # the sample's recurring items of the county: the newest ten
    assert recurring["整改编号"].tolist() == every["item_id"].head(10).tolist()
    assert "条目较多，此处只列出最新反馈的 10 条（“下载表格”即这些条目）；选择乡镇可查看该范围的全部条目。" in texts(app)
    monkeypatch.delenv("DASHBOARD_LIST_ROWS_SHOWN")
    assert "条目较多" not in texts(open_app("rectification", granularity="季", period="2024年第三季度"))


def test_a_quarter_drills_into_three_months_that_add_up_to_it():
    app = open_app("cases", granularity="季", period="2024年第二季度")
    months = figure_titled(app, "2024年第二季度各月份立案数")
    assert list(months.data[0].x) == ["2024年4月", "2024年5月", "2024年6月"]
    quarter_cases = int(metrics_shown(app)["立案数"].removesuffix("件"))
    assert int(sum(numbers(months.data[0].y))) == quarter_cases > 0
    assert f"3个月份立案合计 {quarter_cases}件；2024年第二季度立案 {quarter_cases}件。" in texts(app)


def test_a_year_drills_into_four_quarters_that_add_up_to_it():
    app = open_app("cases", granularity="年", period="2024年")
    quarters = figure_titled(app, "2024年各季度立案数")
    assert len(quarters.data[0].x) == 4
    assert int(sum(numbers(quarters.data[0].y))) == int(metrics_shown(app)["立案数"].removesuffix("件"))


def test_drill_up_from_a_month_goes_to_its_quarter_and_then_its_year():
    app = open_app("cases", granularity="月", period="2024年5月")
    app.button(key="cases_drill_up").click().run()
    assert app.session_state["granularity"] == "quarter" and app.session_state["period"] == "2024Q2"
    figure_titled(app, "2024年第二季度各月份立案数")
    app.button(key="cases_drill_up").click().run()
    assert app.session_state["period"] == "2024"
    figure_titled(app, "2024年各季度立案数")


def test_a_township_shows_its_villages():
    app = open_app("overview", granularity="年", period="2024年", township="柳河乡")
    assert app.sidebar.selectbox(key="township").value == "柳河乡"
    assert "柳河乡各村（社区）情况" in texts(app)
    villages = [table.value for table in app.dataframe if "村(社区)" in table.value.columns][-1]  # below the drill
    assert "村类型" in villages.columns and len(villages) > 5


@pytest.mark.parametrize("name", ["clue_count", "case_count", "people_handled", "recovered_funds"])
def test_every_drilled_period_adds_up_to_its_parent_on_the_sample(sample_engine, name):
    from metrics import kpis
    from metrics.periods import Period
    from metrics.scope import Scope

    scope = Scope.county()
    for year in (2023, 2024, 2025):
        for parent in (Period.whole_year(year), *Period.whole_year(year).children()):
            children = kpis.drill_children(sample_engine, scope, metric=name, period=parent)
            total = kpis.metric_value(sample_engine, scope, metric=name, period=parent)
            assert len(children) == len(parent.children())
            assert round(sum(float(v) for v in children[name]), 2) == round(float(total), 2), parent.label


@pytest.mark.postgres
def test_the_pages_read_the_same_figures_from_postgresql(pg_cluster, monkeypatch):
    from tests.conftest import load_sample_into

    url = pg_cluster.create_database("pages_sample")
    load_sample_into(url)
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    app = open_app("cases")
    app.select_slider(key="cases_year_range").set_value((2023, 2024)).run()
    shown = metrics_shown(app)
    assert (shown["2023—2024年累计立案"], shown["2023—2024年累计处理人数"]) == ("126件", "152人")
    assert 870 <= float(shown["2023—2024年累计追缴资金"].removesuffix("万元")) <= 880
    satisfaction = open_app("satisfaction", granularity="季", period="2024年第四季度")
    assert metrics_shown(satisfaction)["满意率"] == "93.6%"
    for page in ("overview", "rectification", "ranking"):
        assert open_app(page, granularity="季", period="2024年第三季度").title[0].value


def test_the_chart_toolbar_saves_each_chart_under_its_chinese_title_at_print_scale():
    import json

    app = open_app("rectification", granularity="季", period="2024年第三季度")
    configs = [json.loads(chart.proto.config) for chart in app.get("plotly_chart")]
    assert configs and all(c["toImageButtonOptions"]["scale"] == 2 for c in configs)
    file_names = {c["toImageButtonOptions"]["filename"] for c in configs}
    assert "整改状态分布" in file_names and "按问题来源分布" in file_names


def test_a_run_that_imported_modules_freezes_them_out_of_the_collectors_walks(monkeypatch):
    """ui.process: after the process's first run (here one that stops at the sign-in form) the modules' objects
    are in the collector's permanent generation; a page that imports more freezes again, a rerun does not."""
    import gc

    from streamlit.testing.v1 import AppTest

    import ui.process

    gc.unfreeze()
    monkeypatch.setattr(ui.process, "_modules_when_frozen", 0)
    frozen_calls = []
    original = ui.process.freeze_loaded_modules
    monkeypatch.setattr(ui.process, "freeze_loaded_modules", lambda: frozen_calls.append(original()) or frozen_calls[-1])
    app = AppTest.from_file("../dashboard.py", default_timeout=60)
    app.run()
    assert "请先登录" in [t.value for t in app.title]  # the run stopped early, and still froze
    assert frozen_calls == [True] and gc.get_freeze_count() > 100_000  # streamlit, pandas, plotly, sqlalchemy …
    app.run()
    assert frozen_calls == [True, False]  # nothing imported since: nothing frozen, no collection
    monkeypatch.setattr(ui.process, "_modules_when_frozen", len(__import__("sys").modules) - 1)
    app.run()  # as if the run had imported a module
    assert frozen_calls == [True, False, True]


def test_a_table_writes_dates_as_days_and_every_missing_cell_as_a_dash():
    import pandas as pd

    from ui.components import display_table

    table = pd.DataFrame({
        "village_name": pd.Series(["杏桥村", None, float("nan")], dtype="str"),
        "problem_domain": pd.Series(["作风问题", pd.NA, "其他"], dtype="string"),
        "received_date": pd.Series([date(2026, 11, 15), None, date(2026, 1, 2)], dtype=object),
        "is_supervised": [True, False, True],
        "clue_count": [3, 0, 12],
    })
    shown = display_table(table)
    assert shown["village_name"].tolist() == ["杏桥村", "—", "—"]
    assert shown["problem_domain"].tolist() == ["作风问题", "—", "其他"]
    assert shown["received_date"].tolist() == ["2026-11-15", "—", "2026-01-02"]
    assert shown["is_supervised"].tolist() == ["是", "否", "是"]
    assert shown["clue_count"].tolist() == [3, 0, 12]


def test_a_count_masked_by_the_small_number_rule_makes_its_column_text_arrow_can_send():
    """A 乡镇 user's village table reads "<3" beside 12: the mixed column made Streamlit log a traceback and
    convert it itself at every view."""
    import pandas as pd
    import pyarrow as pa

    from ui.components import display_table

    shown = display_table(pd.DataFrame({"village_name": ["杏桥村", "枫岭村"], "clue_count": pd.Series(["<3", 12],
                                                                                                   dtype=object)}))
    assert shown["clue_count"].tolist() == ["<3", "12"]
    assert pa.Table.from_pandas(shown).column("clue_count").to_pylist() == ["<3", "12"]
