"""季通报 — choose a quarter (and optionally a township), generate the Word bulletin, download it;
the archive of every bulletin generated, each downloadable again byte for byte; the weekly meeting deck."""

from datetime import date, datetime
from functools import partial

import streamlit as st

from metrics import freshness, places
from metrics.periods import Period, periods_between
from reports.archive import archived_bytes, list_bulletins, record_export
from reports.stamps import file_name
from ui.frame import current_frame

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_LAST_KEY = "bulletin_last_generated"

frame = current_frame()
scope = frame.scope
engine = frame.engine
st.title("季通报")
st.caption("按季度生成《集中整治群众身边不正之风和腐败问题工作情况通报》（Word，可编辑），数据按季度末统计；"
           "每次生成的文件均归档，可随时原样重新下载。")


def _redownload(bulletin_id: int, name: str) -> bytes:
    """Return the archived bytes and log the re-download (runs on click)."""
    data = archived_bytes(engine, scope, bulletin_id=bulletin_id)
    record_export(engine, scope.user_name, kind="docx", title=f"归档季通报 {bulletin_id}", file_name=name,
                  size_bytes=len(data), county_code=scope.county_code, bulletin_id=bulletin_id, redownload=True)
    return data


def _deck_bytes(week_ending: date, township_code: str | None) -> bytes:
    """Return the weekly deck and log the export (runs on click)."""
    from reports.deck import build_deck

    data = build_deck(engine, week_ending, scope, township_code)
    record_export(engine, scope.user_name, kind="pptx", title=f"周调度会材料（截至{week_ending.isoformat()}）",
                  file_name=f"周调度会材料_{week_ending.isoformat()}.pptx", size_bytes=len(data),
                  county_code=scope.county_code)
    return data


latest_quarter = frame.query(freshness.latest_period, granularity="quarter")
years = frame.query(freshness.available_years)
first_day = date(years[0], 1, 1) if years else latest_quarter.start
quarters = [p.code for p in reversed(periods_between("quarter", first_day, latest_quarter.end))]
data_as_of = frame.query(freshness.data_freshness).get("data_as_of")
# a bulletin reports a finished quarter: default to the latest one the data covers to its last day
complete = [c for c in quarters if not isinstance(data_as_of, date) or Period.parse(c).end <= data_as_of]
default_quarter = complete[0] if complete else quarters[0]
townships = frame.query(places.township_options)
names = dict(zip(townships["township_code"], townships["township_name"]))

st.subheader("生成季通报")
left, right = st.columns(2)
quarter_code = left.selectbox("季度", quarters, index=quarters.index(default_quarter),
                              format_func=lambda code: Period.parse(code).label, key="bulletin_quarter")
township_choices = ([] if scope.township_code else [None]) + list(names)
township_code = right.selectbox("范围", township_choices, format_func=lambda c: names.get(c, c) if c else frame.whole_area,
                                key="bulletin_township")

chosen = Period.parse(quarter_code)
if isinstance(data_as_of, date) and data_as_of < chosen.end:
    st.caption(f"{chosen.label}尚未结束或数据未报齐：数据截至 {data_as_of.isoformat()}，通报中将注明。")

if not scope.may_produce_bulletin:
    st.warning(f"当前角色（{scope.role}）无权生成季通报，仅纪委、管理员可生成；可下载下方已归档的通报。")
elif st.button("生成季通报", type="primary", key="bulletin_generate"):
    from reports.bulletin import generate_bulletin

    with st.spinner("正在生成季通报（统计数据、绘制图表、排版）……"):
        try:
            result = generate_bulletin(engine, quarter_code, scope, township_code)
        except (ValueError, PermissionError, RuntimeError) as error:  # RuntimeError: no Chromium for the chart
            st.error(f"生成失败：{error}")
        else:
            st.session_state[_LAST_KEY] = (result.bulletin_id, result.file_name, len(result.data), result.sha256)

last = st.session_state.get(_LAST_KEY)
if last:
    bulletin_id, name, size, digest = last
    st.success(f"已生成并归档：{name}（{size / 1024:.0f} KB，归档编号 {bulletin_id}）")
    st.download_button("下载季通报（Word）", data=partial(archived_bytes, engine, scope, bulletin_id=bulletin_id),
                       file_name=name, mime=DOCX_MIME, key=f"bulletin_download_{bulletin_id}", type="primary", on_click="ignore")

st.subheader("历史通报")
archive = list_bulletins(engine, scope)  # the scope's county's (a 乡镇 user's: its township's) only
if not archive:
    st.info("尚无已归档的季通报。")
every_county = scope.every_county  # 全市: a county-wide bulletin is named by its county
for item in archive:
    info, button = st.columns([5, 1])
    if item.township_code:
        scope_label = names.get(item.township_code, item.township_code)
    elif every_county:
        scope_label = frame.county_names.get(item.county_code, item.county_code) if item.county_code else "全市"
    else:
        scope_label = "全县"
    info.markdown(f"**{Period.parse(item.quarter_label).label}·{scope_label}**　"
                  f"{item.generated_at:%Y-%m-%d %H:%M} 由 {item.generated_by} 生成　"
                  f"{item.size_bytes / 1024:.0f} KB　SHA-256 `{item.file_sha256[:12]}`")
    with button:
        st.download_button("下载", data=partial(_redownload, item.bulletin_id, item.file_name),
                           file_name=item.file_name, mime=DOCX_MIME, key=f"bulletin_archive_{item.bulletin_id}",
                           on_click="ignore")

st.subheader("周调度会材料（PPT）")
default_week_end = data_as_of if isinstance(data_as_of, date) else datetime.now().date()
week_ending = st.date_input("本周截至", value=default_week_end, key="deck_week_ending", format="YYYY-MM-DD")
deck_township = frame.township_code
st.download_button(
    "生成并下载周调度会材料（16:9）", data=partial(_deck_bytes, week_ending, deck_township),
    file_name=file_name(f"周调度会材料_{week_ending.isoformat()}", "pptx"), mime=PPTX_MIME, key="deck_download",
    on_click="ignore", help="总览页的主要指标与重点图表，点击时生成",
)
