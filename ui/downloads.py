"""Download buttons under every chart (PNG, XLSX) and every table (XLSX).

The file is built only when the button is clicked: ``data=`` is a callable, which Streamlit
runs on click in its own thread, and ``on_click="ignore"`` keeps the page from rerunning. The
callable also writes the export to the audit log, so the log holds what was really taken, not
every button drawn. The stamp date is the frame's as-of date (the period's end, never past the data).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import partial

import pandas as pd
import streamlit as st

from reports.stamps import file_name
from warehouse.audit import ACTORS_COUNTY

logger = logging.getLogger(__name__)

PNG_MIME = "image/png"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context() -> tuple[str | None, str, date | None]:
    """Return (engine URL, user name, as-of date) from the page's frame, or fallbacks outside the app."""
    # read the frame the router stored; never render one here (that would draw the sidebar filters)
    from ui.frame import _FRAME_KEY

    frame = st.session_state.get(_FRAME_KEY)
    if frame is None:
        return None, "未知用户", None
    try:
        return frame.engine_url, frame.scope.user_name, frame.as_of
    except Exception:  # noqa: BLE001 - the buttons still work without a stamp date
        logger.warning("As-of date unavailable: exports carry no 数据截至 stamp", exc_info=True)
        return frame.engine_url, frame.scope.user_name, None


def _county_shown():
    """Return the county whose data the page shows (the audit row of an export is that county's): the
    frame's scope's (None: every county, a 市级 user with none chosen); outside the app, the actor's."""
    from ui.frame import _FRAME_KEY

    frame = st.session_state.get(_FRAME_KEY)
    return ACTORS_COUNTY if frame is None else frame.scope.county_code


def _audit(engine_url: str | None, user_name: str, kind: str, title: str, name: str, data: bytes,
           county_code) -> None:
    if not engine_url:
        return
    from reports.archive import record_export
    from warehouse.engine import get_engine

    record_export(get_engine(engine_url), user_name, kind=kind, title=title, file_name=name, size_bytes=len(data),
                  county_code=county_code)


def build_png(fig, title: str, unit: str | None, as_of: date | None, user_name: str, engine_url: str | None,
              county_code=ACTORS_COUNTY) -> bytes:
    """Return the chart's PNG (and log the export): called by the button on click."""
    from reports.png import chart_png

    data = chart_png(fig, title=title, unit=unit, as_of=as_of, user_name=user_name, exported_at=datetime.now())
    _audit(engine_url, user_name, "png", title, file_name(title, "png"), data, county_code)
    return data


def build_xlsx(table: pd.DataFrame, title: str, as_of: date | None, user_name: str, engine_url: str | None,
               county_code=ACTORS_COUNTY) -> bytes:
    """Return the table's .xlsx (and log the export): called by the button on click."""
    from reports.xlsx import table_xlsx

    data = table_xlsx(table, title=title, as_of=as_of, user_name=user_name, exported_at=datetime.now())
    _audit(engine_url, user_name, "xlsx", title, file_name(title, "xlsx"), data, county_code)
    return data


def chart_download_buttons(fig, table, title: str, key: str, *, unit: str | None = None) -> None:
    """Render the PNG and XLSX download buttons of one chart."""
    engine_url, user_name, as_of = _context()
    county = _county_shown()
    left, right, _ = st.columns([1, 1, 4])
    with left:
        st.download_button(
            "下载图片", data=partial(build_png, fig, title, unit, as_of, user_name, engine_url, county),
            file_name=file_name(title, "png"), mime=PNG_MIME, key=f"{key}__png", on_click="ignore",
            help="服务器端生成打印质量图片（含标题、单位、数据截至日期与水印）", icon=None,
        )
    if table is not None and not getattr(table, "empty", True):
        with right:
            st.download_button(
                "下载数据", data=partial(build_xlsx, table, title, as_of, user_name, engine_url, county),
                file_name=file_name(title, "xlsx"), mime=XLSX_MIME, key=f"{key}__xlsx", on_click="ignore",
                help="图表数据导出为 Excel（中文表头、带单位与格式）",
            )


def table_download_button(table, title: str, key: str) -> None:
    """Render the XLSX download button of one table."""
    if table is None or getattr(table, "empty", True):
        return
    engine_url, user_name, as_of = _context()
    county = _county_shown()
    st.download_button(
        "下载表格", data=partial(build_xlsx, table, title, as_of, user_name, engine_url, county),
        file_name=file_name(title, "xlsx"), mime=XLSX_MIME, key=f"{key}__table_xlsx", on_click="ignore",
        help="导出为 Excel（中文表头、带单位与格式）",
    )
