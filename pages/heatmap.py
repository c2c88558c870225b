"""线索热力图 — where the problem clues are: a heat layer at the villages' points, township outlines
(optionally shaded by clues per 万人), village markers with their counts, a month-by-month view of
the year, and the drilldown township → its villages → a village's clues.

Thin: filters → metrics.places (the map's queries) → geo.heatmap.build_map → st_folium. The map
never reruns the app on pan or zoom (``returned_objects=[]``); the drilldown is driven by the selectboxes.
The month view is a slider (the tables follow it) and a 播放 control inside the map that steps
the heat through the year's months in the browser (geo.heatmap.MonthlyHeatPlayer), rather than
folium's HeatMapWithTime, whose plugin needs jQuery, leaflet-timedimension and iso8601-js-period.
"""

from datetime import datetime

import streamlit as st
from streamlit_folium import st_folium

from config import settings
from geo.heatmap import WEIGHT_MODES, TileSource, build_map, render_html
from metrics import places
from metrics.periods import Period
from metrics.places import CLUE_FILTER_OPTIONS, ClueFilters
from metrics.scope import apply_small_number_rule
from ui.components import display_table, kept_for_the_session, page_header
from ui.frame import current_frame, set_township

frame = current_frame()
page_header(frame, "线索热力图", "heatmap")


# --- the page's own filters ---------------------------------------------------------------------
options = CLUE_FILTER_OPTIONS
first, second, third = st.columns(3)
domains = first.multiselect("问题领域", options["problem_domains"], placeholder="全部领域", key="heatmap_domains")
levels = second.multiselect("管理等级", options["management_levels"], placeholder="全部等级", key="heatmap_levels")
sources = third.multiselect("线索来源", options["clue_sources"], placeholder="全部来源", key="heatmap_sources")
filters = ClueFilters(tuple(domains), tuple(levels), tuple(sources))

first, second, third = st.columns([3, 2, 2])
weight = first.radio("热力按", list(WEIGHT_MODES), format_func=WEIGHT_MODES.get, horizontal=True,
                     key="heatmap_weight")
choropleth = second.toggle("乡镇按每万人线索数着色", value=False, key="heatmap_choropleth")
by_month = third.toggle("逐月查看（本年度）", value=False, key="heatmap_by_month",
                        help="在所选年度内逐月拖动，看线索在哪些村集中、如何移动。")

period = frame.period
monthly_villages = None
if by_month:
    monthly = frame.query(places.monthly_clue_counts, year=frame.period.year, filters=filters)
    months = list(monthly["month"])  # all twelve: the options stay the same whatever the filters
    counts = dict(zip(monthly["month"], monthly["clue_count"]))
    with_clues = [m for m in months if counts[m] > 0 and Period.parse(m).start <= frame.period.end]
    chosen = st.select_slider(f"{frame.period.year}年月份", options=months, value=(with_clues or months)[-1],
                              format_func=lambda m: f"{Period.parse(m).label}（{counts.get(m, 0)}条）",
                              key=f"heatmap_month_{frame.period.year}")
    period = Period.parse(chosen)
    monthly_villages = frame.query(places.monthly_village_counts, year=frame.period.year,
                                   filters=filters)
    st.caption("地图右上角的“播放”按月依次显示全年热力分布（在浏览器中播放，不刷新页面）；下方列表随所选月份变化。")

# --- drilldown: a township (the global filter, so every page follows) ---------------------------
townships = frame.query(places.township_clue_rates, period=period, filters=filters)
# the sidebar's names (全市: 县·乡镇, as a prefecture's townships share names), so a choice here is one there
options = frame.query(places.township_options)
names = dict(zip(options["township_code"], options["township_name"]))
if not frame.scope.township_code:
    choices = [frame.whole_area] + list(names.values())
    # follow the global filter (the sidebar may have changed it since this widget last ran)
    st.session_state["heatmap_township"] = frame.township_name if frame.township_name in choices else frame.whole_area
    st.selectbox("钻取乡镇（地图缩放到该乡镇，并列出各村）", choices, key="heatmap_township",
                 on_change=lambda: set_township(st.session_state["heatmap_township"]))

villages = frame.query(places.village_clue_counts, period=period, filters=filters)
outlines = frame.query(places.boundary_geometries, level="township")
hides_names = not frame.scope.shows_names
threshold = int(settings.get("small_number_threshold")) if hides_names else None

