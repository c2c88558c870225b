"""季度排名 — the quarterly composite ranking of the townships with its four components, the change
from last quarter, and 建议约谈 for a township last two quarters running."""

import streamlit as st

from charts.townships import ranking_score_bar
from metrics import ranking
from ui.components import page_header, show_chart, show_table
from ui.frame import current_frame

frame = current_frame()
quarter = frame.quarter
page_header(frame, "季度排名", "ranking", period_note=f"{quarter.label}乡镇综合排名")

if quarter.end < frame.period.end:
    st.caption(f"{frame.period.label}尚未结束、尚无满意度测评，排名显示最近一个完整季度：{quarter.label}。")

st.caption("综合得分 = " + ranking.weights_text() + "；得分相同时逾期事项少者在前。连续两个季度末位的乡镇建议约谈。")

scores = frame.query(ranking.quarterly_ranking, quarter=quarter)
flags = frame.query(ranking.interview_flags, quarter=quarter)
for name, quarters in zip(flags["township_name"], flags["quarters"]):
    st.error(f"建议约谈：{name}（连续两个季度综合排名末位：{quarters}）")

title = f"{quarter.label}乡镇综合排名"
show_chart(frame, frame.figure(ranking_score_bar, scores, title), scores, title, "ranking_scores")

shown = scores.copy()  # display formatting only: 93.2分, ↑3
if len(shown):
    shown["score"] = [f"{v:.1f}" for v in shown["score"].astype(float)]
    shown["rank_change"] = [("—" if c != c or c is None else ("持平" if int(c) == 0 else
                             (f"↑{int(c)}" if c > 0 else f"↓{-int(c)}"))) for c in shown["rank_change"]]
show_table(frame, shown, title, "ranking_table",
           percent_columns=("rectification_completion_rate", "on_time_completion_rate", "satisfaction_rate",
                            "proactive_discovery_rate"), bool_columns=("is_last", "suggest_interview"))

if frame.scope.every_county:  # a prefecture: its counties side by side
    st.subheader(f"{quarter.label}各县对比")
    by_county = frame.query(ranking.county_comparison, quarter=quarter)
    show_table(frame, by_county, f"{quarter.label}各县对比", "ranking_counties",
               percent_columns=("rectification_completion_rate", "on_time_completion_rate", "satisfaction_rate",
                                "proactive_discovery_rate"), empty_text="本季度各县尚无数据。")
