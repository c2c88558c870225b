"""Benchmark the exports: warm PNG export beside kaleido's own warm export, and the bulletin's generation.

    .venv/bin/python benchmarks/bench_exports.py [--db sqlite:///…] [--repeats 15]

Without --db it generates the sample county through the real pipeline into a temporary SQLite
file. Goals (the issue): warm PNG within 1.2x of kaleido's own warm server; bulletin under 5 s.
Prints figures; asserts nothing (speed is never a test assertion).
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
sys.path.insert(0, str(PROJECT_ROOT))


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="a SQLite URL of a loaded warehouse (copied, never written)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    import kaleido

    from charts.townships import ranking_score_bar
    from metrics.periods import Period
    from metrics.ranking import quarterly_ranking
    from metrics.scope import Scope
    from reports.bulletin import generate_bulletin
    from reports.png import PRINT_SCALE, chart_png, export_figure, local_plotly_js, renderer
    from warehouse.engine import get_engine

    workdir = Path(tempfile.mkdtemp(prefix="bench_exports_"))
    try:
        url = private_copy(args.db, workdir) if args.db else sample_url(workdir)
        engine = get_engine(url)
        scope = Scope.county(user_name="基准测试")
        quarter = Period.parse("2024Q3")
        ranking = quarterly_ranking(engine, scope, quarter=quarter)
        title = "2024年第三季度各乡镇综合得分排名"
        figure = ranking_score_bar(ranking, title)
        width, height = 1000, int(figure.layout.height) + 30
        dressed = export_figure(figure, title=title, unit="分", as_of=quarter.end, user_name="基准测试")

        start = time.perf_counter()
        chart_png(figure, title=title, unit="分", as_of=quarter.end, user_name="基准测试")
        cold_ours = time.perf_counter() - start

        kaleido.start_sync_server(mathjax=False, plotlyjs=str(local_plotly_js()), silence_warnings=True)
        opts = {"format": "png", "width": width, "height": height, "scale": PRINT_SCALE}
        kaleido.calc_fig_sync(dressed, opts=opts)  # warm-up
        # interleaved, so that load from other processes falls on both sides alike
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours += timed(lambda: chart_png(figure, title=title, unit="分", as_of=quarter.end,
                                            user_name="基准测试", width=width, height=height), 1)
            theirs += timed(lambda: kaleido.calc_fig_sync(dressed, opts=opts), 1)
        kaleido.stop_sync_server(silence_warnings=True)

        ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
        print(f"PNG {width}x{height} @ scale {PRINT_SCALE}, {args.repeats} warm runs each (median / min):")
        print(f"  reports.png.chart_png (dress + render): {ours_median * 1000:.0f} ms / {min(ours) * 1000:.0f} ms")
        print(f"  kaleido.calc_fig_sync (sync server):    {theirs_median * 1000:.0f} ms / {min(theirs) * 1000:.0f} ms")
        print(f"  ratio ours / kaleido: {ours_median / theirs_median:.2f}x  (goal ≤ 1.2x)")
        print(f"  first export incl. browser start: {cold_ours:.2f} s")

        engine.dispose()
        bulletin_times = timed(lambda: generate_bulletin(get_engine(url), quarter, scope), 3)
        print(f"Bulletin 2024Q3 (sample county, browser warm), 3 runs: "
              f"{', '.join(f'{t:.2f}' for t in bulletin_times)} s; median {statistics.median(bulletin_times):.2f} s "
              f"(goal < 5 s)")
        renderer().stop()
        renderer_cold = time.perf_counter()
        generate_bulletin(get_engine(url), quarter, scope)
        print(f"Bulletin including a cold browser start: {time.perf_counter() - renderer_cold:.2f} s")
    finally:
        renderer().stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"date: {date.today().isoformat()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
