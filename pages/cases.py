"""案件统计 — cases: the time drilldown, the trend, breakdowns by 问题领域 / 发现方式 / 违纪类型 /
township, 四种形态 and 处分种类, typical cases, and the cumulative view over a range of years."""

from functools import partial

import streamlit as st

from charts.breakdowns import category_bar, share_donut
from charts.theme import format_wan_yuan
from charts.townships import counties_as_places, township_bar
from charts.trends import bar_with_rate, period_bar
from metrics import cases, freshness, kpis
from ui.components import (
    GRANULARITY_CHILD_LABEL,
    drill_controls,
    drill_to_county,
    drill_to_selected,
    drill_to_township,
    kpi_tiles,
    page_header,
    show_chart,
    show_table,
    trend_window,
)
from ui.frame import current_frame

frame = current_frame()
page_header(frame, "案件统计", "cases")
period, township = frame.period, frame.township_code

tiles = frame.query(kpis.kpi_tiles, period=period, township_code=township,
                    metrics=("case_count", "people_handled", "recovered_funds", "proactive_discovery_rate",
                             "clue_count", "clue_to_case_rate"))
kpi_tiles(tiles, per_row=4)  # the second row: the clues received and how many went to 立案审查

# --- time: the selected period's children (click to drill in), and 上钻 --------------------------
st.subheader("时间下钻")
drill_controls(frame, "cases_drill")
children = list(period.children())
if children:
    child_df = frame.query(cases.case_trend, periods=children, township_code=township)
    title = f"{period.label}各{GRANULARITY_CHILD_LABEL[period.granularity]}立案数与主动发现率"
    key = "cases_drill_chart"
    fig = frame.figure(bar_with_rate, child_df, "case_count", "proactive_discovery_rate", title, count_name="立案数",
                       count_unit="件", rate_name="主动发现率")
    show_chart(frame, fig, child_df, title, key, on_select=partial(drill_to_selected, key))
    totals = frame.query(cases.drill_totals, period=period, township_code=township)
    st.caption(f"{totals['children']}个{GRANULARITY_CHILD_LABEL[period.granularity]}立案合计 "
               f"{totals['children_case_count']}件；{period.label}立案 {totals['case_count']}件。")
else:
    st.caption("月度是最细的时间层级，可点击“上钻”返回季度。")

# --- the trend at the selected granularity ----------------------------------------------------
window = trend_window(frame)
trend = frame.query(cases.case_trend, periods=window, township_code=township)
trend_title = f"立案数趋势（{window[0].label}至{window[-1].label}）"
trend_key = "cases_trend_chart"
fig = frame.figure(period_bar, trend, "case_count", trend_title, value_name="立案数", unit="件",
                   selected_code=period.code)
show_chart(frame, fig, trend, trend_title, trend_key, on_select=partial(drill_to_selected, trend_key))

# --- breakdowns -----------------------------------------------------------------------------------
st.subheader(f"案件构成（{period.label}）")
left, right = st.columns(2)
with left:
    domains = frame.query(cases.case_breakdown, dimension="problem_domain", period=period, township_code=township)
    title = "按问题领域分布"
    fig = frame.figure(category_bar, domains, "case_count", title, value_name="立案数", unit="件")
    show_chart(frame, fig, domains, title, "cases_by_domain")
with right:
    methods = frame.query(cases.case_breakdown, dimension="discovery_method", period=period,
                          township_code=township)
    proactive = next(tile for tile in tiles if tile.metric.name == "proactive_discovery_rate")  # the tile's figure
    title = f"按发现方式分布（主动发现率 {proactive.formatted_value}）"
    fig = frame.figure(category_bar, methods, "case_count", title, value_name="立案数", unit="件", color=None)
    show_chart(frame, fig, methods, title, "cases_by_method")
left, right = st.columns(2)
with left:
    violations = frame.query(cases.case_breakdown, dimension="violation_type", period=period,
                             township_code=township)
    title = "按违纪类型分布"
    fig = frame.figure(category_bar, violations, "case_count", title, value_name="立案数", unit="件")
    show_chart(frame, fig, violations, title, "cases_by_violation")
with right:
    if frame.scope.every_county:  # 全市: the counties side by side (1,200 townships make a 36,000-pixel chart)
        by_county = frame.query(kpis.metric_by_county, metric="case_count", period=period)
        title, key = "各县立案数", "cases_by_county"
        fig = frame.figure(township_bar, counties_as_places(by_county), "case_count", title, value_name="立案数",
                           unit="件")
        show_chart(frame, fig, by_county, title, key, on_select=partial(drill_to_county, key))
    else:
        by_township = frame.query(kpis.metric_by_township, metric="case_count", period=period)
        title, key = "各乡镇立案数", "cases_by_township"
        fig = frame.figure(township_bar, by_township, "case_count", title, value_name="立案数", unit="件")
        show_chart(frame, fig, by_township, title, key,
                   on_select=partial(drill_to_township, key) if township is None else None)

st.subheader(f"处理人员（{period.label}）")
left, right = st.columns(2)
with left:
    forms = frame.query(cases.people_by_form, period=period, township_code=township)
    title = "运用监督执纪“四种形态”"
    fig = frame.figure(share_donut, forms, "people_count", title, value_name="处理人数", unit="人",
                       category_column="discipline_form")
    show_chart(frame, fig, forms, title, "cases_forms")
with right:
    sanctions = frame.query(cases.people_by_sanction, period=period, township_code=township)
    title = "处分种类分布"
    fig = frame.figure(category_bar, sanctions, "people_count", title, value_name="处理人数", unit="人",
                       category_column="sanction_type")
    show_chart(frame, fig, sanctions, title, "cases_sanctions")

st.subheader(f"典型案例（{period.label}）")
typical = frame.query(cases.typical_cases, period=period, township_code=township)
show_table(frame, typical, "典型案例", "cases_typical", money_columns=("recovered_funds_wan_yuan",),
           empty_text="本期没有标记为典型案例的案件。")

# --- cumulative over whole years ------------------------------------------------------------------
st.subheader("累计统计（按年度区间）")
years = frame.query(freshness.available_years)
if years:
    first, last = (st.select_slider("起止年度", options=years, value=(years[0], years[-1]), key="cases_year_range",
                                    format_func=lambda y: f"{y}年")
                   if len(years) > 1 else (years[0], years[0]))
    totals = frame.query(cases.case_totals, first_year=first, last_year=last, township_code=township)
    span = f"{first}年" if first == last else f"{first}—{last}年"
    a, b, c = st.columns(3)
    a.metric(f"{span}累计立案", f"{totals['case_count']}件", border=True)
    b.metric(f"{span}累计处理人数", f"{totals['people_count']}人", border=True)
    c.metric(f"{span}累计追缴资金", format_wan_yuan(totals["recovered_funds_wan_yuan"]), border=True)
    show_table(frame, totals["by_year"], f"{span}分年度案件统计", "cases_by_year",
               percent_columns=("proactive_discovery_rate",), money_columns=("recovered_funds_wan_yuan",))
else:
    st.info("尚未导入案件台账。")
