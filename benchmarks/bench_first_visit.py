"""Benchmark the first screen on a fresh browser: bytes, requests, first number and fully drawn.

    .venv/bin/python benchmarks/bench_first_visit.py [--db sqlite:///…] [--repeats 3]

Serves the app (``serve.py``: sign-in gate and compressed static files) on a copy of the sample
warehouse (or ``--db``), signs a 纪委 test user in by cookie, and opens 总览 and the heat map in a
fresh Chromium context (an empty cache), then again in the same context (a warm cache). Beside it,
in the same run and the same way, a floor app: one ``st.metric`` served by ``st.App`` with the same
compression, and a second floor that draws one of each kind of thing 总览 draws (a number, a Plotly chart
and a table: the bundles every such page loads and runs). Each page is measured with gzip and without (``Accept-Encoding: identity``, what the
embedded default sent before). Bytes are what crossed the wire (CDP ``encodedDataLength``).
Every visit of a dashboard page is checked to have drawn that page (its title, not the sign-in).
Prints figures; asserts nothing about speed (speed is never a test assertion). ``run()`` returns
them as rows for ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.table import Row  # noqa: E402

FLOOR_NAME = "地板页（一个 st.metric）"
KINDS_FLOOR_NAME = "地板页（一个数字、一张图、一张表）"

FLOOR_APP = '''
import streamlit as st
st.metric("线索数", "174件")
'''
KINDS_FLOOR_APP = '''
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
st.metric("线索数", "174件")
st.plotly_chart(go.Figure(go.Bar(x=["城关街道", "青石镇", "河口乡"], y=[60, 64, 50])))
st.dataframe(pd.DataFrame({"乡镇": ["城关街道", "青石镇", "河口乡"], "线索数": [60, 64, 50]}))
'''
FLOOR_SERVER = '''
import os
import streamlit as st
from starlette.middleware import Middleware
from serving.compression import CompressedStatic
app = st.App(os.environ["FLOOR_PAGE"], middleware=[Middleware(CompressedStatic)])
'''


class PageNotDrawn(AssertionError):
    """A visit drew something other than the page it times (the sign-in page, its refusal)."""


def check_drawn(page, title: str) -> None:
    """Raise PageNotDrawn unless the browser shows the page titled ``title`` (an h1), not the sign-in."""
    headings = page.locator("h1").all_inner_texts()
    signed_out = page.get_by_text("请先登录").count() or page.get_by_role("button", name="登录", exact=True).count()
    if signed_out or not any(title in heading for heading in headings):
        raise PageNotDrawn(f"{page.url}: expected the page {title!r}, the headings were {headings}"
                           f"{' (the sign-in page)' if signed_out else ''}")


def measure(browser, url: str, cookie: dict | None, *, compressed: bool, first_number: str,
            title: str | None = None) -> list[dict]:
    """Open ``url`` in a fresh context, then reload it (warm cache); return the figures of both visits
    (each checked to have drawn the page ``title``, when given)."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    if cookie:
        context.add_cookies([cookie])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if not compressed:
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
    figures = []
    for visit in ("首次访问", "再次访问（缓存）"):
        transferred = {"bytes": 0, "requests": 0}

        def finished(event, transferred=transferred):
            transferred["bytes"] += event.get("encodedDataLength", 0)
            transferred["requests"] += 1

        cdp.on("Network.loadingFinished", finished)
        started = time.perf_counter()
        if visit == "首次访问":
            page.goto(url)
        else:
            page.reload()
        page.get_by_text(first_number).first.wait_for(timeout=120_000)
        first = time.perf_counter() - started
        page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=120_000)
        page.wait_for_function("document.querySelectorAll('[data-stale=true]').length === 0", timeout=120_000)
        drawn = time.perf_counter() - started
        if title:
            check_drawn(page, title)
        page.wait_for_timeout(300)  # the last responses' loadingFinished
        figures.append({"visit": visit, "bytes": transferred["bytes"], "requests": transferred["requests"],
                        "first": first, "drawn": drawn})
        cdp.remove_listener("Network.loadingFinished", finished)
    context.close()
    return figures


