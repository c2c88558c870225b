"""Download buttons: drawn without building anything; on click they build the file and log the export."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import plotly.graph_objects as go
from openpyxl import load_workbook
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from reports.png import png_size, renderer
from ui.downloads import build_png, build_xlsx
from warehouse.schema import audit_events

PAGE = """
import pandas as pd
import plotly.graph_objects as go
from ui.downloads import chart_download_buttons, table_download_button

fig = go.Figure(go.Bar(x=["青石镇", "白水乡"], y=[3, 5]))
table = pd.DataFrame({"township_name": ["青石镇", "白水乡"], "overdue_items": [3, 5]})
chart_download_buttons(fig, table, "各乡镇逾期整改事项", "overdue")
table_download_button(table, "逾期整改事项表", "overdue_table")
"""


def audit_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(audit_events).order_by(audit_events.c.event_id)).mappings().all()
    return [{**r, "detail": json.loads(r["detail"])} for r in rows]


def test_drawing_the_buttons_builds_no_file():
    before = renderer().renders
    app = AppTest.from_string(PAGE).run(timeout=60)
    assert not app.exception
    buttons = app.get("download_button")
    assert len(buttons) == 3  # PNG and XLSX under the chart, XLSX under the table
    assert renderer().renders == before  # no PNG was rendered just to draw the page


def test_a_clicked_png_download_builds_the_image_and_logs_the_export(empty_engine):
    url = empty_engine.url.render_as_string(hide_password=False)
    fig = go.Figure(go.Bar(x=["青石镇", "白水乡"], y=[3, 5]))
    png = build_png(fig, "各乡镇逾期整改事项", "件", date(2024, 9, 30), "钱纪检", url)
    assert png_size(png) == (2000, 1120)
    (event,) = audit_rows(empty_engine)
    assert (event["user_name"], event["action"]) == ("钱纪检", "export")
    assert event["detail"]["kind"] == "png" and event["detail"]["file_name"] == "各乡镇逾期整改事项.png"
    assert event["detail"]["bytes"] == len(png)


def test_a_clicked_xlsx_download_labels_the_metrics_columns_and_logs_the_export(empty_engine):
    url = empty_engine.url.render_as_string(hide_password=False)
    table = pd.DataFrame({"township_name": ["青石镇"], "overdue_items": [3]})
    data = build_xlsx(table, "各乡镇逾期整改事项", date(2024, 9, 30), "钱纪检", url)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[4]] == ["乡镇", "逾期事项(件)"]
    assert sheet["A2"].value == "数据截至 2024-09-30"
    (event,) = audit_rows(empty_engine)
    assert event["detail"]["kind"] == "xlsx" and event["user_name"] == "钱纪检"


def teardown_module():
    renderer().stop()
