"""Benchmark many users at once: 20 signed-in sessions opening 总览, 整改推进 and the heat map together.

    .venv/bin/python benchmarks/bench_sessions.py [--quick] [--databases sqlite,postgresql] [--sessions 20]
                                                  [--churn 200]

What runs, per database, all on 127.0.0.1 (nothing listens elsewhere):
- **postgresql**: ``deploy/local-up.sh 2`` (a throwaway cluster with two sample counties, 2 processes of serve.py,
  its nginx); ``local-down.sh`` afterwards.
- **sqlite** (the embedded default): one SQLite file built from ``sample_data/``, 2 processes of serve.py on it
  (the same cookie secret), behind the same nginx site (``deploy/render-nginx.sh`` and
  ``deploy/nginx/local.conf.template``, as local-up.sh renders them).
- **the floor**, beside each: an ``st.App`` with a sign-in form (the same labels, an HTML form posted to
  ``/auth/sign-in`` that sets a cookie, no password hashing) and three pages at the same URL paths, each one
  plotly chart; 2 processes behind the same nginx site. Under the same load in the same run.

Users: ``--sessions`` users of different roles and townships (a 乡镇 user per township, then 县领导/纪委/管理员
with a different 乡镇 filter each, and a granularity 季/月/年 in turn; on PostgreSQL half of them of the second
county, 990102), added through ``access.users.add_user`` on the deployment's warehouse, each with its own
display name.

Measured:
1. **Browser** (Playwright on Debian's chromium, one browser, one context per session, all at once): each session
   opens the dashboard's URL, is sent to the sign-in page, signs in (the form), lands on 总览, then opens
   整改推进 and the heat map by their URLs (each a fresh document: a new Streamlit session). Per page visit,
   from the 登录 click or the ``goto``: the **first chart drawn** and the **last chart drawn**. Drawn means: a
   plotly chart (``[data-testid=stPlotlyChart]``, no longer the ``stSkeleton`` it is while plotly's code loads)
   holds its ``.main-svg``; the folium map (st_folium's component
   iframe) holds Leaflet's overlay (a path or a canvas). An init script stamps each plotly chart's ``Date.now()``
   when it is first drawn (a MutationObserver); the map's is the moment the driver sees its overlay (a
   frame locator, so up to a poll later); a visit ends when the script has finished
   (``data-test-script-state=notRunning``, no ``data-stale`` element: ``tests/browser.py: wait_for_page``) and
   every chart on the page is drawn. Then 20 sessions against one session alone, and against the floor.
2. **Protocol** (``benchmarks/ws_client.py``: Streamlit's WebSocket messages, no rendering): the same sessions
   as ``rerun_script`` requests, each session's three pages in turn, all sessions at once; from the request to
   the first chart element and to ``script_finished``. Through nginx and straight to the processes.
3. **Errors**: a visit whose page shows an exception element (``stException``) or one of the frame's Chinese
   error lines (``ws_client.ERROR_MARKERS``), or that times out.
4. **Isolation**: each session's sidebar shows its own user (当前用户：<its display name>), its county's title,
   its own township filter; a 乡镇 session's 乡镇 box offers only its township (protocol); no session shows
   another's display name or another township's filter.
5. **Memory**: RSS (``/proc/<pid>/status``) of each dashboard process idle, with the browser sessions open, and
   after ``--churn`` protocol sessions opened, run and closed (20 at a time), reported per process and per session.

``--quick``: 5 sessions, SQLite only, no churn (about 1.5 minutes here; the full run about 18). ``run(quick, databases)`` returns rows
``{part, name, measured, floor, ratio, unit}`` for ``python -m benchmarks``; as a script it prints them as a
Markdown table. Bounded: every wait has a timeout, the whole load has one (``--timeout``), contexts and
processes are closed in ``finally``. Prints figures; asserts nothing (speed is never a test assertion).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.ws_client import ERROR_MARKERS, StreamlitSession  # noqa: E402

PASSWORD = "Bench-pass-2026"
SECOND_COUNTY = "990102"
ROUTE_COOKIE = "dashboard_route"
FLOOR_COOKIE = "floor_session"
PAGES = (("总览", ""), ("整改推进", "rectification"), ("线索热力图", "heatmap"))  # title, URL path (ui.frame.PAGES)
GRANULARITIES = ("季", "月", "年")

FLOOR_PAGE = '''
import plotly.graph_objects as go
import streamlit as st

user = st.context.cookies.get("floor_session")
if not user:
    st.title("请先登录")
    st.stop()
st.sidebar.caption(f"当前用户：{user}")
st.title(TITLE)
st.plotly_chart(go.Figure(go.Bar(x=list("ABCDEFGHIJKL"), y=[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8])))
'''
FLOOR_ENTRY = '''
import streamlit as st

st.navigation([st.Page("floor_overview.py", title="总览", url_path="overview", default=True),
               st.Page("floor_rectification.py", title="整改推进", url_path="rectification"),
               st.Page("floor_heatmap.py", title="线索热力图", url_path="heatmap")]).run()
'''
FLOOR_SERVER = '''
import html
import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route
from serving.compression import CompressedStatic

FORM = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>登录</title></head><body>
<form method="post" action="/auth/sign-in"><label for="u">用户名</label><input id="u" name="username" type="text">
<label for="p">密码</label><input id="p" name="password" type="password">
<input type="hidden" name="next" value="{next}"><button type="submit">登录</button></form></body></html>"""


