"""The chart theme and builders: Chinese formats, one colour per township, no CDN, no st.* (plain pytest)."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from charts import theme
from charts.breakdowns import category_bar, share_donut
from charts.townships import ranking_score_bar, township_bar, township_heat_table, township_rate_pair
from charts.trends import bar_with_rate, period_bar, period_lines

CHARTS_DIR = Path(__file__).resolve().parent.parent / "charts"


def test_money_and_rates_are_formatted_the_chinese_way():
    assert theme.format_wan_yuan(873.456) == "873.46万元"
    assert theme.format_wan_yuan("1234.5") == "1234.50万元"
    assert theme.format_percent(0.8234) == "82.3%"
    assert theme.format_percent(None) == "—"
    assert theme.format_points(0.025) == "+2.5个百分点"
    assert theme.format_change(-0.125) == "-12.5%"


def test_each_township_keeps_its_colour_on_every_chart():
    theme.register_townships(["990101201", "990101001", "990101101"])
    assert theme.township_color("990101001") == theme.TOWNSHIP_PALETTE[0]
    assert theme.township_color("990101201") == theme.TOWNSHIP_PALETTE[2]
    df = pd.DataFrame({"township_code": ["990101201", "990101001"], "township_name": ["柳溪乡", "城关街道"],
                       "value": [3, 9]})
    fig = township_bar(df, "value", "各乡镇立案数", value_name="立案数", unit="件")
    # sorted largest first: 城关街道 then 柳溪乡, each in its registered colour
    assert list(fig.data[0].y) == ["城关街道", "柳溪乡"]
    assert list(fig.data[0].marker.color) == [theme.TOWNSHIP_PALETTE[0], theme.TOWNSHIP_PALETTE[2]]
    ranking = pd.DataFrame({"rank": [1, 2], "township_code": ["990101201", "990101001"],
                            "township_name": ["柳溪乡", "城关街道"], "score": [88.0, 61.5],
                            "rank_change": [1, -1], "suggest_interview": [False, True]})
    bars = ranking_score_bar(ranking, "2024年第三季度乡镇综合排名")
    assert list(bars.data[0].marker.color) == [theme.TOWNSHIP_PALETTE[2], theme.TOWNSHIP_PALETTE[0]]
    assert list(bars.data[0].y) == ["1. 柳溪乡", "2. 城关街道（建议约谈）"]


def test_figures_have_chinese_titles_units_on_axes_and_a_cjk_font():
    trend = pd.DataFrame({"period_code": ["2024Q1", "2024Q2"], "period_label": ["2024年第一季度", "2024年第二季度"],
                          "recovered_funds_wan_yuan": [12.5, 30.25], "case_count": [3, 4],
                          "proactive_rate": [0.5, 0.25], "satisfaction_rate": [0.823, 0.936]})
    money = period_bar(trend, "recovered_funds_wan_yuan", "追缴资金趋势", value_name="追缴资金", unit="万元")
    assert money.layout.title.text == "追缴资金趋势"
    assert money.layout.yaxis.title.text == "追缴资金（万元）"
    assert list(money.data[0].text) == ["12.50", "30.25"]
    assert "万元" in money.data[0].hovertemplate and list(money.data[0].customdata) == ["2024Q1", "2024Q2"]
    assert money.layout.font.family.startswith("Noto Sans CJK SC")
    rates = period_lines(trend, {"satisfaction_rate": "满意率"}, "满意率", y_title="满意率", percent=True, target=0.9)
    assert list(rates.data[0].text) == ["82.3%", "93.6%"]
    assert rates.layout.yaxis.tickformat == ".0%"
    assert rates.layout.shapes[0].y0 == 0.9 and rates.layout.annotations[0].text == "目标 90.0%"
    combined = bar_with_rate(trend, "case_count", "proactive_rate", "立案数与主动发现率", count_name="立案数",
                             count_unit="件", rate_name="主动发现率")
    assert combined.layout.yaxis2.tickformat == ".0%" and combined.data[1].name == "主动发现率"


def test_the_font_stack_comes_from_the_settings(monkeypatch):
    monkeypatch.setenv("DASHBOARD_CHART_FONT_FAMILY", "WenQuanYi Micro Hei, sans-serif")
    fig = category_bar(pd.DataFrame({"category": ["警告"], "people": [2], "share": [1.0]}), "people", "处分种类",
                       value_name="处理人数", unit="人")
    assert fig.layout.font.family == "WenQuanYi Micro Hei, sans-serif"
    assert list(fig.data[0].text) == ["2（100.0%）"]


def test_warning_and_status_colours_keep_their_meaning():
    statuses = pd.DataFrame({"status": ["未启动", "整改中", "已完成", "已销号"], "items": [1, 2, 3, 4]})
    donut = share_donut(statuses, "items", "整改状态分布", value_name="整改事项", unit="件", category_column="status")
    assert list(donut.data[0].marker.colors)[:2] == [theme.WARNING_COLORS["红"], theme.WARNING_COLORS["黄"]]
    assert theme.WARNING_COLORS["绿"] != theme.LEVEL_COLORS["蓝"]


def test_empty_data_draws_a_figure_that_says_so():
    fig = township_rate_pair(pd.DataFrame(), {"completion_rate": "整改完成率"}, "各乡镇整改完成率")
    assert fig.layout.annotations[0].text == "所选期间暂无数据"


@pytest.mark.parametrize("path", sorted(CHARTS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_builders_never_call_streamlit_and_load_nothing_from_a_cdn(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names} | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name and name.startswith("streamlit") for name in imported)
    strings = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert not any("http://" in s or "https://" in s for s in strings)
    assert not any(s in ("scattergeo", "choropleth") for s in strings)  # geo traces fetch topojson


def test_a_heat_table_labels_every_cell_with_its_rate():
    df = pd.DataFrame({"township_name": ["城关街道", "城关街道", "柳溪乡", "柳溪乡"],
                       "period_label": ["2024年第一季度", "2024年第二季度"] * 2,
                       "satisfaction_rate": [0.9, 0.92, 0.8, None]})
    fig = township_heat_table(df, "satisfaction_rate", "各乡镇满意率", value_name="满意率", target=0.9)
    assert [list(row) for row in fig.data[0].text] == [["90.0%", "92.0%"], ["80.0%", "—"]]
    assert fig.data[0].zmid == 0.9


def test_a_few_items_are_counted_in_whole_numbers_on_the_axis():
    import numpy as np

    few = pd.DataFrame({"township_code": ["990101001", "990101101"], "township_name": ["城关街道", "青石镇"],
                        "overdue_items": np.array([4, 1], dtype="int64")})
    assert township_bar(few, "overdue_items", "各乡镇逾期整改事项", value_name="逾期事项", unit="件").layout.xaxis.dtick == 1
    many = few.assign(overdue_items=[40, 1])
    assert township_bar(many, "overdue_items", "各乡镇逾期整改事项", value_name="逾期事项", unit="件").layout.xaxis.dtick is None
    rates = few.assign(rate=[0.5, 1.0])
    assert township_bar(rates, "rate", "整改完成率", value_name="整改完成率", percent=True).layout.xaxis.dtick is None


def test_a_figure_carries_the_lean_house_template_not_the_whole_of_plotly_white():
    # every chart's JSON goes to the browser and is copied on every page run: the template is the
    # 2-D part of plotly_white (white ground, light grid), not its polar/3-D/map sections
    towns = pd.DataFrame({"township_code": ["990101001", "990101101"], "township_name": ["城关街道", "柳溪乡"],
                          "value": [3, 5]})
    fig = township_bar(towns, "value", "各乡镇线索数", value_name="线索数", unit="件")
    template = fig.layout.template.layout
    assert template.plot_bgcolor == "white" and template.xaxis.gridcolor == "#EBF0F8"
    assert template.polar.bgcolor is None and template.scene.xaxis.backgroundcolor is None
    assert len(fig.to_json()) < 4_000


def test_a_donut_labels_only_the_categories_that_have_items():
    statuses = pd.DataFrame({"status": ["未启动", "整改中", "已完成", "已销号"], "items": [0, 5, 30, 65]})
    donut = share_donut(statuses, "items", "整改状态分布", value_name="整改事项", unit="件", category_column="status")
    assert list(donut.data[0].labels) == ["未启动", "整改中", "已完成", "已销号"]  # all four in the legend
    assert list(donut.data[0].texttemplate) == ["", *["%{label}<br>%{percent:.1%}"] * 3]


def test_a_prefectures_counts_are_written_out_on_the_axis_not_as_50k():
    """全市's 按问题来源 counts 100,000 items and more: the rendered axis (kaleido's SVG, plotly.js's own tick labels)
    says 50000, never plotly's default SI suffix (50k), which is no Chinese reader's number."""
    import re

    from reports.png import renderer

    sources = pd.DataFrame({"category": ["县委巡察", "审计反馈", "监督检查"], "rectification_items": [103741, 128088, 68714]})
    fig = category_bar(sources, "rectification_items", "按问题来源分布", value_name="整改事项", unit="件")
    svg = renderer().render(fig, image_format="svg", scale=1).decode("utf-8")
    ticks = re.findall(r'class="xtick"[^>]*>.*?>([^<]*)</text>', svg)
    assert ticks and not [t for t in ticks if t.rstrip().endswith(("k", "M"))], ticks
    assert any(t.replace(",", "").isdigit() and int(t.replace(",", "")) >= 50_000 for t in ticks), ticks


def _every_builders_figures() -> dict[str, object]:
    """One figure of each builder and each of its kinds (horizontal and vertical, a target line, a second axis,
    empty), from the inputs the pages give them."""
    import numpy as np

    towns = pd.DataFrame({"township_code": ["990101001", "990101101", "990101201"],
                          "township_name": ["城关街道", "青石镇", "柳溪乡"], "overdue_items": np.array([4, 1, 0]),
                          "money": [12.5, 3.25, 0.0], "completion_rate": [0.9, 0.75, np.nan],
                          "on_time_rate": [0.8, 0.5, 1.0]})
    trend = pd.DataFrame({"period_code": ["2024Q1", "2024Q2"], "period_label": ["2024年第一季度", "2024年第二季度"],
                          "case_count": [3, 40], "proactive_rate": [0.5, 0.25], "funds": [12.5, 30.25],
                          "satisfaction_rate": [0.823, 0.936], "completion_rate": [0.7, 0.8]})
    shares = pd.DataFrame({"category": ["群众信访", "监督检查", "巡察移交"], "count": [5, 0, 12],
                           "share": [5 / 17, 0.0, 12 / 17]})
    heat = pd.DataFrame({"township_name": ["城关街道", "城关街道", "青石镇"],
                         "period_label": ["2024年第一季度", "2024年第二季度", "2024年第一季度"],
                         "satisfaction_rate": [0.9, 0.92, 0.8]})
    ranking = pd.DataFrame({"rank": [1, 2], "township_code": ["990101201", "990101001"],
                            "township_name": ["柳溪乡", "城关街道"], "score": [88.0, 61.5],
                            "rank_change": [np.nan, -1], "suggest_interview": [False, True]})
    return {
        "category_bar horizontal": category_bar(shares, "count", "线索来源", value_name="线索数", unit="件"),
        "category_bar vertical, money, colours": category_bar(shares.assign(count=[1.5, 0.25, 3.0]), "count", "追缴",
                                                              value_name="追缴资金", unit="万元", horizontal=False,
                                                              color=None),
        "share_donut": share_donut(shares, "count", "线索来源占比", value_name="线索数", unit="件"),
        "period_bar": period_bar(trend, "case_count", "立案数", value_name="立案数", unit="件", selected_code="2024Q2"),
        "period_bar percent": period_bar(trend, "completion_rate", "整改完成率", value_name="整改完成率", unit="",
                                         percent=True),
        "period_lines target": period_lines(trend, {"satisfaction_rate": "满意率"}, "满意率", y_title="满意率",
                                            percent=True, target=0.9),
        "period_lines two": period_lines(trend, {"case_count": "立案数", "funds": "追缴"}, "趋势", y_title="数量",
                                         unit="件"),
        "bar_with_rate": bar_with_rate(trend, "case_count", "proactive_rate", "立案数与主动发现率", count_name="立案数",
                                       count_unit="件", rate_name="主动发现率"),
        "township_bar few": township_bar(towns, "overdue_items", "逾期", value_name="逾期事项", unit="件"),
        "township_bar money": township_bar(towns, "money", "追缴", value_name="追缴资金", unit="万元"),
        "township_bar percent target": township_bar(towns, "completion_rate", "完成率", value_name="整改完成率",
                                                    percent=True, target=0.85),
        "township_rate_pair": township_rate_pair(towns, {"completion_rate": "整改完成率", "on_time_rate": "按期完成率"},
                                                 "完成率与按期率"),
        "township_heat_table": township_heat_table(heat, "satisfaction_rate", "满意率", value_name="满意率", target=0.9),
        "ranking_score_bar": ranking_score_bar(ranking, "综合排名"),
        "empty": township_bar(towns.iloc[0:0], "overdue_items", "逾期", value_name="逾期事项", unit="件"),
    }


@pytest.mark.parametrize("kind", list(_every_builders_figures()))
def test_every_figure_is_one_plotly_validates_unchanged(kind):
    """The builders skip plotly's validation (theme.trace, a page's charts 2-4x faster): what they give must be
    what validation would accept and leave as it is, a property misspelt or of the wrong type fails here."""
    import json

    import plotly.graph_objects as go

    fig = _every_builders_figures()[kind]
    validated = go.Figure(fig.to_dict())  # raises on a property plotly does not know or a value it refuses
    assert json.loads(validated.to_json()) == json.loads(fig.to_json())
    assert fig.layout.title.text and fig.layout.font.family == theme.font_family()


def test_the_figures_cache_key_names_the_registered_township_order():
    """A built figure is reused while the townships' colours are the same (ui.frame.figure_context): the key is a
    digest of the registered codes in order, which changes with them and not when the same list comes again."""
    theme.register_townships(["990101201", "990101001"])
    first = theme.township_order_key()
    theme.register_townships(["990101001", "990101201", "990101001"])  # the same codes: the same order, same key
    assert theme.township_order_key() == first
    theme.register_townships(["990101001", "990101101", "990101201"])
    assert theme.township_order_key() != first
    assert theme.township_color("990101201") == theme.TOWNSHIP_PALETTE[2]
