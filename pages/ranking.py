"""季度排名 — the quarterly composite ranking of the townships with its four components, the change
from last quarter, and 建议约谈 for a township last two quarters running; for a 市级 user's 全市, the
counties' scores side by side and each county's own township ranking."""

from functools import partial

import streamlit as st

from charts.townships import counties_as_places, ranking_score_bar, township_bar
from metrics import ranking
from ui.components import drill_to_county, page_header, prefecture_interview_box, show_chart, show_table
from ui.frame import current_frame

frame = current_frame()
quarter = frame.quarter
page_header(frame, "季度排名", "ranking", period_note=f"{quarter.label}乡镇综合排名")

if quarter.end < frame.period.end:
    st.caption(f"{frame.period.label}尚未结束、尚无满意度测评，排名显示最近一个完整季度：{quarter.label}。")

st.caption("综合得分 = " + ranking.weights_text() + "；得分相同时逾期事项少者在前。连续两个季度末位的乡镇建议约谈。")

scores = frame.query(ranking.quarterly_ranking, quarter=quarter)
flags = frame.query(ranking.interview_flags, quarter=quarter)
if frame.scope.every_county and len(flags):
    prefecture_interview_box(flags)
else:
    for name, quarters, count in zip(flags["township_name"], flags["quarters"], flags["quarter_count"]):
        st.error(f"建议约谈：{name}（{ranking.quarters_in_a_row(count)}综合排名末位：{quarters}）")

title = f"{quarter.label}乡镇综合排名"
if frame.scope.every_county:  # 全市: the counties side by side; each county ranks its own townships
    st.subheader(f"{quarter.label}各县对比")
    st.caption("一个县的综合得分由该县乡镇合计的四项指标按同样权重计算；乡镇在本县内排名。点击柱形可查看该县的乡镇排名。")
    by_county = frame.query(ranking.county_comparison, quarter=quarter)
    county_key = "ranking_county_scores"
    fig = frame.figure(township_bar, counties_as_places(by_county.assign(score=by_county["score"].round(1))),
                       "score", f"{quarter.label}各县综合得分", value_name="综合得分", unit="分")
    show_chart(frame, fig, by_county, f"{quarter.label}各县综合得分", county_key,
               on_select=partial(drill_to_county, county_key))
    show_table(frame, by_county.assign(score=[f"{v:.1f}" for v in by_county["score"].astype(float)]),
               f"{quarter.label}各县对比", "ranking_counties", empty_text="本季度各县尚无数据。")
    st.subheader(f"{quarter.label}各县乡镇排名")
    title = f"{quarter.label}各县乡镇综合排名"
else:
    show_chart(frame, frame.figure(ranking_score_bar, scores, title), scores, title, "ranking_scores")

shown = scores.copy()  # display formatting only: 93.2分, ↑3
if len(shown):
    shown["score"] = [f"{v:.1f}" for v in shown["score"].astype(float)]
    shown["rank_change"] = [("—" if c != c or c is None else ("持平" if int(c) == 0 else
                             (f"↑{int(c)}" if c > 0 else f"↓{-int(c)}"))) for c in shown["rank_change"]]
show_table(frame, shown, title, "ranking_table", bool_columns=("is_last", "suggest_interview"))
