"""整改推进 — rectification as of the period's end: per-township 整改完成率 and 按期完成率, the status
breakdown, the overdue list with its 红/黄/绿 warning, 反复出现 items, 问题来源, one township's items."""

import streamlit as st

from charts.breakdowns import category_bar, share_donut
from charts.townships import counties_as_places, township_rate_pair
from config import settings
from metrics import kpis, places, rectification
from ui.components import kpi_tiles, list_rows_shown, page_header, show_chart, show_table
from ui.frame import current_frame

frame = current_frame()
as_of = frame.as_of
page_header(frame, "整改推进", "rectification",
            period_note=f"截至 {as_of.isoformat()}（{frame.period.label}末）")
township = frame.township_code

kpi_tiles(frame.query(kpis.kpi_tiles, period=frame.period, township_code=township,
                      metrics=("rectification_completion_rate", "on_time_completion_rate", "overdue_count",
                             "recurring_rate")), per_row=4)

if frame.scope.every_county:  # 全市: the counties side by side (1,200 townships make no chart)
    places_word = "各县"
    by_place = frame.query(rectification.rectification_by_county, as_of=as_of)
    drawn = counties_as_places(by_place)
else:
    places_word = "各乡镇"
    by_place = drawn = frame.query(rectification.rectification_by_township, as_of=as_of)
st.subheader(f"{places_word}整改完成率与按期完成率")
title = f"{places_word}整改完成率与按期完成率（截至 {as_of.isoformat()}）"
fig = frame.figure(township_rate_pair, drawn, {"rectification_completion_rate": "整改完成率",
                                                "on_time_completion_rate": "按期完成率"},
                   title)
show_chart(frame, fig, by_place, title, "rect_by_township")
show_table(frame, by_place, f"{places_word}整改情况", "rect_by_township_table",
           percent_columns=("rectification_completion_rate", "on_time_completion_rate"))

left, right = st.columns(2)
with left:
    statuses = frame.query(rectification.rectification_status_breakdown, as_of=as_of, township_code=township)
    title = "整改状态分布"
    fig = frame.figure(share_donut, statuses, "rectification_items", title, value_name="整改事项", unit="件",
                       category_column="status")
    show_chart(frame, fig, statuses, title, "rect_status")
with right:
    sources = frame.query(rectification.rectification_by_source, as_of=as_of, township_code=township)
    title = "按问题来源分布"
    fig = frame.figure(category_bar, sources, "rectification_items", title, value_name="整改事项", unit="件",
                       category_column="issue_source")
    show_chart(frame, fig, sources, title, "rect_sources")
    show_table(frame, sources, "按问题来源整改情况", "rect_sources_table",
               percent_columns=("rectification_completion_rate",))

st.subheader("逾期及临期整改事项")
overdue = frame.query(rectification.overdue_items, as_of=as_of, township_code=township, first=list_rows_shown())
st.caption(f"红：已逾期；黄：距整改时限不足 {settings.get('due_soon_days')} 天；绿：正常推进。"
           "按逾期天数从多到少排列。")
show_table(frame, overdue, "逾期及临期整改事项", "rect_overdue", warning_column="warning", height=420,
           empty_text="没有逾期或临期的整改事项。", listed_first="逾期最久的")

st.subheader("反复出现的问题")
recurring = frame.query(rectification.recurring_items, as_of=as_of, township_code=township, first=list_rows_shown())
show_table(frame, recurring, "反复出现的问题", "rect_recurring", height=360,
           empty_text="没有标记为反复出现的整改事项。", listed_first="最新反馈的")

st.subheader("单个乡镇整改台账")
if frame.scope.every_county:  # 全市: a county first, then one of its townships (not 1,200 in one list)
    county_names = frame.county_names
    county_codes = list(county_names)
    asked = (township or "")[:6]
    county = st.selectbox("选择县（市、区）", options=county_codes, format_func=county_names.get,
                          index=county_codes.index(asked) if asked in county_codes else None,
                          placeholder="请选择县（市、区）", key="rect_ledger_county")
    townships = None if county is None else frame.query_in_county(county, places.township_options)
    ledger_of = f"{county_names[county]}·" if county else ""
    township_key = f"rect_township_{county}"  # each county's choice its own: another county's code is no option
else:
    townships = frame.query(places.township_options)
    ledger_of, township_key = "", "rect_township"
if townships is None:
    st.info("选择县（市、区）后，可查看该县各乡镇的整改台账。")
else:
    names = dict(zip(townships["township_code"], townships["township_name"]))
    if names:
        codes = list(names)
        default = codes.index(township) if township in codes else 0
        chosen = st.selectbox("选择乡镇", options=codes, index=default, format_func=names.get, key=township_key)
        items = frame.query(rectification.rectification_items_of, township_code=chosen, as_of=as_of)
        show_table(frame, items, f"{ledger_of}{names[chosen]}整改台账", "rect_items_of", warning_column="warning",
                   bool_columns=("is_recurring",), height=420, empty_text="该乡镇截至当日没有整改事项。")
