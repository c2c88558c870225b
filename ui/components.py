"""The pieces every page is built from: the header with the data's provenance, KPI tiles, a chart
with its download buttons, a table with Chinese headers, the time drilldown and the meeting bar.

These are the only helpers that call ``st.*`` on a page's behalf; figures come from ``charts/``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts import theme
from config import settings
from metrics import freshness
from metrics.cache import freeze
from metrics.definitions import Kpi
from metrics.periods import Period
from reports.labels import COLUMN_LABELS, RATE_COLUMNS
from reports.stamps import plotly_config
from ui.downloads import chart_download_buttons, table_download_button
from ui.frame import (
    MEETING_AGENDA,
    PAGES,
    Frame,
    drill_up,
    set_county,
    set_meeting_mode,
    set_period,
    set_township,
)

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
GRANULARITY_CHILD_LABEL = {"year": "季度", "quarter": "月份"}


def _text_date(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:16]


def provenance_line(freshness: dict[str, Any]) -> str:
    """Return "数据截至 2026-11-15 · 批次 7（cases.xlsx，2026-11-20 10:31）", or a note that nothing is loaded."""
    if not freshness or not freshness.get("last_batch_id"):
        return "数据截至 — · 尚未导入任何台账"
    return (f"数据截至 {_text_date(freshness.get('data_as_of'))} · 批次 {freshness.get('last_batch_id')}"
            f"（{freshness.get('last_file_name') or '—'}，{_text_date(freshness.get('last_loaded_at'))}）")


def page_header(frame: Frame, title: str, page_id: str, *, period_note: str | None = None) -> None:
    """Render the page title, what is being read (period, place) and where the figures come from."""
    if frame.meeting:
        _meeting_bar(page_id)
    st.title(title)
    note = period_note or frame.period.label
    st.markdown(f"**{frame.township_name} · {note}**")
    loaded = frame.query(freshness.data_freshness)
    st.caption(provenance_line(loaded))
    data_as_of = loaded.get("data_as_of")
    if isinstance(data_as_of, date) and frame.period.start <= data_as_of < frame.period.end:
        running = frame.period.to_date(data_as_of)
        base = running.year_ago()
        st.caption(f"注意：{frame.period.label}尚未结束（数据截至 {data_as_of.isoformat()}），本期为期间至今的数据；"
                   f"同比、环比按相同天数比较（如去年同期为 {base.start.isoformat()} 至 {base.end.isoformat()}）。")


def _meeting_bar(page_id: str) -> None:
    """Render 下一页 (the meeting's agenda order) and 退出会议模式; meeting mode stays on across pages."""
    agenda = list(MEETING_AGENDA)
    position = agenda.index(page_id) if page_id in agenda else -1
    next_id = agenda[(position + 1) % len(agenda)]
    left, middle, right = st.columns([6, 2, 2])
    left.caption(f"会议模式 · 议程 {position + 1 if position >= 0 else '—'}/{len(agenda)}")
    if middle.button(f"下一页：{PAGES[next_id][0]}", key="meeting_next", type="primary", width="stretch"):
        # the filters' bound URL parameters follow their widgets; meeting mode is ours to carry
        st.switch_page(PAGES[next_id][1], query_params={"meeting": "1"})
    right.button("退出会议模式", key="meeting_exit", on_click=set_meeting_mode, args=(False,), width="stretch")


def kpi_tiles(kpis: list[Kpi], per_row: int = 3) -> None:
    """Render one tile per Kpi: the value, 同比 as the delta (coloured by whether up is good), 环比 below."""
    for start in range(0, len(kpis), per_row):
        columns = st.columns(per_row)
        for column, kpi in zip(columns, kpis[start:start + per_row]):
            with column:
                delta = None if kpi.yoy_change is None else f"{kpi.formatted_yoy}（同比）"  # sign first: arrow
                st.metric(kpi.metric.label, kpi.formatted_value, delta=delta,
                          delta_color="normal" if kpi.metric.higher_is_better else "inverse",
                          help=kpi.metric.description, border=True)
                base = "" if kpi.year_ago_value is None else f"去年同期 {_format(kpi, kpi.year_ago_value)}"
                st.caption(f"环比 {kpi.formatted_mom}" + (f" · {base}" if base else ""))


def _format(kpi: Kpi, value: float | None) -> str:
    from metrics.definitions import format_value

    return format_value(kpi.metric, value)


def show_chart(frame: Frame, fig, table: pd.DataFrame | None, title: str, key: str,
               on_select: Callable | None = None) -> None:
    """Render a figure (click-selectable when ``on_select`` is given) and its download buttons."""
    shown = _meeting_variant(fig) if frame.meeting else fig
    # the toolbar's own camera button saves "<中文标题>.png" at print scale
    config = {**PLOTLY_CONFIG, **plotly_config(title)}
    # theme=None: the house theme of charts/theme.py, the same as in the PNG and Word exports
    if on_select is not None:
        st.plotly_chart(shown, key=key, on_select=on_select, selection_mode="points", config=config,
                        width="stretch", theme=None)
    else:
        st.plotly_chart(shown, key=key, config=config, width="stretch", theme=None)
    chart_download_buttons(fig, table, title, key)


# a code column is dropped from display when its name column is there (both would read 期间/乡镇)
_CODE_BESIDE_NAME = {"period_code": "period_label", "county_code": "county_name", "township_code": "township_name",
                     "village_code": "village_name"}


def _meeting_variant(fig):
    """Return a copy of the figure with larger type for the projector (the exported figure keeps the house size)."""
    shown = go.Figure(fig.to_dict(), _validate=False)
    shown.update_layout(font={"size": 17}, title={"font": {"size": 24}}, height=int((fig.layout.height or 420) * 1.15))
    return shown


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with Chinese column headers (reports.labels.COLUMN_LABELS, with units), codes beside names dropped."""
    redundant = [c for c, name in _CODE_BESIDE_NAME.items() if c in df.columns and name in df.columns]
    shown = df.drop(columns=redundant)
    return shown.rename(columns={c: COLUMN_LABELS.get(c, c) for c in shown.columns})


def _yes_no(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)) or value in (0, 1):
        return "是" if value else "否"
    return "—" if value is None else value


def display_table(df: pd.DataFrame, *, percent_columns: tuple[str, ...] = (), money_columns: tuple[str, ...] = (),
                  bool_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return a copy formatted for reading: 82.3%, 873.46, 是/否, dates (display formatting only).

    Rate columns (reports.labels.RATE_COLUMNS) read as percentages even when not listed.
    """
    shown = df.copy()
    for column in set(percent_columns) | (set(RATE_COLUMNS) & set(shown.columns)):
        if column in shown:
            shown[column] = shown[column].map(lambda v: v if isinstance(v, str) else theme.format_percent(v))
    for column in money_columns:
        if column in shown:
            shown[column] = shown[column].map(lambda v: theme.format_wan_yuan(v, unit=False))
    for column in set(bool_columns) | {c for c in shown.columns if c.startswith(("is_", "suggest_"))}:
        if column in shown:
            shown[column] = shown[column].map(_yes_no)
    for column in shown.columns:
        if shown[column].dtype == object:  # dates, text with None, or counts with "<3" (the small-number rule)
            cells = shown[column].map(_cell_text)
            kinds = set(cells.map(type))
            if str in kinds and len(kinds) > 1:  # one type a column: Arrow refused the mix (a traceback logged each view)
                cells = cells.map(str)
            shown[column] = cells
        elif str(shown[column].dtype) in ("str", "string"):  # text only: a missing cell is all there is to write
            shown[column] = shown[column].fillna("—")
    return shown


def _cell_text(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return value


WARNING_OPTIONS = ("红", "黄", "绿", "蓝")


def _table_for_display(df: pd.DataFrame, percent_columns: tuple[str, ...], money_columns: tuple[str, ...],
                       bool_columns: tuple[str, ...], warning_column: str | None) -> pd.DataFrame:
    """Return the table as shown: formatted, Chinese headers, the warning as a one-pill list (coloured)."""
    shown = labelled(display_table(df, percent_columns=percent_columns, money_columns=money_columns,
                                   bool_columns=bool_columns))
    if warning_column and warning_column in df.columns:
        header = COLUMN_LABELS.get(warning_column, warning_column)
        shown[header] = shown[header].map(lambda v: [v] if isinstance(v, str) and v else [])
    return shown


def kept_for_the_session(name: str, inputs: tuple, make: Callable[[], Any]) -> Any:
    """``make()``, kept in this session's state under ``name`` while ``inputs`` (frames from the cache, options) are
    the same: for an object a widget renders and may change as it does (a folium map), which the result cache,
    shared by every session, must not hand out. A frame from the cache is named by its result's key, so a warm
    rerun compares no rows; a load changes every key, and so the object."""
    key = freeze(inputs)
    kept = st.session_state.get(name)
    if kept is not None and kept[0] == key:
        return kept[1]
    value = make()
    st.session_state[name] = (key, value)
    return value


def list_rows_shown() -> int:
    """How many rows a page's item list asks for (setting ``list_rows_shown``): pass it as the list's ``first``."""
    return int(settings.get("list_rows_shown"))


def show_table(frame: Frame, df: pd.DataFrame, title: str, key: str, *, warning_column: str | None = None,
               percent_columns: tuple[str, ...] = (), money_columns: tuple[str, ...] = (),
               bool_columns: tuple[str, ...] = (), height: int | str = "auto", empty_text: str = "暂无记录",
               listed_first: str | None = None) -> None:
    """Render a table with Chinese headers (warnings as 红/黄/绿 pills in their colours) and its download button.

    ``listed_first`` names the order of an item list read with ``first=list_rows_shown()`` (e.g. "逾期最久的"):
    when the list came back full, a caption says that only the first rows are listed, and how to see all."""
    if df is None or df.empty:
        st.info(empty_text)
        return
    if listed_first is not None and len(df) >= list_rows_shown():
        st.caption(f"条目较多，此处只列出{listed_first} {len(df):,} 条（“下载表格”即这些条目）；"
                   f"选择{'县或乡镇' if frame.scope.every_county else '乡镇'}可查看该范围的全部条目。")
    shown = frame.figure(_table_for_display, df, tuple(percent_columns), tuple(money_columns), tuple(bool_columns),
                         warning_column)
    column_config = None
    if warning_column and warning_column in df.columns:
        header = COLUMN_LABELS.get(warning_column, warning_column)
        column_config = {header: st.column_config.MultiselectColumn(
            header, options=WARNING_OPTIONS, color=[theme.LEVEL_COLORS.get(w, theme.WARNING_COLORS.get(w))
                                                    for w in WARNING_OPTIONS], width="small")}
    if height == "auto":  # every row up to 12, then scroll
        height = 38 + 35 * min(len(shown), 12)
    st.dataframe(shown, hide_index=True, width="stretch", height=height, key=key, column_config=column_config)
    table_download_button(labelled(df), title, key)


# --- time drilldown ---------------------------------------------------------------------------

def _selected_period_code(key: str) -> str | None:
    state = st.session_state.get(key)
    try:
        points = state["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points:
        code = point.get("customdata")
        if isinstance(code, (list, tuple)):
            code = code[0] if code else None
        if code:
            return str(code)
    return None


def drill_to_selected(key: str) -> None:
    """Callback of a trend chart: set the period filter to the clicked bar's period."""
    code = _selected_period_code(key)
    if code:
        set_period(Period.parse(code))


def _clicked_bar(key: str) -> str | None:
    """The place named by the clicked bar of a horizontal place chart (its label without a "1. " rank)."""
    state = st.session_state.get(key) or {}
    points = (state.get("selection") or {}).get("points") or []
    if points and points[0].get("y"):
        return str(points[0]["y"]).split(". ", 1)[-1]
    return None


def drill_to_township(key: str) -> None:
    """Callback of a township chart: set the township filter to the clicked bar's township."""
    name = _clicked_bar(key)
    if name:
        set_township(name)


def drill_to_county(key: str) -> None:
    """Callback of a 全市 county chart: set the county filter to the clicked bar's county."""
    name = _clicked_bar(key)
    if name:
        set_county(name)


def prefecture_interview_box(flags: pd.DataFrame) -> None:
    """全市's 建议约谈 (``ranking.interview_flags`` of a 市级 scope): each county's own last township two
    quarters running, in one box (a box each for 15 counties is a page)."""
    st.error(f"{len(flags)}个县各有乡镇连续两个季度在本县综合排名末位，建议约谈主要负责人：\n\n" + "\n".join(
        f"- {name}（{quarters}）" for name, quarters in zip(flags["township_name"], flags["quarters"])))


def drill_controls(frame: Frame, key: str) -> None:
    """Render the 上钻 button (month → its quarter → its year) and a line saying where one is."""
    parent = frame.period.parent()
    left, right = st.columns([7, 2])
    path = " › ".join(p.label for p in _ancestry(frame.period))
    left.caption(f"时间层级：{path}。点击图中柱形可下钻到该期间。")
    right.button(f"上钻到{parent.label}" if parent else "已是年度", key=f"{key}_up", on_click=drill_up,
                 disabled=parent is None, width="stretch")


def _ancestry(period: Period) -> list[Period]:
    chain = [period]
    while chain[0].parent() is not None:
        chain.insert(0, chain[0].parent())
    return chain


def trend_window(frame: Frame, count: int | None = None) -> list[Period]:
    """Return the periods a trend shows: the last ``count`` periods up to the selected one."""
    count = count or {"month": 12, "quarter": 8, "year": 4}[frame.granularity]
    periods = [frame.period]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    years = frame.query(freshness.available_years)
    if years:
        periods = [p for p in periods if p.year >= years[0]] or [frame.period]
    return periods


# the uploader's own words are English in Streamlit's bundle; a newcomer reads Chinese (no data in this CSS)
_UPLOADER_IN_CHINESE = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after { content: "%s"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] > * { display: none; }
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]::after {
  content: "选择文件"; font-size: 0.875rem; }
</style>"""


def file_uploader_in_chinese(limit_mb: float) -> None:
    """Replace the file uploader's English instructions and button text with Chinese ones."""
    st.html(_UPLOADER_IN_CHINESE % f"拖放文件到此处，或点击“选择文件”；单个文件不超过 {limit_mb:g} MB")
