"""How long each page takes to run (AppTest), cold and warm, beside a floor measured in the same run.

    .venv/bin/python benchmarks/bench_pages.py                       # sample county, SQLite + PostgreSQL
    .venv/bin/python benchmarks/bench_pages.py --scales sample,100   # and the 100-county warehouse

The floor is a minimal Streamlit page drawing one plotly chart from one aggregate query
(clues per township) over the same warehouse: what any page costs at the least. A page's
*cold* run has an empty result cache (the engine is connected, the modules imported by an untimed
run first, as in a server after its first visitor); the cold figure is the fastest of five, and each of
those five runs follows a cold run of the floor, the page's ratio being to the fastest of its own five
(this machine's noise only ever slows a run, and its speed drifts by a third within minutes: the floor
measured once at the start read 0.136 s in one run and 0.19 s in another, which made every page of the
first run look a third slower beside it). Its *warm* run is the median of the runs after them, as when a user switches pages or moves a
filter back. Goals: every cold page within 2x the cold floor (#11) and every warm page within 2x the
warm floor, at both scales. The frame alone (navigation and the sidebar's filters,
no page under it) is measured too: every page pays it before drawing anything. Prints a Markdown
table (docs/bench/pages.md).

Every page is behind the sign-in, so each run is signed in with a real session of a test user
(the sample county: a 县领导 of 990101; the 100 counties: that 县领导, and a 市级 user who reads
every county), and every timed run is checked to have drawn its page (its title, a chart or a
metric, not 请先登录): a benchmark of the refusal page fails instead of printing figures.

The warehouses are built by ``benchmarks/warehouses.py`` (the 100 counties from
``benchmarks/out/ledgers``) unless ``--sqlite-sample`` / ``--sqlite-100`` name ones already loaded.
``run()`` returns the same figures as rows for ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import functools
import os
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

PAGES = ("overview", "cases", "rectification", "satisfaction", "ranking")
SIGNED_OUT_TITLE = "请先登录"  # what ui/frame.py's current_user draws (and stops) without a valid session
FLOOR_NAME, FRAME_NAME = "floor", "frame"
LABELS = {FLOOR_NAME: "基线（一图一查询）", FRAME_NAME: "框架（导航与侧栏筛选，无页面内容）"}
# who signs in, by scale: (label, role); a 县领导 is of the configured county_code, 990101
USERS = {"sample": (("县领导 990101", "县领导"),),
         "100": (("县领导 990101", "县领导"), ("市级（全部县）", "市级"))}
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


class PageNotDrawn(AssertionError):
    """A benchmark run did not draw what it times (the sign-in refusal, an error, an empty page)."""


def _what_was_drawn(app) -> str:
    return (f"titles {[t.value for t in app.title]}, errors {[e.value for e in app.error]}, "
            f"infos {[i.value for i in app.info]}, exceptions {[e.value for e in app.exception]}")


def _failed(app) -> bool:
    """Whether the run raised, or the error boundary replaced (part of) it by its Chinese line; a page's
    own st.error (未按期报送的乡镇 …) is content."""
    from ui.frame import DATABASE_DOWN, PAGE_FAILED

    return bool(app.exception) or any(e.value in (DATABASE_DOWN, PAGE_FAILED) for e in app.error)


def check_page_drawn(app, title: str) -> None:
    """Raise PageNotDrawn unless the app's last run drew the page ``title``: that title, no 请先登录, no
    failure, and at least one chart or metric."""
    titles = [t.value for t in app.title]
    if _failed(app) or SIGNED_OUT_TITLE in titles or title not in titles:
        raise PageNotDrawn(f"page {title!r} was not drawn: {_what_was_drawn(app)}")
    if not (app.get("plotly_chart") or app.metric):
        raise PageNotDrawn(f"page {title!r} drew no chart and no metric: {_what_was_drawn(app)}")


def check_floor_drawn(app) -> None:
    """Raise PageNotDrawn if the floor's run raised."""
    if app.exception:
        raise PageNotDrawn(f"the floor failed: {[e.value for e in app.exception]}")


def check_frame_drawn(app) -> None:
    """Raise PageNotDrawn unless the app's last run drew the frame's filters (not the sign-in refusal)."""
    titles = [t.value for t in app.title]
    if _failed(app) or SIGNED_OUT_TITLE in titles or not [
            s for s in app.selectbox if s.label == "统计期间"]:
        raise PageNotDrawn(f"the frame's filters were not drawn: {_what_was_drawn(app)}")


