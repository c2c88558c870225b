"""How long each page takes to run (AppTest), cold and warm, beside a floor measured in the same run.

    .venv/bin/python benchmarks/bench_pages.py                       # sample county, SQLite + PostgreSQL
    .venv/bin/python benchmarks/bench_pages.py --scales sample,100   # and the 100-county warehouse

The floor is a minimal Streamlit page drawing one plotly chart from one aggregate query
(clues per township) over the same warehouse: what any page costs at the least. A page's
*cold* run has an empty result cache (the engine is connected); its *warm* run is the median
of the runs after it, as when a user switches pages or moves a filter back. Goal: every warm
page within 2x the floor, at both scales. The frame alone (navigation and the sidebar's filters,
no page under it) is measured too: every page pays it before drawing anything. Prints a Markdown
table (docs/bench/pages.md).

The 100-county warehouse is built from ``benchmarks/out/ledgers`` (``python -m data_pipeline
sample --counties 100 --out benchmarks/out``) unless ``--sqlite-100`` names one already loaded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

OUT = PROJECT_ROOT / "benchmarks" / "out"
PAGES = ("overview", "cases", "rectification", "satisfaction", "ranking")
FLOOR_SCRIPT = '''
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import func, select

from warehouse.engine import get_engine
from warehouse.schema import clues

engine = get_engine()
with engine.connect() as conn:
    rows = conn.execute(select(clues.c.township_code, func.count()).group_by(clues.c.township_code)).all()
st.plotly_chart(go.Figure(go.Bar(x=[r[0] for r in rows], y=[r[1] for r in rows])))
'''


# The dashboard's frame alone (navigation, the sidebar's filters, the data-version check) with no
# page under it: what every page pays before it draws anything.
FRAME_ONLY_SCRIPT = '''
from ui.frame import navigation, render_frame

navigation()
render_frame()
'''


def _frame_only_app(folder: Path):
    """An AppTest of the frame alone; ``pages/`` is linked beside it, as st.Page resolves page files there."""
    from streamlit.testing.v1 import AppTest

    script = folder / "frame_only.py"
    script.write_text(FRAME_ONLY_SCRIPT, encoding="utf-8")
    if not (folder / "pages").exists():
        (folder / "pages").symlink_to(PROJECT_ROOT / "pages", target_is_directory=True)
    return AppTest.from_file(str(script), default_timeout=600)


def _discovery_off() -> None:
    """Run AppTest as a server runs after its first request: pages/ auto-discovery off (see tests)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


def _clear_result_caches() -> None:
    from metrics.cache import clear_cache

    clear_cache()


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(url: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Return {page: (cold seconds, warm seconds)} for the floor and every page against ``url``."""
    from streamlit.testing.v1 import AppTest

    from warehouse.engine import dispose_all, get_engine

    os.environ["DASHBOARD_DB_URL"] = url
    dispose_all()
    get_engine(url)  # connected once, as the app's cached engine would be
    results: dict[str, tuple[float, float]] = {}

    floor = AppTest.from_string(FLOOR_SCRIPT, default_timeout=600)
    cold = _timed(floor.run)
    warm = statistics.median(_timed(floor.run) for _ in range(repeat))
    assert not floor.exception, floor.exception
    results["floor"] = (cold, warm)

    with tempfile.TemporaryDirectory() as folder:
        _clear_result_caches()
        frame = _frame_only_app(Path(folder))
        frame.query_params["granularity"] = "季"
        cold = _timed(frame.run)
        warm = statistics.median(_timed(frame.run) for _ in range(repeat))
        assert not frame.exception, [e.value for e in frame.exception]
        results["frame"] = (cold, warm)

    for page in PAGES:
        _clear_result_caches()
        app = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=600)
        app.query_params["granularity"] = "季"
        if page != "overview":
            app.switch_page(f"pages/{page}.py")
        cold = _timed(app.run)
        assert not app.exception, [e.value for e in app.exception]
        warm = statistics.median(_timed(app.run) for _ in range(repeat))
        assert not app.exception, [e.value for e in app.exception]
        results[page] = (cold, warm)
    return results


def _load(url: str, ledger_dir: Path) -> None:
    from data_pipeline.load import load_paths
    from warehouse.engine import get_engine

    reports = load_paths([ledger_dir], get_engine(url))
    failed = [r for r in reports if not r.committed]
    if failed:
        raise SystemExit(f"loading {ledger_dir} failed: {failed}")


def sqlite_url(scale: str, args) -> str:
    given = args.sqlite_sample if scale == "sample" else args.sqlite_100
    if given:
        return given
    path = OUT / f"pages_{scale}.sqlite"
    url = f"sqlite:///{path}"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        _load(url, PROJECT_ROOT / "sample_data" / "ledgers" if scale == "sample" else OUT / "ledgers")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="sample", help="sample,100")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per page (the median is reported)")
    parser.add_argument("--sqlite-sample", help="URL of an already loaded sample warehouse")
    parser.add_argument("--sqlite-100", help="URL of an already loaded 100-county warehouse")
    args = parser.parse_args()
    _discovery_off()

    scales = args.scales.split(",")
    databases = args.databases.split(",")
    rows = []
    cluster = None
    try:
        for database in databases:
            for scale in scales:
                if database == "sqlite":
                    url = sqlite_url(scale, args)
                else:
                    from tests.postgres_cluster import PostgresCluster

                    if cluster is None:
                        cluster = PostgresCluster().start()
                    url = cluster.create_database(f"pages_{scale}")
                    started = time.perf_counter()
                    _load(url, PROJECT_ROOT / "sample_data" / "ledgers" if scale == "sample" else OUT / "ledgers")
                    print(f"loaded {scale} into PostgreSQL in {time.perf_counter() - started:.1f} s", flush=True)
                results = measure(url, args.repeat)
                floor_warm = results["floor"][1]
                for name, (cold, warm) in results.items():
                    ratio = warm / floor_warm if floor_warm else float("nan")
                    rows.append((database, scale, name, cold, warm, ratio))
                    print(f"{database:10} {scale:7} {name:14} cold {cold:6.3f} s  warm {warm:6.3f} s  "
                          f"warm/floor {ratio:4.1f}x", flush=True)
    finally:
        if cluster is not None:
            cluster.stop()

    print("\n| 数据库 | 规模 | 页面 | 冷启动 (s) | 热运行 (s) | 热运行 / 基线 |")
    print("|---|---|---|---:|---:|---:|")
    for database, scale, name, cold, warm, ratio in rows:
        label = {"floor": "基线（一图一查询）", "frame": "框架（导航与侧栏筛选，无页面内容）"}.get(name, name)
        print(f"| {database} | {scale} | {label} | {cold:.3f} | {warm:.3f} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
