"""满意度 — the county 满意率 by quarter against the target, every township's trend (a heat table),
知晓率 and the sample sizes behind each figure."""

from functools import partial

import streamlit as st

from charts.townships import counties_as_places, township_heat_table
from charts.trends import period_lines
from config import settings
from metrics import freshness, kpis, satisfaction
from metrics.periods import Period, periods_between
from ui.components import drill_to_selected, kpi_tiles, page_header, show_chart, show_table
from ui.frame import current_frame

frame = current_frame()
page_header(frame, "满意度", "satisfaction")
township = frame.township_code
target = float(settings.get("satisfaction_target"))

kpi_tiles(frame.query(kpis.kpi_tiles, period=frame.period, township_code=township,
                      metrics=("satisfaction_rate", "awareness_rate")), per_row=2)

years = frame.query(freshness.available_years)
last_quarter = frame.quarter
quarters = periods_between("quarter", Period.whole_year(years[0]).start if years else last_quarter.start,
                           last_quarter.end)
series = frame.query(satisfaction.satisfaction_series, periods=quarters, township_code=township)
place = frame.township_name
title = f"{place}群众满意率（按季度，目标 {target:.0%}）"
fig = frame.figure(period_lines, series, {"satisfaction_rate": "满意率"}, title, y_title="满意率", percent=True,
                   target=target, target_name="目标")
show_chart(frame, fig, series, title, "satisfaction_trend",
           on_select=partial(drill_to_selected, "satisfaction_trend"))  # a point → that quarter

left, right = st.columns([3, 2])
with left:
    title = f"{place}监督平台知晓率（按季度）"
    fig = frame.figure(period_lines, series, {"awareness_rate": "知晓率"}, title, y_title="知晓率", percent=True)
    show_chart(frame, fig, series, title, "satisfaction_awareness")
with right:
    st.markdown("**测评样本**")
    show_table(frame, series, f"{place}满意度测评样本", "satisfaction_samples",
               percent_columns=("satisfaction_rate", "awareness_rate"))

# 全市: the counties (1,200 townships, many of them sharing a name such as 城关镇, make no table a meeting reads)
places_word = "各县" if frame.scope.every_county else "各乡镇"
st.subheader(f"{places_word}满意率")
if frame.scope.every_county:
    by_place = frame.query(satisfaction.satisfaction_by_county, periods=quarters[-8:])
    drawn = counties_as_places(by_place)
else:
    by_place = drawn = frame.query(satisfaction.satisfaction_by_township, periods=quarters[-8:])
title = f"{places_word}满意率（{quarters[-8:][0].label}至{quarters[-1].label}）"
fig = frame.figure(township_heat_table, drawn, "satisfaction_rate", title, value_name="满意率", target=target)
show_chart(frame, fig, by_place, title, "satisfaction_townships")