def _frame_only_app(folder: Path):
    """An AppTest of the frame alone; ``pages/`` is linked beside it, as st.Page resolves page files there."""
    from streamlit.testing.v1 import AppTest

    script = folder / "frame_only.py"
    script.write_text(FRAME_ONLY_SCRIPT, encoding="utf-8")
    if not (folder / "pages").exists():
        (folder / "pages").symlink_to(PROJECT_ROOT / "pages", target_is_directory=True)
    return one_component_registry(AppTest.from_file(str(script), default_timeout=600))


def page_app(page: str, token: str | None):
    """Return an AppTest of the dashboard switched to ``page``, signed in with session ``token`` (None: not)."""
    from streamlit.testing.v1 import AppTest

    from ui.frame import SESSION_TOKEN_STATE

    app = one_component_registry(AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=600))
    if token is not None:
        app.session_state[SESSION_TOKEN_STATE] = token
    app.query_params["granularity"] = "quarter"
    if page != "overview":
        app.switch_page(f"pages/{page}.py")
    return app


def discovery_off() -> None:
    """Run AppTest as a server runs after its first request: pages/ auto-discovery off (see tests)."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager.__init__, "_discovery_off", False):
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init._discovery_off = True
    PagesManager.__init__ = init


@functools.lru_cache(maxsize=1)
def _component_registry():
    """The one component registry of this process's AppTests, as a server has one."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    registry = BidiComponentManager()
    registry.discover_and_register_components(start_file_watching=False)
    return registry


def one_component_registry(app):
    """Return ``app`` (an AppTest) sharing this process's one component registry.

    A new AppTest scans every installed package's metadata for Streamlit components on its first run (80-90 ms
    on this machine, 323 metadata files): a server does it once at start. Every cold run here is a new AppTest,
    the floor's too, so without this each cold figure held those 85 ms, which is most of the floor's 0.13-0.20 s
    and made every ratio look smaller than a server's. Raises if Streamlit renamed what it keeps it in (the
    figures would silently regain the scan)."""
    if not hasattr(app, "_bidi_component_manager"):
        raise RuntimeError("AppTest no longer keeps _bidi_component_manager: see one_component_registry")
    app._bidi_component_manager = _component_registry()
    return app


def _clear_result_caches() -> None:
    from metrics.cache import clear_cache

    clear_cache()


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


COLD_RUNS = 5  # a cold figure is the fastest of this many first runs (noise only slows: one run alone varied ±30 %)


def _cold_and_warm(make_app, repeat: int, check, floor=None) -> tuple[float, float, float | None]:
    """Return (the fastest of COLD_RUNS cold runs, the median of ``repeat`` warm runs after them, the fastest of
    the floor's cold runs beside them or None), each run checked by ``check``.

    A cold run is the first run of a fresh app with the result caches empty, as the first view after a
    load is; one untimed run before them imports what the page imports (a server has, after its first
    visitor), so the first user measured does not pay for the modules the others then find loaded.
    ``floor`` (a factory of the floor app): a cold run of it just before each cold run of the page, so a page
    is compared with the floor of the same minutes (this machine's speed drifts by a third within a run)."""
    check(_run(make_app()))  # the untimed first run: imports
    cold, floor_cold = [], []
    for _ in range(COLD_RUNS):
        if floor is not None:
            _clear_result_caches()
            floor_app = floor()
            floor_cold.append(_timed(floor_app.run))
            check_floor_drawn(floor_app)
        _clear_result_caches()
        app = make_app()
        cold.append(_timed(app.run))
        check(app)
    warm = []
    for _ in range(repeat):
        warm.append(_timed(app.run))
        check(app)
    return min(cold), statistics.median(warm), min(floor_cold) if floor_cold else None


def _run(app):
    app.run()
    return app