if outlines.empty:
    st.info("尚未导入乡镇边界，地图只显示村点位。导入方法：python -m geo load-boundaries 边界文件 --level township")

map_options = {"weight": weight, "choropleth": choropleth, "focus_township": frame.township_code,
               "small_number_threshold": threshold, "tiles": TileSource.from_settings(),
               "start_month": period.code if by_month else None}
# kept while nothing it shows changes: 全市's 23,300 villages took 1.1 s to build at every rerun
fmap = kept_for_the_session("_heatmap_map", (villages, townships, outlines, monthly_villages, map_options),
                            lambda: build_map(villages, townships, outlines, monthly=monthly_villages, **map_options))
st_folium(fmap, height=620, use_container_width=True, returned_objects=[], key="clue_heatmap")


def offline_map_html() -> bytes:
    """Return the same map as one HTML file with its scripts inside (opens from disk), watermarked and audited."""
    from reports.archive import record_export
    from reports.stamps import file_name, watermark_line

    title = f"{frame.township_name}问题线索热力图"
    lines = (title, f"{period.label} · 热力按{WEIGHT_MODES[weight]}", watermark_line(frame.scope.user_name, datetime.now()))
    document = render_html(build_map(villages, townships, outlines, weight=weight, choropleth=choropleth,
                                     focus_township=frame.township_code, small_number_threshold=threshold,
                                     inline=True, title_lines=lines, monthly=monthly_villages,
                                     start_month=period.code if by_month else None)).encode("utf-8")
    record_export(frame.engine, frame.scope.user_name, kind="html", title=title,
                  file_name=file_name(title, "html"), size_bytes=len(document), county_code=frame.scope.county_code)
    return document


st.download_button("下载离线地图（HTML，可直接用浏览器打开）", data=offline_map_html,
                   file_name=f"{frame.township_name}问题线索热力图.html", mime="text/html",
                   on_click="ignore", key="heatmap_download_html")

placed = int(villages["clue_count"].sum())
unplaced = int(townships["unplaced_clue_count"].sum())
unlocated = int(villages.loc[villages["longitude"].isna() | villages["latitude"].isna(), "clue_count"].sum())
st.caption(
    f"{period.label}：热力图显示已关联到村的线索 {placed - unlocated} 条"
    + (f"；另有 {unplaced} 条线索未关联到村，只计入所属乡镇" if unplaced else "")
    + (f"；{unlocated} 条所在村没有经纬度，未能上图" if unlocated else "")
    + "。数据在服务器端按村汇总。"
)

# --- township → villages → clues ----------------------------------------------------------------
if frame.township_code:
    township_name = names.get(frame.township_code, frame.township_name)
    st.subheader(f"{township_name}各村（社区）线索（{period.label}）")
    in_township = villages[villages["township_code"] == frame.township_code]
    table = in_township[["village_code", "village_name", "clue_count", "red_clue_count", "amount_wan_yuan"]]
    table = table.sort_values(["clue_count", "village_code"], ascending=[False, True])
    shown = apply_small_number_rule(table, ["clue_count", "red_clue_count"], frame.scope)
    st.dataframe(
        display_table(shown.drop(columns=["village_code"])).rename(columns={
            "village_name": "村（社区）", "clue_count": "线索数", "red_clue_count": "红色线索",
            "amount_wan_yuan": "涉及金额（万元）"}),
        hide_index=True, width="stretch", key="heatmap_village_table",
    )
    village_names = dict(zip(table["village_code"], table["village_name"]))
    village_code = st.selectbox("查看村（社区）的线索", [None] + list(village_names),
                                format_func=lambda c: "请选择" if c is None else village_names[c],
                                key="heatmap_village")
    if village_code:
        clues = frame.query(places.village_clue_list, village_code=village_code, period=period, filters=filters)
        if clues.empty:
            st.info("该村（社区）本期没有符合条件的线索。")
        else:
            st.dataframe(  # a dataframe cell is plain text: an HTML summary shows as its characters
                clues.rename(columns={
                    "clue_id": "线索编号", "received_date": "受理日期", "clue_source": "线索来源",
                    "problem_domain": "问题领域", "management_level": "管理等级", "handling_status": "办理状态",
                    "reported_person_name": "被反映人", "summary": "问题摘要"}),
                hide_index=True, width="stretch", key="heatmap_clue_table",
            )
else:
    st.caption("选择一个乡镇，地图将缩放到该乡镇，并列出其各村（社区）的线索数。")
