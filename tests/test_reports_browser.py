"""In a real browser: a chart's PNG and XLSX downloads and the bulletin's generate-and-download work
end to end through Streamlit's deferred downloads, and each is written to the audit log."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from metrics.scope import Scope
from reports.archive import archived_bytes, list_bulletins
from reports.png import png_size
from tests.browser import served_app, wait_for_page
from warehouse.engine import get_engine
from warehouse.schema import audit_events

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def app_db_url(sample_db_url, tmp_path_factory) -> str:
    """A private copy of the sample warehouse: the exports write audit and archive rows."""
    source = Path(sample_db_url.removeprefix("sqlite:///"))
    target = tmp_path_factory.mktemp("browser_exports") / "warehouse.sqlite"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def exports_app(app_db_url, tmp_path_factory):
    with served_app(app_db_url, tmp_path_factory.mktemp("streamlit_exports") / "server.log") as base_url:
        yield base_url


def export_details(db_url: str) -> list[dict]:
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(select(audit_events.c.detail).where(audit_events.c.action == "export")).scalars().all()
    return [json.loads(r) for r in rows]


def test_a_charts_png_and_xlsx_download_from_the_overview(exports_app, app_db_url, page):
    page.goto(f"{exports_app}/?period=2024Q3&granularity=quarter", timeout=TIMEOUT_MS)
    wait_for_page(page, "总览")
    png_button = page.get_by_role("button", name="下载图片").first
    png_button.wait_for(timeout=TIMEOUT_MS)
    with page.expect_download(timeout=TIMEOUT_MS) as download_info:
        png_button.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".png") and "逾期" in download.suggested_filename
    png = Path(download.path()).read_bytes()
    width, height = png_size(png)
    assert width >= 2000 and height >= 600

    with page.expect_download(timeout=TIMEOUT_MS) as download_info:
        page.get_by_role("button", name="下载数据").first.click()
    sheet = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes())).active
    assert sheet["A2"].value.startswith("数据截至 ")
    assert sheet["A3"].value.startswith("内部资料 注意保密")
    kinds = [d["kind"] for d in export_details(app_db_url)]
    assert "png" in kinds and "xlsx" in kinds


def test_the_bulletin_page_generates_and_downloads_the_archived_file(exports_app, app_db_url, page):
    page.goto(f"{exports_app}/bulletin", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="生成季通报").click(timeout=TIMEOUT_MS)
    download_button = page.get_by_role("button", name="下载季通报（Word）")
    download_button.wait_for(timeout=TIMEOUT_MS)
    wait_for_page(page, "季通报")
    with page.expect_download(timeout=TIMEOUT_MS) as download_info:
        download_button.click()
    data = Path(download_info.value.path()).read_bytes()
    every_county = Scope.county()
    newest = list_bulletins(get_engine(app_db_url), every_county)[0]
    assert data == archived_bytes(get_engine(app_db_url), every_county, bulletin_id=newest.bulletin_id)
    assert Document(io.BytesIO(data)).paragraphs[0].text.endswith("集中整治群众身边不正之风和腐败问题工作情况通报")