def measure(url: str, repeat: int, users=USERS["sample"]) -> list[tuple[str, str, float, float, float]]:
    """Return (user, floor|frame|page, cold seconds, warm seconds, the floor's cold seconds beside its cold runs)
    for the floor, then the frame and every page signed in as each of ``users`` ((label, role) pairs) against
    ``url``."""
    from streamlit.testing.v1 import AppTest

    from tests.signed_in import session_token
    from ui.frame import PAGES as PAGE_TITLES
    from ui.frame import SESSION_TOKEN_STATE
    from warehouse.engine import dispose_all, get_engine

    discovery_off()
    os.environ["DASHBOARD_DB_URL"] = url
    dispose_all()
    get_engine(url)  # connected once, as the app's cached engine would be

    def floor():
        return one_component_registry(AppTest.from_string(FLOOR_SCRIPT, default_timeout=600))

    floor_cold, floor_warm, _ = _cold_and_warm(floor, repeat, check_floor_drawn)
    results = [("—", FLOOR_NAME, floor_cold, floor_warm, floor_cold)]
    for label, role in users:
        token = session_token(url, role)
        with tempfile.TemporaryDirectory() as folder:
            def frame_app(folder=Path(folder), token=token):
                frame = _frame_only_app(folder)
                frame.session_state[SESSION_TOKEN_STATE] = token
                frame.query_params["granularity"] = "quarter"
                return frame

            results.append((label, FRAME_NAME, *_cold_and_warm(frame_app, repeat, check_frame_drawn, floor)))
        for page in PAGES:
            title = PAGE_TITLES[page][0]
            results.append((label, page, *_cold_and_warm(lambda page=page, token=token: page_app(page, token), repeat,
                                                         lambda a, t=title: check_page_drawn(a, t), floor)))
    return results


def rows_of(results: list[tuple[str, str, float, float, float]], part: str = "pages") -> list[Row]:
    """Return each page's cold run beside the floor's cold runs interleaved with its own and its warm run beside
    the floor's warm run (goal: warm ≤ 2x the floor)."""
    from ui.frame import PAGES as PAGE_TITLES

    [(_, _, floor_cold, floor_warm, _)] = [r for r in results if r[1] == FLOOR_NAME]
    rows = [Row(part, f"{LABELS[FLOOR_NAME]} cold", floor_cold, "s"),
            Row(part, f"{LABELS[FLOOR_NAME]} warm", floor_warm, "s")]
    for user, name, cold, warm, floor_beside in results:
        if name == FLOOR_NAME:
            continue
        label = f"{LABELS.get(name) or PAGE_TITLES[name][0]} · {user}"
        rows.append(Row.beside_floor(part, f"{label} cold", cold, floor_beside, "s"))
        rows.append(Row.beside_floor(part, f"{label} warm", warm, floor_warm, "s", max_ratio=2))
    return rows


def run(scale: str = "county", database: str = "sqlite", quick: bool = False, *,
        warehouses: Warehouses | None = None, repeat: int | None = None) -> list[Row]:
    """Return the rows of every page's cold and warm run (and the frame's) beside the floor, on the scale's
    warehouse in ``database``; ``quick``: 2 warm runs instead of 5."""
    scale = scale_name(scale)
    repeat = repeat or (2 if quick else 5)
    owned = warehouses is None
    warehouses = warehouses or Warehouses()
    try:
        results = measure(warehouses.url(scale, database), repeat, USERS[scale])
    finally:
        if owned:
            warehouses.close()
    return rows_of(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="sample", help="sample,100")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per page (the median is reported)")
    parser.add_argument("--sqlite-sample", help="URL of an already loaded sample warehouse")
    parser.add_argument("--sqlite-100", help="URL of an already loaded 100-county warehouse")
    parser.add_argument("--postgresql-100", help="URL of an already loaded 100-county PostgreSQL warehouse")
    args = parser.parse_args()

    given = {(scale, database): url for scale, database, url in (
        ("sample", "sqlite", args.sqlite_sample), ("100", "sqlite", args.sqlite_100),
        ("100", "postgresql", args.postgresql_100)) if url}
    table = []
    with Warehouses(given) as warehouses:
        for database in args.databases.split(","):
            for scale in args.scales.split(","):
                results = measure(warehouses.url(scale, database), args.repeat, USERS[scale_name(scale)])
                floor_warm = results[0][3]
                for user, name, cold, warm, floor_cold in results:
                    table.append((database, scale, user, name, cold, floor_cold, warm, warm / floor_warm))
                    print(f"{database:10} {scale:7} {user:14} {name:14} cold {cold:6.3f} s  floor {floor_cold:6.3f} s  "
                          f"warm {warm:6.3f} s  cold/floor {cold / floor_cold:4.1f}x  warm/floor {warm / floor_warm:4.1f}x",
                          flush=True)

    print("\n| 数据库 | 规模 | 用户 | 页面 | 冷启动 (s) | 同时段冷基线 (s) | 冷 / 冷基线 | 热运行 (s) | 热 / 热基线 |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    for database, scale, user, name, cold, floor_cold, warm, warm_ratio in table:
        print(f"| {database} | {scale} | {user} | {LABELS.get(name, name)} | {cold:.3f} | {floor_cold:.3f} "
              f"| {cold / floor_cold:.1f}x | {warm:.3f} | {warm_ratio:.1f}x |")


if __name__ == "__main__":
    main()