async def sign_in(request: Request):
    if request.method == "GET":
        return HTMLResponse(FORM.format(next=html.escape(request.query_params.get("next", "/"))))
    form = await request.form()
    target = str(form.get("next") or "/")
    response = RedirectResponse(target if target.startswith("/") and not target.startswith("//") else "/", 303)
    response.set_cookie("floor_session", str(form.get("username") or ""), httponly=True, samesite="lax")
    return response


class Gate:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "/")
        if scope["type"] == "http" and not path.startswith(("/auth/", "/_stcore/", "/static/", "/favicon")):
            cookies = {k.strip(): v for k, _, v in (c.partition("=") for c in dict(scope["headers"]).get(
                b"cookie", b"").decode("latin-1").split(";"))}
            if not cookies.get("floor_session"):
                query = scope.get("query_string", b"").decode("latin-1")
                target = path + (f"?{query}" if query else "")
                from urllib.parse import quote
                return await RedirectResponse(f"/auth/sign-in?next={quote(target, safe='')}", 302)(scope, receive, send)
        return await self.app(scope, receive, send)


app = st.App("floor_entry.py", routes=[Route("/auth/sign-in", sign_in, methods=["GET", "POST"])],
             middleware=[Middleware(Gate), Middleware(CompressedStatic)])
