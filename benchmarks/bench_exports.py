"""Benchmark the exports: warm PNG export beside kaleido's own warm export, and the bulletin's generation.

    .venv/bin/python benchmarks/bench_exports.py [--db sqlite:///…] [--repeats 15]

Without --db it generates the sample county through the real pipeline into a temporary SQLite
file. Goals (the issue): warm PNG within 1.2x of kaleido's own warm server; bulletin under 5 s.
Prints figures; asserts nothing (speed is never a test assertion). ``run()`` returns them as rows
for ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.table import Row  # noqa: E402

COUNTY = "990101"  # the sample county; in the 100-county warehouse the first county


def sample_url(workdir: Path) -> str:
    from data_pipeline.load import load_paths
    from data_pipeline.sample import write_sample
    from warehouse.engine import get_engine

    write_sample(workdir)
    url = f"sqlite:///{workdir / 'warehouse.sqlite'}"
    load_paths([workdir / "ledgers"], get_engine(url))
    return url


def private_copy(url: str, workdir: Path) -> str:
    source = Path(url.removeprefix("sqlite:///"))
    target = workdir / "bench.sqlite"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def timed(function, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def measure(url: str, repeats: int, *, bulletin_runs: int = 3, cold_bulletin: bool = True,
            county_code: str | None = None) -> dict:
    """Return the figures of the exports on the warehouse at ``url``: the first PNG (browser start included),
    ``repeats`` warm PNGs of ours and of kaleido's own server interleaved, and the 2024Q3 bulletin's runs."""
    import kaleido

    from charts.townships import ranking_score_bar
    from metrics.periods import Period
    from metrics.ranking import quarterly_ranking
    from metrics.scope import Scope
    from reports.bulletin import generate_bulletin
    from reports.png import PRINT_SCALE, chart_png, export_figure, local_plotly_js, renderer
    from warehouse.engine import get_engine

    engine = get_engine(url)
    scope = Scope.county(user_name="基准测试", county_code=county_code)
    quarter = Period.parse("2024Q3")
    ranking = quarterly_ranking(engine, scope, quarter=quarter)
    title = "2024年第三季度各乡镇综合得分排名"
    figure = ranking_score_bar(ranking, title)
    width, height = 1000, int(figure.layout.height) + 30
    dressed = export_figure(figure, title=title, unit="分", as_of=quarter.end, user_name="基准测试")
    figures = {"width": width, "height": height, "scale": PRINT_SCALE, "repeats": repeats}
    try:
        start = time.perf_counter()
        chart_png(figure, title=title, unit="分", as_of=quarter.end, user_name="基准测试")
        figures["cold_png_s"] = time.perf_counter() - start

        kaleido.start_sync_server(mathjax=False, plotlyjs=str(local_plotly_js()), silence_warnings=True)
        opts = {"format": "png", "width": width, "height": height, "scale": PRINT_SCALE}
        kaleido.calc_fig_sync(dressed, opts=opts)  # warm-up
        # interleaved, so that load from other processes falls on both sides alike
        ours, theirs = [], []
        for _ in range(repeats):
            ours += timed(lambda: chart_png(figure, title=title, unit="分", as_of=quarter.end,
                                            user_name="基准测试", width=width, height=height), 1)
            theirs += timed(lambda: kaleido.calc_fig_sync(dressed, opts=opts), 1)
        kaleido.stop_sync_server(silence_warnings=True)
        figures.update(ours=ours, theirs=theirs)

        figures["bulletin_s"] = timed(lambda: generate_bulletin(engine, quarter, scope), bulletin_runs)
        if cold_bulletin:
            renderer().stop()
            started = time.perf_counter()
            generate_bulletin(engine, quarter, scope)
            figures["bulletin_cold_s"] = time.perf_counter() - started
    finally:
        renderer().stop()
    return figures


def run(scale: str = "county", database: str = "sqlite", quick: bool = False, *,
        warehouses=None) -> list[Row]:
    """Return the rows of the warm PNG export beside kaleido's own warm export (goal ≤ 1.2x) and of the
    2024Q3 bulletin of the county 990101 (goal < 5 s), on the scale's warehouse; ``quick``: 5 PNGs, one bulletin."""
    from benchmarks.warehouses import Warehouses

    owned = warehouses is None
    warehouses = warehouses or Warehouses()
    try:
        figures = measure(warehouses.url(scale, database), 5 if quick else 20, bulletin_runs=1 if quick else 3,
                          cold_bulletin=not quick, county_code=COUNTY)
    finally:
        if owned:
            warehouses.close()
    size = f"{figures['width']}x{figures['height']} @ {figures['scale']}x"
    rows = [
        Row.beside_floor("PNG export", f"warm chart_png, {size}, median of {figures['repeats']} "
                         "(floor: kaleido.calc_fig_sync of the same figure)",
                         statistics.median(figures["ours"]), statistics.median(figures["theirs"]), "s", max_ratio=1.2),
        Row("PNG export", "first export, browser start included", figures["cold_png_s"], "s"),
        Row.against("bulletin", f"季通报 2024Q3 of {COUNTY}, browser warm, median of {len(figures['bulletin_s'])}",
                    statistics.median(figures["bulletin_s"]), "s", at_most=5),
    ]
    if "bulletin_cold_s" in figures:
        rows.append(Row("bulletin", "季通报 including a cold browser start", figures["bulletin_cold_s"], "s"))
    else:
        rows.append(Row.not_measured("bulletin", "季通报 including a cold browser start", "skipped by --quick"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="a SQLite URL of a loaded warehouse (copied, never written)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench_exports_"))
    try:
        url = private_copy(args.db, workdir) if args.db else sample_url(workdir)
        figures = measure(url, args.repeats)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ours, theirs = figures["ours"], figures["theirs"]
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"PNG {figures['width']}x{figures['height']} @ scale {figures['scale']}, "
          f"{args.repeats} warm runs each (median / min):")
    print(f"  reports.png.chart_png (dress + render): {ours_median * 1000:.0f} ms / {min(ours) * 1000:.0f} ms")
    print(f"  kaleido.calc_fig_sync (sync server):    {theirs_median * 1000:.0f} ms / {min(theirs) * 1000:.0f} ms")
    print(f"  ratio ours / kaleido: {ours_median / theirs_median:.2f}x  (goal ≤ 1.2x)")
    print(f"  first export incl. browser start: {figures['cold_png_s']:.2f} s")
    bulletin_times = figures["bulletin_s"]
    print(f"Bulletin 2024Q3 (sample county, browser warm), 3 runs: "
          f"{', '.join(f'{t:.2f}' for t in bulletin_times)} s; median {statistics.median(bulletin_times):.2f} s "
          f"(goal < 5 s)")
    print(f"Bulletin including a cold browser start: {figures['bulletin_cold_s']:.2f} s")
    print(f"date: {date.today().isoformat()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