def first_visits(db_url: str | None, repeats: int, *, transfers=(True, False),
                 pages=("总览", "线索热力图", "floor")) -> list[tuple]:
    """Return (page, transfer, visit, MB, requests, first number s, drawn s) medians of ``repeats`` for each
    page and transfer (True: gzip), on a copy of the SQLite warehouse ``db_url`` (None: the sample, loaded)."""
    from playwright.sync_api import sync_playwright

    from access.sessions import COOKIE_NAME
    from tests.browser import CHROMIUM_FLAGS, SIGNED_IN, require_chromium, served_app, start_app, stop_app

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_first_visit_") as folder:
        folder = Path(folder)
        warehouse = folder / "warehouse.sqlite"
        if db_url:
            with sqlite3.connect(db_url.removeprefix("sqlite:///")) as source, sqlite3.connect(warehouse) as copy:
                source.backup(copy)
        else:
            from tests.conftest import load_sample_into

            load_sample_into(f"sqlite:///{warehouse}")
        url = f"sqlite:///{warehouse}"
        (folder / "floor_page.py").write_text(FLOOR_APP, encoding="utf-8")
        (folder / "kinds_floor_page.py").write_text(KINDS_FLOOR_APP, encoding="utf-8")
        (folder / "floor_server.py").write_text(FLOOR_SERVER, encoding="utf-8")
        floors = []  # (process, url) of each floor app
        try:
            for page_file in ("floor_page.py", "kinds_floor_page.py"):
                floors.append(start_app(url, script=str(folder / "floor_server.py"),
                                        extra_env={"FLOOR_PAGE": str(folder / page_file)}))
            with served_app(url, folder / "server.log") as base_url, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
                cookie = {"name": COOKIE_NAME, "value": SIGNED_IN[base_url], "url": base_url, "httpOnly": True}
                every_page = [
                    ("总览", f"{base_url}/?granularity=季&period=2024年第三季度", cookie, "立案数", "总览"),
                    ("线索热力图", f"{base_url}/heatmap?granularity=季&period=2024年第三季度", cookie, "线索热力图",
                     "线索热力图"),
                    (FLOOR_NAME, floors[0][1], None, "174件", None),
                    (KINDS_FLOOR_NAME, floors[1][1], None, "174件", None)]
                chosen = [page for page in every_page
                          if page[0] in pages or page[0] in (FLOOR_NAME, KINDS_FLOOR_NAME) and "floor" in pages]
                # interleaved: each repeat visits every page once, as one browser slows down over many contexts
                runs: dict[tuple, list] = {}
                for _ in range(repeats):
                    for name, page_url, page_cookie, first_number, title in chosen:
                        for compressed in transfers:
                            runs.setdefault((name, compressed), []).append(
                                measure(browser, page_url, page_cookie, compressed=compressed,
                                        first_number=first_number, title=title))
                browser.close()
                for (name, compressed), measured in runs.items():
                    for position in range(2):
                        visits = [run[position] for run in measured]
                        rows.append((name, "gzip" if compressed else "不压缩", visits[0]["visit"],
                                     statistics.median(v["bytes"] for v in visits) / 1e6,
                                     statistics.median(v["requests"] for v in visits),
                                     statistics.median(v["first"] for v in visits),
                                     statistics.median(v["drawn"] for v in visits)))
        finally:
            for process, _url in floors:
                stop_app(process)
    return rows


def run(scale: str = "county", database: str = "sqlite", quick: bool = False, *, warehouses=None) -> list[Row]:
    """Return the rows of 总览's and the heat map's first visit on a fresh browser (gzip, median of 3) beside
    the one-``st.metric`` floor app's (goal for 总览: ≤ 1.5x the floor, ≤ 3.5 MB); not with ``quick``."""
    part = "first visit"
    if quick:
        return [Row.not_measured(part, "总览 and 线索热力图 on a fresh browser", "skipped by --quick (a browser)")]
    if database != "sqlite":
        return [Row.not_measured(part, "总览 and 线索热力图 on a fresh browser",
                                 "served from a copy of the SQLite warehouse only")]
    from benchmarks.warehouses import Warehouses

    owned = warehouses is None
    warehouses = warehouses or Warehouses()
    try:
        figures = first_visits(warehouses.url(scale, "sqlite"), 3, transfers=(True,))
    finally:
        if owned:
            warehouses.close()
    first = {r[0]: r[3:] for r in figures if r[2] == "首次访问"}  # page: (MB, requests, first, drawn)
    floor_mb, _floor_requests, floor_first, floor_drawn = first[FLOOR_NAME]
    kinds_floor_drawn = first[KINDS_FLOOR_NAME][3]
    rows = []
    for name in ("总览", "线索热力图"):
        megabytes, requests, first_number, drawn = first[name]
        goal = {"max_ratio": 1.5} if name == "总览" else {}
        rows.append(Row.beside_floor(part, f"{name} fully drawn, fresh browser, gzip "
                                     f"(first number {first_number:.2f} s; floor: one st.metric app)",
                                     drawn, floor_drawn, "s", **goal))
        if name == "总览":
            rows.append(Row.beside_floor(part, "总览 fully drawn, fresh browser, gzip (floor: a number, a Plotly chart "
                                         "and a table)", drawn, kinds_floor_drawn, "s", max_ratio=1.5))
        rows.append(Row.against(part, f"{name} bytes on the wire, {requests:.0f} requests", megabytes, "MB",
                                at_most=3.5 if name == "总览" else None, floor=floor_mb))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="a loaded warehouse (copied, never written); default: the sample, loaded")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rows = first_visits(args.db, args.repeats)
    floor = {(r[1], r[2]): r for r in rows if r[0] == FLOOR_NAME}
    kinds_floor = {(r[1], r[2]): r for r in rows if r[0] == KINDS_FLOOR_NAME}
    print(f"{'页面':<14}{'传输':<6}{'访问':<10}{'MB':>7}{'请求':>6}{'首个数字(s)':>12}{'绘制完成(s)':>12}{'÷地板':>8}"
          f"{'÷三件地板':>10}")
    for name, how, visit, megabytes, requests, first, drawn in rows:
        ratio = drawn / floor[(how, visit)][6]
        kinds_ratio = drawn / kinds_floor[(how, visit)][6]
        print(f"{name:<14}{how:<6}{visit:<10}{megabytes:>7.2f}{requests:>6.0f}{first:>12.2f}{drawn:>12.2f}{ratio:>8.2f}"
              f"{kinds_ratio:>10.2f}")


if __name__ == "__main__":
    main()