'''

# every frame: stamp each chart the first time it is drawn; the map's frame reports to the top window
DRAWN_SCRIPT = """
(() => {
  const stamp = () => {
    const now = Date.now();
    let top = null;
    try { top = window.top; top.__benchDrawn = top.__benchDrawn || []; } catch (e) { return; }
    document.querySelectorAll('[data-testid=stPlotlyChart]').forEach(chart => {
      if (!chart.dataset.benchDrawn && chart.querySelector('.main-svg')) {
        chart.dataset.benchDrawn = String(now); top.__benchDrawn.push(now);
      }
    });
    const map = document.querySelector('.leaflet-container');
    if (map && !window.__benchMapDrawn && map.querySelector('.leaflet-overlay-pane path, .leaflet-overlay-pane canvas')) {
      window.__benchMapDrawn = now; top.__benchMapDrawn = now; top.__benchDrawn.push(now);
    }
  };
  const start = () => { new MutationObserver(stamp).observe(document, {subtree: true, childList: true}); stamp(); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
"""
# the page is done: the script finished, nothing stale, no chart still a skeleton (plotly's code is loaded lazily:
# until then a chart is a stSkeleton, not a stPlotlyChart), every plotly chart and the map (if any) drawn
DONE_SCRIPT = """
() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale=true]')) return false;
  if (!document.querySelector('h1')) return false;
  if (document.querySelector('[data-testid=stMain] [data-testid=stSkeleton]')) return false;  // a chart's code loading
  const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
  if (charts.some(chart => !chart.dataset.benchDrawn)) return false;
  return true;
}
"""
MAP_FRAME = 'iframe[title*="st_folium"]'
READ_SCRIPT = """
() => ({drawn: window.__benchDrawn || [], charts: document.querySelectorAll('[data-testid=stPlotlyChart]').length
        + (document.querySelector('iframe[title*="st_folium"]') ? 1 : 0),
        exceptions: document.querySelectorAll('[data-testid=stException]').length,
        main: (document.querySelector('[data-testid=stMain]') || document.body).innerText,
        sidebar: (document.querySelector('[data-testid=stSidebar]') || {innerText: ''}).innerText + '\\n' +
                 [...document.querySelectorAll('[data-testid=stSidebar] input[role=combobox]')].map(box =>
                   `${box.getAttribute('aria-label')}=${box.value}`).join('\\n')})
"""


@dataclass
class BenchUser:
    username: str
    display_name: str
    role: str
    county: str  # 6 digits
    county_name: str
    township_code: str | None
    township_name: str  # its own (乡镇) or its filter (a county user's)
    query: str  # the URL's query string: its filters

    @property
    def title(self) -> str:
        return f"{self.county_name}正风反腐数据看板"


@dataclass
class Visit:
    user: str
    page: str
    first: float | None = None
    last: float | None = None
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)


# --- processes ------------------------------------------------------------------------------------------------

def rss_kib(pid: int) -> int:
    """Return the resident set of process ``pid`` in KiB (/proc/<pid>/status VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def free_port() -> int:
    from tests.browser import free_port as port

    return port()


class Nginx:
    """nginx in front of ``ports`` with the project's site (render-nginx.sh) in a state folder of its own."""

    def __init__(self, state: Path, ports: list[int]) -> None:
        self.state, self.port = state, free_port()
        (state / "logs").mkdir(parents=True, exist_ok=True)
        (state / "nginx").mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHON": sys.executable}
        site = subprocess.run([str(PROJECT_ROOT / "deploy" / "render-nginx.sh"), "--ports", " ".join(map(str, ports)),
                               "--listen", f"127.0.0.1:{self.port}", "--server-name", "127.0.0.1",
                               "--access-log", str(state / "logs" / "nginx-access.log")],
                              cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True, timeout=60)
        (state / "nginx" / "dashboard.conf").write_text(site.stdout)
        template = (PROJECT_ROOT / "deploy" / "nginx" / "local.conf.template").read_text()
        (state / "nginx" / "nginx.conf").write_text(template.replace("{{STATE}}", str(state)))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-p", str(state / "nginx"), "-c", str(state / "nginx" / "nginx.conf"),
                        "-e", str(state / "logs" / "nginx-error.log")], check=True, timeout=30)
        self.pid = int((state / "nginx" / "nginx.pid").read_text())
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        try:
            if str(self.state) in Path(f"/proc/{self.pid}/cmdline").read_text():
                os.kill(self.pid, signal.SIGTERM)
        except (FileNotFoundError, ProcessLookupError):
            pass


@dataclass
class Served:
    """One deployment under test: its URL through nginx, its processes' URLs and pids, its users' warehouse."""

    name: str
    base_url: str
    process_urls: list[str]
    pids: list[int]
    db_url: str | None = None
    stop: list = field(default_factory=list)

    def close(self) -> None:
        for stop in reversed(self.stop):
            try:
                stop()
            except Exception as error:  # noqa: BLE001 - stop the rest too
                print(f"bench_sessions: stopping {self.name}: {error}", file=sys.stderr)


def _behind_nginx(served: Served, folder: Path, processes: int, db_url: str, log_name: str,
                  **start) -> Served:
    """Start ``processes`` Streamlit processes (``tests.browser.start_app``) and nginx in front of them."""
    from tests.browser import start_app, stop_app

    try:
        for number in range(processes):
            process, url = start_app(db_url, log_path=folder / f"{log_name}-{number}.log", **start)
            served.stop.append(lambda process=process: stop_app(process))
            served.process_urls.append(url)
            served.pids.append(process.pid)
        nginx = Nginx(folder / "nginx-state", [int(url.rsplit(":", 1)[1]) for url in served.process_urls])
        served.stop.append(nginx.stop)
        served.base_url = nginx.base_url
    except BaseException:
        served.close()
        raise
    return served


def serve_sqlite(folder: Path, processes: int = 2) -> Served:
    """2 serve.py processes on one SQLite warehouse built from sample_data/, behind nginx."""
    from tests.conftest import load_sample_into

    folder.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{folder / 'warehouse.sqlite'}"
    load_sample_into(db_url)
    return _behind_nginx(Served("sqlite", "", [], [], db_url), folder, processes, db_url, "dashboard",
                         extra_env={"DASHBOARD_DATA_DIR": str(folder / "data")})


def serve_postgresql(folder: Path) -> Served:
    """``deploy/local-up.sh 2`` into a state folder of its own; local-down.sh when closed."""
    state = folder / "deploy"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update(LOCAL_DEPLOY_DIR=str(state), LOCAL_DEPLOY_PORT="0", LOCAL_DEPLOY_TIMEOUT="90", PYTHON=sys.executable)
    served = Served("postgresql", "", [], [])
    served.stop.append(lambda: subprocess.run([str(PROJECT_ROOT / "deploy" / "local-down.sh")], cwd=PROJECT_ROOT,
                                              env=env, capture_output=True, timeout=120))
    try:
        up = subprocess.run([str(PROJECT_ROOT / "deploy" / "local-up.sh"), "2"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
        if up.returncode != 0:
            raise RuntimeError("local-up.sh failed: " + up.stdout[-2000:] + up.stderr[-2000:])
        *_, db_line, base_url = up.stdout.strip().splitlines()
        served.db_url, served.base_url = db_line.split("=", 1)[1], base_url.rstrip("/")
        for line in (state / "dashboards").read_text().splitlines():
            pid, port = line.split()
            served.pids.append(int(pid))
            served.process_urls.append(f"http://127.0.0.1:{port}")
    except BaseException:
        served.close()
        raise
    return served


def serve_floor(folder: Path, processes: int = 2) -> Served:
    """The floor app (a sign-in form, three pages of one chart each), 2 processes behind nginx."""
    folder.mkdir(parents=True, exist_ok=True)
    for page_id, title in (("overview", "总览"), ("rectification", "整改推进"), ("heatmap", "线索热力图")):
        (folder / f"floor_{page_id}.py").write_text(f"TITLE = {title!r}\n" + FLOOR_PAGE, encoding="utf-8")
    (folder / "floor_entry.py").write_text(FLOOR_ENTRY, encoding="utf-8")
    (folder / "floor_server.py").write_text(FLOOR_SERVER, encoding="utf-8")
    return _behind_nginx(Served("floor", "", [], []), folder, processes, "sqlite:///:memory:", "floor",
                         script=str(folder / "floor_server.py"))


# --- users ----------------------------------------------------------------------------------------------------

def make_users(db_url: str, count: int, counties: list[str]) -> list[BenchUser]:
    """Add ``count`` users of different roles and townships (spread over ``counties``); return them."""
    from sqlalchemy import select

    from access.users import add_user
    from warehouse.engine import get_engine
    from warehouse.schema import counties as county_table
    from warehouse.schema import townships

    engine = get_engine(db_url)
    with engine.connect() as conn:
        names = dict(conn.execute(select(county_table.c.county_code, county_table.c.county_name)).all())
        places = {county: conn.execute(select(townships.c.township_code, townships.c.township_name)
                                       .where(townships.c.township_code.startswith(county))
                                       .order_by(townships.c.township_code)).all() for county in counties}
    made = []
    for number in range(count):
        county = counties[number % len(counties)]
        nth = number // len(counties)  # this county's nth user
        code, township = places[county][nth % len(places[county])]
        granularity = GRANULARITIES[number % len(GRANULARITIES)]
        county_roles = ("县领导", "纪委", "管理员")
        role = "乡镇" if nth < len(places[county]) and nth % 2 == 0 else county_roles[nth % 3]
        username, display = f"bench{number:03d}", f"压测用户{number:03d}"
        add_user(engine, username=username, role=role, password=PASSWORD, actor="压测", display_name=display,
                 township_code=code if role == "乡镇" else None, county_code=None if role == "乡镇" else county)
        query = f"granularity={granularity}" + ("" if role == "乡镇" else f"&township={township}")
        made.append(BenchUser(username, display, role, county, names.get(county, county),
                              code if role == "乡镇" else None, township, query))
    return made


def session_tokens(db_url: str, users: list[BenchUser]) -> dict[str, str]:
    from access.sessions import start_session
    from warehouse.engine import get_engine

    engine = get_engine(db_url)
    return {user.username: start_session(engine, user.username, "压测") for user in users}


def floor_users(count: int) -> list[BenchUser]:
    return [BenchUser(f"floor{n:03d}", f"floor{n:03d}", "floor", "", "", None, "", "") for n in range(count)]


# --- the browser ----------------------------------------------------------------------------------------------

def leaks_of(user: BenchUser, seen: dict, everyone: list[BenchUser], floor: bool) -> list[str]:
    """What of another session (its display name, its township filter) this session's page shows."""
    sidebar = seen["sidebar"]
    found = []
    if f"当前用户：{user.display_name}" not in sidebar:
        found.append(f"{user.username}: its own user is not shown")
    for other in everyone:
        if other.username != user.username and other.display_name in sidebar + seen["main"]:
            found.append(f"{user.username} shows {other.display_name}")
    if not floor:
        if user.title not in sidebar:
            found.append(f"{user.username}: not its county's title {user.title}")
        if f"乡镇={user.township_name}" not in sidebar:
            found.append(f"{user.username}: its 乡镇 filter {user.township_name} is not the sidebar's")
    return found


async def browse(context, base_url: str, user: BenchUser, everyone: list[BenchUser], *, floor: bool,
                 timeout_ms: int) -> list[Visit]:
    """One session in its own context: sign in, then 总览, 整改推进 and the heat map; return its visits."""
    visits = []
    await context.add_init_script(DRAWN_SCRIPT)
    page = await context.new_page()
    for number, (_title, path) in enumerate(PAGES):
        visit = Visit(user.username, path or "overview")
        visits.append(visit)
        url = f"{base_url}/{path}" + (f"?{user.query}" if user.query else "")
        try:
            if number == 0:
                await page.goto(url, timeout=timeout_ms)
                await page.get_by_label("用户名").fill(user.username, timeout=timeout_ms)
                await page.get_by_label("密码").fill(PASSWORD)
                started = time.time()
                await page.get_by_role("button", name="登录").click()
            else:
                started = time.time()
                await page.goto(url, timeout=timeout_ms)
            await page.wait_for_function(DONE_SCRIPT, polling=100, timeout=timeout_ms)
            map_drawn = None
            if await page.locator(MAP_FRAME).count():  # the map: its frame holds Leaflet's overlay
                overlay = page.frame_locator(MAP_FRAME).locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas")
                await overlay.first.wait_for(state="attached", timeout=timeout_ms)
                map_drawn = time.time() * 1000
            seen = await page.evaluate(READ_SCRIPT)
            stamps = seen["drawn"] + ([map_drawn] if map_drawn else [])
            if stamps:
                visit.first, visit.last = min(stamps) / 1000 - started, max(stamps) / 1000 - started
            if seen["charts"] == 0:
                visit.errors.append(f"{user.username} {visit.page}: no chart on the page")
            if seen["exceptions"]:
                visit.errors.append(f"{user.username} {visit.page}: {seen['exceptions']} exception(s)")
            text = seen["main"] + seen["sidebar"]
            visit.errors.extend(f"{user.username} {visit.page}: {marker}" for marker in ERROR_MARKERS if marker in text)
            visit.leaks.extend(leaks_of(user, seen, everyone, floor))
        except Exception as error:  # noqa: BLE001 - a timeout or a failed page is an error of the run
            visit.errors.append(f"{user.username} {visit.page}: {type(error).__name__}: {str(error)[:200]}")
            break
    return visits


async def browser_load(base_url: str, users: list[BenchUser], everyone: list[BenchUser], *, floor: bool,
                       timeout_s: float, on_all_open=None) -> list[Visit]:
    """Every user's session at once, a context each in one chromium; each context stays open until all are
    done, then ``on_all_open()`` is called (the memory with every session open); return every visit."""
    from playwright.async_api import async_playwright

    from tests.browser import CHROMIUM_FLAGS, require_chromium

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
        contexts = []
        try:
            contexts = [await browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
                        for _ in users]
            results = await asyncio.wait_for(asyncio.gather(*(
                browse(context, base_url, user, everyone, floor=floor, timeout_ms=int(timeout_s * 1000))
                for context, user in zip(contexts, users))), timeout_s * 4)
            if on_all_open is not None:
                on_all_open()
        finally:
            for context in contexts:
                await context.close()
            await browser.close()
    return [visit for visits in results for visit in visits]


# --- the protocol ---------------------------------------------------------------------------------------------

async def protocol_session(base_url: str, cookies: dict[str, str], user: BenchUser, everyone: list[BenchUser],
                           floor: bool, timeout_s: float) -> list[Visit]:
    visits = []
    try:
        async with StreamlitSession(base_url, cookies, timeout=timeout_s) as session:
            for _title, path in PAGES:
                visit = Visit(user.username, path or "overview")
                visits.append(visit)
                run = await session.run(path, user.query)
                visit.first, visit.last = run.first_chart, run.finished
                visit.errors.extend(f"{user.username} {visit.page}: {error}" for error in run.errors)
                if run.charts == 0:
                    visit.errors.append(f"{user.username} {visit.page}: no chart")
                options, shown = run.selects.get("乡镇", ([], ""))
                texts = "\n".join([*run.texts, f"乡镇={shown}"])  # as the browser's sidebar reads it
                if not floor:
                    visit.leaks.extend(leaks_of(user, {"sidebar": texts, "main": ""}, everyone, floor=False))
                    if user.role == "乡镇" and options != [user.township_name]:
                        visit.leaks.append(f"{user.username}: a 乡镇 user is offered {options}")
    except Exception as error:  # noqa: BLE001 - counted as an error of the run
        visits.append(Visit(user.username, "session", errors=[f"{user.username}: {type(error).__name__}: {error}"]))
    return visits


async def protocol_load(urls: list[str], users: list[BenchUser], everyone: list[BenchUser], tokens: dict[str, str],
                        *, floor: bool, timeout_s: float) -> list[Visit]:
    """Every user's session at once over the WebSocket; session n goes to ``urls[n % len(urls)]``."""
    from access.sessions import COOKIE_NAME

    name = FLOOR_COOKIE if floor else COOKIE_NAME
    runs = await asyncio.wait_for(asyncio.gather(*(
        protocol_session(urls[n % len(urls)], {name: tokens[user.username]}, user, everyone, floor, timeout_s)
        for n, user in enumerate(users))), timeout_s * 4)
    return [visit for visits in runs for visit in visits]


# --- figures --------------------------------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile of ``values`` (None when there are none)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))]


def timing_rows(part: str, label: str, measured: list[Visit], floor: list[Visit] | None) -> list[dict]:
    rows = []
    for what, attribute in (("first chart", "first"), ("last chart", "last")):
        for name, fraction in (("p50", 0.5), ("p95", 0.95)):
            mine = percentile([getattr(v, attribute) for v in measured if getattr(v, attribute) is not None], fraction)
            base = percentile([getattr(v, attribute) for v in floor or [] if getattr(v, attribute) is not None],
                              fraction) if floor is not None else None
            rows.append(row(part, f"{label}: {name} to the {what}", mine, base, "s"))
    return rows


def row(part: str, name: str, measured, floor, unit: str) -> dict:
    ratio = measured / floor if isinstance(measured, float | int) and floor else None
    return {"part": part, "name": name, "measured": measured, "floor": floor, "ratio": ratio, "unit": unit}


def problems(visits: list[Visit]) -> tuple[list[str], list[str]]:
    return ([e for v in visits for e in v.errors], [leak for v in visits for leak in v.leaks])


def markdown_table(rows: list[dict]) -> str:
    def shown(value, unit):
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:.2f}" if unit != "MiB" else f"{value:.1f}"
        return str(value)

    lines = ["| part | what | measured | floor | ratio | unit |", "|---|---|---:|---:|---:|---|"]
    for r in rows:
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "—"
        lines.append(f"| {r['part']} | {r['name']} | {shown(r['measured'], r['unit'])} | {shown(r['floor'], r['unit'])}"
                     f" | {ratio} | {r['unit']} |")
    return "\n".join(lines)


# --- one database ---------------------------------------------------------------------------------------------

def bench_database(database: str, floor: Served, folder: Path, *, sessions: int, churn: int, timeout_s: float,
                   log=print, browsers: bool = True) -> tuple[list[dict], list[str]]:
    """Every measurement on one database beside the floor (``browsers=False``: the protocol clients
    only); return the rows and the problems found."""
    served = serve_postgresql(folder) if database == "postgresql" else serve_sqlite(folder)
    part = f"sessions/{database}"
    rows, found = [], []
    try:
        counties = ["990101", SECOND_COUNTY] if database == "postgresql" else ["990101"]
        users = make_users(served.db_url, sessions + 1, counties)
        alone, users = users[0], users[1:]
        floors = floor_users(sessions + 1)
        floor_alone, floors_many = floors[0], floors[1:]
        idle = {pid: rss_kib(pid) for pid in served.pids}
        single, single_floor, many, many_floor, held = [], [], [], [], {}
        if browsers:
            log(f"{database}: idle RSS {idle} KiB; one browser session alone …")

            single = asyncio.run(browser_load(served.base_url, [alone], users + [alone], floor=False, timeout_s=timeout_s))
            single_floor = asyncio.run(browser_load(floor.base_url, [floor_alone], floors, floor=True, timeout_s=timeout_s))
            log(f"{database}: {sessions} browser sessions at once …")
            held = {}

            def read_memory():
                held.update({pid: rss_kib(pid) for pid in served.pids})

            many = asyncio.run(browser_load(served.base_url, users, users + [alone], floor=False, timeout_s=timeout_s,
                                            on_all_open=read_memory))
            many_floor = asyncio.run(browser_load(floor.base_url, floors_many, floors, floor=True, timeout_s=timeout_s))
            rows += timing_rows(part, "browser, 1 session", single, single_floor)
            rows += timing_rows(part, f"browser, {sessions} sessions", many, many_floor)
            mine_p95 = percentile([v.last for v in many if v.last is not None], 0.95)
            alone_p95 = percentile([v.last for v in single if v.last is not None], 0.95)
            rows.append(row(part, f"browser: p95 last chart, {sessions} sessions ÷ 1 session", mine_p95 / alone_p95
                            if mine_p95 and alone_p95 else None, None, "x"))

        log(f"{database}: {sessions} protocol sessions at once, through nginx and direct …")
        tokens = session_tokens(served.db_url, users)
        floor_tokens = {u.username: u.display_name for u in floors}
        proto = {}
        for how, urls, floor_urls in (("nginx", [served.base_url], [floor.base_url]),
                                      ("direct", served.process_urls, floor.process_urls)):
            asyncio.run(protocol_load(urls, users[:2], users, tokens, floor=False, timeout_s=timeout_s))  # warm
            proto[how] = asyncio.run(protocol_load(urls, users, users, tokens, floor=False, timeout_s=timeout_s))
            proto_floor = asyncio.run(protocol_load(floor_urls, floors_many, floors, floor_tokens, floor=True,
                                                    timeout_s=timeout_s))
            rows += timing_rows(part, f"protocol via {how}, {sessions} sessions", proto[how], proto_floor)
            found += [f"floor protocol: {e}" for e in problems(proto_floor)[0]]
        one_proto = asyncio.run(protocol_load([served.base_url], [alone], users + [alone],
                                              {alone.username: session_tokens(served.db_url, [alone])[alone.username]},
                                              floor=False, timeout_s=timeout_s))
        rows += timing_rows(part, "protocol via nginx, 1 session", one_proto, None)

        visits = single + many + one_proto + proto["nginx"] + proto["direct"]
        errors, leaks = problems(visits)
        floor_errors, _ = problems(single_floor + many_floor)
        rows.append(row(part, "errors (browser and protocol visits)", len(errors), len(floor_errors), "count"))
        rows.append(row(part, "sessions showing another's user or filters", len(leaks), None, "count"))
        rows.append(row(part, "page visits measured", len(visits), None, "count"))
        found += errors + leaks + [f"floor: {e}" for e in floor_errors]

        for number, pid in enumerate(served.pids, start=1):
            rows.append(row(part, f"RSS process {number}, idle", idle[pid] / 1024, None, "MiB"))
            if browsers:
                rows.append(row(part, f"RSS process {number}, {sessions} browser sessions open",
                                held.get(pid, 0) / 1024, None, "MiB"))
        if browsers:
            per_session = (sum(held.values()) - sum(idle.values())) / max(1, sessions) / 1024 if held else None
            rows.append(row(part, "RSS per open session (all processes)", per_session, None, "MiB"))

        if churn:
            log(f"{database}: {churn} protocol sessions opened, run and closed, {sessions} at a time …")
            before = {pid: rss_kib(pid) for pid in served.pids}
            churn_users = users * (churn // len(users) + 1)
            done, totals = 0, []
            while done < churn:
                batch = churn_users[done:done + sessions]
                batch_tokens = session_tokens(served.db_url, batch)
                visits = asyncio.run(protocol_load([served.base_url], batch, users, batch_tokens, floor=False,
                                                   timeout_s=timeout_s))
                found += [f"churn: {e}" for e in problems(visits)[0] + problems(visits)[1]]
                done += len(batch)
                totals.append((done, sum(rss_kib(pid) for pid in served.pids)))
            log(f"{database}: RSS of all processes after each batch (sessions, MiB): "
                + ", ".join(f"{count}: {total / 1024:.0f}" for count, total in totals))
            after = {pid: rss_kib(pid) for pid in served.pids}
            for number, pid in enumerate(served.pids, start=1):
                rows.append(row(part, f"RSS process {number}, after {churn} sessions opened and closed",
                                after[pid] / 1024, None, "MiB"))
            growth = (sum(after.values()) - sum(before.values())) / 1024
            rows.append(row(part, f"RSS growth over {churn} sessions (all processes)", growth, None, "MiB"))
            rows.append(row(part, "RSS growth per session opened and closed", growth * 1024 / churn, None, "KiB"))
            half = next((total for count, total in totals if count >= churn // 2), None)
            if half is not None:
                later = (totals[-1][1] - half) / max(1, totals[-1][0] - churn // 2)
                rows.append(row(part, f"RSS growth per session over the last {churn - churn // 2} of them", later,
                                None, "KiB"))
    finally:
        served.close()
    return rows, found


def run(quick: bool, databases: list[str], *, sessions: int | None = None, churn: int | None = None,
        timeout_s: float = 120.0, log=print, browsers: bool = True) -> list[dict]:
    """Run the benchmark; return its rows {part, name, measured, floor, ratio, unit} (``python -m benchmarks``).
    ``browsers=False``: the protocol clients only (``python -m benchmarks --quick``, within its minute)."""
    sessions = sessions or (5 if quick else 20)
    churn = (0 if quick else 200) if churn is None else churn
    if quick:
        databases = [d for d in databases if d == "sqlite"] or ["sqlite"]
    rows, found = [], []
    with tempfile.TemporaryDirectory(prefix="bench_sessions_") as folder:
        folder = Path(folder)
        floor = serve_floor(folder / "floor")
        try:
            for database in databases:
                database_rows, database_found = bench_database(database, floor, folder / database, sessions=sessions,
                                                               churn=churn, timeout_s=timeout_s, log=log,
                                                               browsers=browsers)
                rows += database_rows
                found += database_found
            for number, pid in enumerate(floor.pids, start=1):
                rows.append(row("sessions/floor", f"RSS floor process {number} at the end", rss_kib(pid) / 1024,
                                None, "MiB"))
        finally:
            floor.close()
    for problem in found:
        log(f"problem: {problem}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 sessions, SQLite only, no churn (about 1.5 minutes)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sessions", type=int, help="sessions at once (default 20, 5 with --quick)")
    parser.add_argument("--churn", type=int, help="protocol sessions opened and closed for the memory (default 200)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds any one page may take")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = run(args.quick, args.databases.split(","), sessions=args.sessions, churn=args.churn,
               timeout_s=args.timeout, log=lambda text: print(text, file=sys.stderr, flush=True))
    print(markdown_table(rows))
    print(f"\n({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
