"""总览 — the weekly meeting's first screen: KPI tiles with 同比/环比, the last 7 days, red and
supervised clues, overdue rectification by township, townships flagged 建议约谈, and the place
drilldown (county → township → its villages)."""

from functools import partial

import streamlit as st

from charts.townships import counties_as_places, township_bar
from metrics import clues, kpis, places, ranking, rectification
from ui.components import (
    drill_to_county,
    drill_to_township,
    kpi_tiles,
    list_rows_shown,
    page_header,
    prefecture_interview_box,
    show_chart,
    show_table,
)
from ui.frame import current_frame, set_township
from ui.reporting import show_reporting_matrix

frame = current_frame()
page_header(frame, "总览", "overview")

kpi_tiles(frame.query(kpis.kpi_tiles, period=frame.period, township_code=frame.township_code))

recent = frame.query(clues.recent_activity, township_code=frame.township_code, days=7, first=0)  # the counts
as_of = recent.get("as_of")
st.subheader(f"近7天新增（截至 {as_of.isoformat() if as_of else '—'}）")
left, right = st.columns(2)
left.metric("新增线索", f"{recent['new_clues']}件", border=True)
right.metric("新增立案", f"{recent['new_cases']}件", border=True)
# the lists are read and drawn only once opened: the meeting's first screen is the numbers
with st.expander("查看近7天新增线索与案件明细", key="overview_recent_details", on_change="rerun") as details:
    if details.open:
        listed = frame.query(clues.recent_activity, township_code=frame.township_code, days=7,
                             first=list_rows_shown())
        show_table(frame, listed["clues"], "近7天新增线索", "overview_recent_clues",
                   warning_column="management_level", bool_columns=("is_supervised",), listed_first="最新受理的")
        show_table(frame, listed["cases"], "近7天新增案件", "overview_recent_cases",
                   money_columns=("recovered_funds_wan_yuan",), listed_first="最新立案的")

st.subheader("红色及挂牌督办线索（在办）")
priority = frame.query(clues.priority_clues, period=frame.period, township_code=frame.township_code,
                       first=list_rows_shown())
counted = f"{len(priority)} 件" if len(priority) < list_rows_shown() else f"至少 {len(priority):,} 件"
st.caption(f"截至{frame.as_of.isoformat()}尚未办结的红色（重点）或挂牌督办线索 {counted}（含以前受理）。")
show_table(frame, priority, "红色及挂牌督办线索", "overview_priority", warning_column="management_level",
           bool_columns=("is_supervised",), empty_text="本期没有在办的红色或挂牌督办线索。",
           listed_first="挂牌督办在前、受理最早的")

st.subheader(f"逾期整改事项（截至 {frame.as_of.isoformat()}）")
if frame.scope.every_county:  # 全市: the counties side by side (1,200 townships make no chart)
    by_county = frame.query(rectification.rectification_by_county, as_of=frame.as_of)
    overdue_key = "overview_overdue_by_county"
    fig = frame.figure(township_bar, counties_as_places(by_county), "overdue_items", "各县逾期整改事项",
                       value_name="逾期事项", unit="件")
    show_chart(frame, fig, by_county, "各县逾期整改事项", overdue_key, on_select=partial(drill_to_county, overdue_key))
else:
    by_township = frame.query(rectification.rectification_by_township, as_of=frame.as_of)
    overdue_key = "overview_overdue_by_township"
    fig = frame.figure(township_bar, by_township, "overdue_items", "各乡镇逾期整改事项", value_name="逾期事项",
                       unit="件")
    show_chart(frame, fig, by_township, "各乡镇逾期整改事项", overdue_key,
               on_select=partial(drill_to_township, overdue_key) if frame.township_code is None else None)

quarter = frame.quarter
st.subheader(f"建议约谈乡镇（{quarter.label}）")
flags = frame.query(ranking.interview_flags, quarter=quarter)
if flags.empty:
    st.success("本季度没有连续两个季度排名末位的乡镇。")
elif frame.scope.every_county:
    prefecture_interview_box(flags)
else:
    for name, quarters, count in zip(flags["township_name"], flags["quarters"], flags["quarter_count"]):
        st.error(f"{name}：{ranking.quarters_in_a_row(count)}综合排名末位（{quarters}），建议约谈主要负责人。")

if frame.township_code:
    st.subheader(f"{frame.township_name}各村（社区）情况（{frame.period.label}）")
    st.button(f"返回{frame.whole_area}", key="overview_back_to_county", on_click=set_township,
              args=(frame.whole_area,))
    villages = frame.query(places.village_table, township_code=frame.township_code, period=frame.period)
    show_table(frame, villages, f"{frame.township_name}各村（社区）情况", "overview_villages")
elif frame.scope.every_county:
    st.caption("点击上图中的县，可查看该县各乡镇的情况。")
else:
    st.caption("点击上图中的乡镇，可下钻查看该乡镇各村（社区）的情况。")

st.subheader(f"报送情况（{frame.period.label}）")
st.caption("各乡镇各月台账是否按期报送：未报送标红，迟报标黄；乡镇本月无新增的，在“数据报送”页报零报告。")
show_reporting_matrix(frame, frame.period, key="overview_reporting", township_code=frame.township_code)
