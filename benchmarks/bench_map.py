"""Benchmark the 线索热力图: HTML size and build time beside a plain page's floor.

    .venv/bin/python benchmarks/bench_map.py [--db sqlite:///…] [--repeats 7] [--browser]
        [--big-dir benchmarks/out] [--big-db sqlite:///…]

- sample county: the sample generated and loaded through the real pipeline into a temporary
  SQLite file (or --db, a loaded warehouse; copied, never written);
- the same villages with 10x the clues (every clue copied ten times under new ids): the map's
  size must stay the same, since the database aggregates by village;
- the 100-county warehouse: --big-db (a loaded one, boundaries loaded into a private copy if
  missing) or --big-dir (the generator's ``sample --counties 100`` output; its 区划名录 and 线索台账
  are loaded into a temporary SQLite file, which takes minutes).

The floor is a minimal page: one aggregate query (clues per township), one plotly bar chart,
serialised as Streamlit sends it (``fig.to_json()``). --browser also times both pages in Chromium
from navigation to the chart drawn (the map: its heat canvas and outlines), signed in as a 纪委
test user by cookie, and checks the page's title was drawn (not the sign-in). Prints figures;
asserts nothing about speed (speed is never a test assertion). ``run()`` returns the figures as
rows for ``python -m benchmarks``.
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
from benchmarks.warehouses import Warehouses, scale_name  # noqa: E402

YEAR = 2024
FLOOR_PAGE = '''
import plotly.express as px
import streamlit as st
from metrics.places import township_clue_rates
from metrics.periods import Period
from metrics.scope import Scope
from warehouse.engine import get_engine

st.title("基准页")
rates = township_clue_rates(get_engine(), Scope.county(), period=Period.whole_year({year}))
st.plotly_chart(px.bar(rates, x="township_name", y="clue_count", title="各乡镇线索数"))
'''


def sample_url(workdir: Path) -> str:
    from data_pipeline.load import load_paths
    from data_pipeline.sample import write_sample
    from geo.boundaries import load_sample_boundaries
    from warehouse.engine import get_engine

    write_sample(workdir / "sample")
    url = f"sqlite:///{workdir / 'sample.sqlite'}"
    engine = get_engine(url)
    load_paths([workdir / "sample" / "ledgers"], engine)
    load_sample_boundaries(workdir / "sample" / "boundaries", engine)
    return url


def private_copy(url: str, target: Path) -> str:
    source = Path(url.removeprefix("sqlite:///"))
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def multiply_clues(url: str, factor: int) -> int:
    """Copy every clue ``factor - 1`` more times under new ids; return the clue count after."""
    from sqlalchemy import func, insert, select

    from warehouse import schema
    from warehouse.engine import get_engine

    engine = get_engine(url)
    clues = schema.clues
    with engine.begin() as conn:
        rows = [dict(r) for r in conn.execute(select(clues)).mappings()]
        for copy in range(1, factor):
            copies = [{**row, "clue_id": f"{row['clue_id']}-x{copy}"} for row in rows]
            for start in range(0, len(copies), 2000):
                conn.execute(insert(clues), copies[start:start + 2000])
        return int(conn.execute(select(func.count()).select_from(clues)).scalar_one())


def big_url_from_dir(big_dir: Path, workdir: Path) -> str:
    from data_pipeline.load import load_paths
    from geo.boundaries import load_boundary_file
    from warehouse.engine import get_engine

    url = f"sqlite:///{workdir / 'big.sqlite'}"
    engine = get_engine(url)
    ledgers = sorted((big_dir / "ledgers").glob("*区划名录*")) + sorted((big_dir / "ledgers").glob("*问题线索台账*"))
    started = time.perf_counter()
    load_paths(ledgers, engine)
    load_boundary_file(big_dir / "boundaries" / "townships.geojson", "township", engine)
    print(f"  (100-county warehouse loaded in {time.perf_counter() - started:.0f} s)")
    return url


def ensure_boundaries(url: str, workdir: Path, big_dir: Path) -> str:
    from sqlalchemy import func, select

    from geo.boundaries import load_boundary_file
    from warehouse import schema
    from warehouse.engine import get_engine

    with get_engine(url).connect() as conn:
        count = conn.execute(select(func.count()).select_from(schema.boundaries)).scalar_one()
    if count:
        return url
    copy = private_copy(url, workdir / "big_copy.sqlite")
    load_boundary_file(big_dir / "boundaries" / "townships.geojson", "township", get_engine(copy))
    return copy


def median_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(url: str, repeats: int) -> dict:
    import plotly.express as px
    import streamlit_folium

    from geo.heatmap import TileSource, build_map, heat_points, render_html
    from metrics import places
    from metrics.periods import Period
    from metrics.scope import Scope
    from warehouse.engine import get_engine

    engine = get_engine(url)
    scope, period = Scope.county(), Period.whole_year(YEAR)
    tiles = TileSource("none")

    def map_data():
        return (places.village_clue_counts(engine, scope, period=period),
                places.township_clue_rates(engine, scope, period=period),
                places.boundary_geometries(engine, scope, level="township"))

    data = map_data()
    document = render_html(build_map(*data, tiles=tiles))
    sent = {}
    original = streamlit_folium._component_func
    streamlit_folium._component_func = lambda **kwargs: sent.update(kwargs)
    try:
        streamlit_folium.st_folium(build_map(*data, tiles=tiles), returned_objects=[], key="bench")
    finally:
        streamlit_folium._component_func = original
    component_bytes = sum(len((sent.get(k) or "").encode()) for k in ("script", "header", "html"))

    def floor():
        rates = places.township_clue_rates(engine, scope, period=period)
        return px.bar(rates, x="township_name", y="clue_count", title="各乡镇线索数").to_json()

    floor_json = floor()
    monthly = places.monthly_village_counts(engine, scope, year=YEAR)
    month_view = render_html(build_map(*data, tiles=tiles, monthly=monthly, start_month=f"{YEAR}-12"))
    return {
        "month_view_bytes": len(month_view.encode()),
        "villages": len(data[0]),
        "clues": int(data[1]["clue_count"].sum()),
        "map_query_s": median_time(map_data, repeats),
        "map_build_s": median_time(lambda: render_html(build_map(*data, tiles=tiles)), repeats),
        "map_total_s": median_time(lambda: render_html(build_map(*map_data(), tiles=tiles)), repeats),
        "html_bytes": len(document.encode()),
        "component_bytes": component_bytes,
        "heat_points": len(heat_points(data[0])),
        "floor_s": median_time(floor, repeats),
        "floor_bytes": len(floor_json.encode()),
    }


def browser_times(url: str, workdir: Path, repeats: int) -> dict:
    from playwright.sync_api import expect, sync_playwright

    from access.sessions import COOKIE_NAME
    from tests.browser import CHROMIUM, CHROMIUM_FLAGS, start_app, stop_app
    from tests.signed_in import session_token

    floor_script = workdir / "floor_page.py"
    floor_script.write_text(FLOOR_PAGE.format(year=YEAR), encoding="utf-8")
    results = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for label, script, path, ready in (
            ("floor", str(floor_script), "", lambda page: expect(page.locator(".js-plotly-plot .bars path").first)),
            ("map", "dashboard.py", f"/heatmap?granularity=year&period={YEAR}", lambda page: expect(
                page.frame_locator("iframe[title*='st_folium']").locator("canvas.leaflet-heatmap-layer"))),
        ):
            process, base_url = start_app(url, script=script, log_path=workdir / f"{label}.log")
            try:
                times = []
                token = session_token(url, "纪委") if label == "map" else None
                for attempt in range(repeats + 1):  # the first warms the server's caches
                    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
                    if token:  # every dashboard page is behind the sign-in
                        context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": base_url,
                                              "httpOnly": True}])
                    page = context.new_page()
                    started = time.perf_counter()
                    page.goto(base_url + path)
                    if label == "map":
                        ready(page).to_have_count(1, timeout=60_000)
                    else:
                        ready(page).to_be_visible(timeout=60_000)
                    if attempt:
                        times.append(time.perf_counter() - started)
                    if label == "map":  # the map's page, not the sign-in or its refusal
                        expect(page.get_by_role("heading", name="线索热力图", level=1)).to_be_visible()
                        expect(page.get_by_text("请先登录")).to_have_count(0)
                    context.close()
                results[label] = statistics.median(times)
            finally:
                stop_app(process)
        chromium.close()
    return results


def report(name: str, figures: dict) -> None:
    print(f"\n## {name}")
    print(f"villages {figures['villages']}, clues in {YEAR} {figures['clues']}, heat points {figures['heat_points']}")
    print(f"map: queries {figures['map_query_s'] * 1000:.0f} ms, build+render {figures['map_build_s'] * 1000:.0f} ms, "
          f"total {figures['map_total_s'] * 1000:.0f} ms; HTML {figures['html_bytes'] / 1024:.1f} KB, "
          f"sent to st_folium {figures['component_bytes'] / 1024:.1f} KB")
    print(f"month view (the year's 12 months in the 播放 control): HTML {figures['month_view_bytes'] / 1024:.1f} KB")
    print(f"floor (one aggregate query + one plotly bar): {figures['floor_s'] * 1000:.0f} ms, "
          f"{figures['floor_bytes'] / 1024:.1f} KB; map/floor time {figures['map_total_s'] / figures['floor_s']:.2f}x")


def run(scale: str = "county", database: str = "sqlite", quick: bool = False, *,
        warehouses: Warehouses | None = None) -> list[Row]:
    """Return the rows of the map on the scale's warehouse (the whole of it drawn at once): its server time
    beside the floor's (goal ≤ 2x), its HTML size (goal < 500 KB for a county) and, on the sample county
    and SQLite unless ``quick``, how much the HTML grows with 10x the clues (goal: within 2%)."""
    scale = scale_name(scale)
    owned = warehouses is None
    warehouses = warehouses or Warehouses()
    repeats = 3 if quick else (7 if scale == "sample" else 2)
    county = scale == "sample"
    try:
        url = warehouses.url(scale, database)
        figures = measure(url, repeats)
        rows = [
            Row.beside_floor("map", f"线索热力图 server: queries + build + render ({figures['villages']:,d} villages)",
                             figures["map_total_s"], figures["floor_s"], "s", max_ratio=2 if county else None),
            Row.against("map", "线索热力图 HTML" + ("" if county else " (all 100 counties at once)"),
                        figures["html_bytes"] / 1000, "KB", at_most=500 if county else None),
        ]
        if not county or database != "sqlite":
            return rows
        if quick:
            return [*rows, Row.not_measured("map", "HTML growth with 10x the clues", "skipped by --quick")]
        with tempfile.TemporaryDirectory(prefix="bench_map_") as tmp:
            tenfold_url = private_copy(url, Path(tmp) / "tenfold.sqlite")
            total = multiply_clues(tenfold_url, 10)
            tenfold = measure(tenfold_url, repeats)
        growth = (tenfold["html_bytes"] / figures["html_bytes"] - 1) * 100
        return [*rows, Row.against("map", f"HTML growth with 10x the clues ({total:,d} clue rows)", growth, "%",
                                   at_most=2)]
    finally:
        if owned:
            warehouses.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="a SQLite URL of the loaded sample warehouse (copied, never written)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--browser", action="store_true", help="also time both pages in Chromium")
    parser.add_argument("--big-dir", type=Path, default=None, help="the generator's --counties 100 output folder")
    parser.add_argument("--big-db", default=None, help="a loaded 100-county warehouse (SQLite URL)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_map_") as tmp:
        workdir = Path(tmp)
        url = private_copy(args.db, workdir / "sample_copy.sqlite") if args.db else sample_url(workdir)
        sample = measure(url, args.repeats)
        report("sample county (示范县)", sample)
        if args.browser:
            times = browser_times(url, workdir, max(3, args.repeats // 2))
            print(f"browser, navigation to chart drawn (median): floor page {times['floor']:.2f} s, "
                  f"map page {times['map']:.2f} s ({times['map'] / times['floor']:.2f}x)")

        tenfold_url = private_copy(url, workdir / "tenfold.sqlite")
        total = multiply_clues(tenfold_url, 10)
        tenfold = measure(tenfold_url, args.repeats)
        report(f"same villages, 10x clues ({total} clue rows)", tenfold)
        print(f"HTML size change with 10x clues: {tenfold['html_bytes'] - sample['html_bytes']:+d} bytes "
              f"({(tenfold['html_bytes'] / sample['html_bytes'] - 1) * 100:+.2f}%)")

        big_url = None
        if args.big_db:
            big_url = ensure_boundaries(args.big_db, workdir, args.big_dir or PROJECT_ROOT / "benchmarks" / "out")
        elif args.big_dir:
            big_url = big_url_from_dir(args.big_dir, workdir)
        if big_url:
            report("100-county warehouse (whole province view)", measure(big_url, max(1, args.repeats // 3)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
