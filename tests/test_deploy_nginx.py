"""Two dashboard processes behind nginx on one PostgreSQL, as ``deploy/local-up.sh 2`` starts them.

The warehouse holds two counties (示范县 990101 from sample_data/, 990102 from the sample generator), each
with its own townships and clues.

One office's browsers share one address and still spread over both processes; each browser keeps to
its process by the routing cookie, so an upload and a download work; a manager opens every page; a
load from the command line reaches pages open on both processes at their next rerun; a process killed
hands its users to the other, still signed in, in a fresh session. nginx serves the scripts gzipped and
cacheable for a year. Which process answered is read from nginx's access log (``route=… upstream=…``).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import PROJECT_ROOT, VIEWPORT, sign_in, wait_for_page
from tests.ledger_files import CLUE_HEADER, clue_row, write_xlsx
from tests.signed_in import TEST_PASSWORD
from ui.frame import PAGES

pytestmark = pytest.mark.browser
QINGSHI = "990101101"
ADMIN, TOWNSHIP = "nginx_admin", "nginx_qingshi"
ROUTE_COOKIE = "dashboard_route"
LOG_LINE = re.compile(r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) \d+ route=(?P<route>\S+) '
                      r"upstream=(?P<upstream>.*?) time=")
PRIORITY_CAPTION = re.compile(r"尚未办结的红色（重点）或挂牌督办线索 (\d+) 件")


@dataclass
class Deployment:
    base_url: str
    db_url: str
    state: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
        env.update(DASHBOARD_DB_URL=self.db_url, DASHBOARD_DATA_DIR=str(self.state / "data"))
        return env

    def cli(self, *args: str, stdin: str = "") -> str:
        """Run ``python -m <args>`` against the deployment's warehouse; return its output."""
        done = subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_ROOT, env=self.env(), input=stdin,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def processes(self) -> dict[int, int]:
        """Port → pid of each dashboard process local-up.sh started."""
        lines = (self.state / "dashboards").read_text().split("\n")
        return {int(port): int(pid) for pid, port in (line.split() for line in lines if line.strip())}

    def requests_of(self, route: str) -> list[tuple[str, str, int]]:
        """(method, path, port that answered) of every request nginx logged for the route, in order."""
        found = []
        for line in (self.state / "logs" / "nginx-access.log").read_text().splitlines():
            match = LOG_LINE.search(line)
            if match and match["route"] == route and match["upstream"] not in ("", "-"):
                last_tried = match["upstream"].split(", ")[-1]  # after a refused connection: the next one
                found.append((match["method"], match["path"], int(last_tried.rsplit(":", 1)[1])))
        return found

    def ports_of(self, route: str) -> set[int]:
        return {port for _method, _path, port in self.requests_of(route)}


def require_command(path: str, package: str) -> None:
    if shutil.which(path) or os.path.exists(path):
        return
    message = f"{path} is not installed (apt-get install {package})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but " + message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    """``deploy/local-up.sh 2`` into a temporary state folder, a 管理员 and a 乡镇 user added; local-down.sh after."""
    from tests.postgres_cluster import find_pg_bin

    require_command("/usr/sbin/nginx", "nginx")
    if find_pg_bin() is None:
        require_command("initdb", "postgresql-15")
    state = tmp_path_factory.mktemp("deploy")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update(LOCAL_DEPLOY_DIR=str(state), LOCAL_DEPLOY_PORT="0", LOCAL_DEPLOY_TIMEOUT="90", PYTHON=sys.executable)
    try:
        started = subprocess.run([str(PROJECT_ROOT / "deploy" / "local-up.sh"), "2"], cwd=PROJECT_ROOT, env=env,
                                 capture_output=True, text=True, timeout=300)
        assert started.returncode == 0, started.stdout + started.stderr
        *_, db_line, base_url = started.stdout.strip().splitlines()
        assert db_line.startswith("DASHBOARD_DB_URL=postgresql+psycopg://") and base_url.startswith("http://127.0.0.1:")
        deployed = Deployment(base_url.rstrip("/"), db_line.split("=", 1)[1], state)
        deployed.cli("access", "add-user", "--username", ADMIN, "--role", "管理员", "--password-stdin",
                     stdin=TEST_PASSWORD + "\n")
        deployed.cli("access", "add-user", "--username", TOWNSHIP, "--role", "乡镇", "--township", QINGSHI,
                     "--password-stdin", stdin=TEST_PASSWORD + "\n")
        yield deployed
    finally:
        stopped = subprocess.run([str(PROJECT_ROOT / "deploy" / "local-down.sh")], cwd=PROJECT_ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


@contextmanager
def browsing(browser) -> Iterator:
    """A page of a browser of its own (its own cookies: its own route)."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def route_of(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == ROUTE_COOKIE)


def sign_in_through(page, deployment: Deployment, username: str, path: str = "/", title: str = "总览") -> None:
    page.goto(deployment.base_url + path)
    sign_in(page, username)
    wait_for_page(page, title)


@contextmanager
def browsing_on_a_process_other_than(browser, deployment: Deployment, port: int) -> Iterator:
    """A page whose route leads to a process other than ``port`` (a new browser until one does)."""
    for _attempt in range(16):  # each new browser lands on either process with one chance in two
        with browsing(browser) as page:
            page.goto(deployment.base_url + "/auth/sign-in")
            if deployment.ports_of(route_of(page)) != {port}:
                yield page
                return
    raise AssertionError("16 new browsers in a row were all routed to one process")


def upload_and_load(page, path: Path) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files([str(path)])
    expect(page.get_by_text(path.name).first).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="开始加载").click()
    expect(page.get_by_text("本次加载结果")).to_be_visible(timeout=60_000)
    wait_for_page(page, "数据报送")


def priority_count(page) -> int:
    match = PRIORITY_CAPTION.search(page.locator("[data-testid=stMain]").inner_text())
    assert match, "总览 shows no count of red and supervised clues"
    return int(match[1])


def qingshi_clues(path: Path, *rows: list) -> Path:
    return write_xlsx(path, {"线索": (CLUE_HEADER, list(rows))})


def qingshi_clue(number: int, **overrides) -> list:
    """A clue of 青石镇's 凤庄村 received in the sample's last month (its as-of date stays 2026-11-15)."""
    values = {"受理日期": "2026-11-10", "所属乡镇": "青石镇", "所属村(社区)": "凤庄村"}
    return clue_row(number, f"990101-XS-2026-{9000 + number:05d}", **{**values, **overrides})


def ports_after(deployment: Deployment, route: str, seen: int) -> set[int]:
    """The ports that answered the route's requests after its first ``seen`` ones (WebSockets aside: nginx
    logs one when it closes, so the socket of a killed process shows up after its end)."""
    return {port for _method, path, port in deployment.requests_of(route)[seen:] if path != "/_stcore/stream"}


def test_the_nginx_site_takes_the_desks_largest_upload_and_routes_by_a_consistent_cookie_hash(tmp_path):
    render = [str(PROJECT_ROOT / "deploy" / "render-nginx.sh"), "--ports", "8501 8502 8503"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env["PYTHON"] = sys.executable
    site = subprocess.run(render, env=env, capture_output=True, text=True, check=True).stdout
    assert "client_max_body_size 21m;" in site  # the desk's 20 MB (and server.maxUploadSize 20) + the envelope
    directives = "\n".join(line.split("#")[0] for line in site.splitlines())
    assert "hash $dashboard_route consistent;" in directives and "ip_hash" not in directives
    assert [line.split()[1] for line in site.splitlines() if line.strip().startswith("server 127.")] == [
        "127.0.0.1:8501", "127.0.0.1:8502", "127.0.0.1:8503"]
    env["DASHBOARD_DESK_UPLOAD_LIMIT_MB"] = "50"
    assert "client_max_body_size 51m;" in subprocess.run(render, env=env, capture_output=True, text=True,
                                                        check=True).stdout


def route_cookies(response) -> list[str]:
    return [cookie for cookie in response.headers.get_all("Set-Cookie") or [] if cookie.startswith(ROUTE_COOKIE)]


def test_one_address_spreads_over_both_processes_and_a_route_cookie_keeps_to_one(deployment):
    """Every request here comes from 127.0.0.1, as a township's offices come from one NAT address."""
    routes = []
    for _ in range(20):
        with urllib.request.urlopen(deployment.base_url + "/auth/sign-in", timeout=30) as response:
            (cookie,) = route_cookies(response)
            routes.append(re.fullmatch(rf"{ROUTE_COOKIE}=(\w+); Path=/; HttpOnly; SameSite=Lax", cookie)[1])
    assert set().union(*(deployment.ports_of(route) for route in routes)) == set(deployment.processes())
    kept = routes[0]
    for _ in range(10):
        request = urllib.request.Request(deployment.base_url + "/auth/sign-in",
                                         headers={"Cookie": f"{ROUTE_COOKIE}={kept}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert not route_cookies(response)  # given once, not on every response
    # nginx writes a request's log line after the response is sent: wait (bounded) for the last one
    deadline = time.monotonic() + 10
    while len(deployment.requests_of(kept)) < 11 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(deployment.requests_of(kept)) == 11 and len(deployment.ports_of(kept)) == 1


def test_the_deployment_holds_two_counties_each_with_its_own_townships_and_clues(deployment):
    from sqlalchemy import func, select

    from warehouse.engine import get_engine
    from warehouse.schema import clues, counties, townships

    with get_engine(deployment.db_url).connect() as conn:
        def per_county(column) -> dict[str, int]:
            county = func.substr(column, 1, 6)
            return dict(conn.execute(select(county, func.count()).group_by(county)).all())

        assert set(conn.execute(select(counties.c.county_code)).scalars()) == {"990101", "990102"}
        assert per_county(townships.c.township_code) == {"990101": 12, "990102": 12}
        assert set(per_county(clues.c.township_code)) == {"990101", "990102"}


def test_a_scripts_bundle_comes_gzip_compressed_and_cacheable_for_a_year(deployment):
    import streamlit

    bundle = next((Path(streamlit.__file__).parent / "static" / "static" / "js").glob("index.*.js"))
    request = urllib.request.Request(f"{deployment.base_url}/static/js/{bundle.name}",
                                     headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        body = response.read()
    assert gzip.decompress(body) == bundle.read_bytes() and len(body) < bundle.stat().st_size / 2


def test_a_manager_signs_in_and_every_page_opens_on_its_one_process(deployment, browser):
    with browsing(browser) as page:
        sign_in_through(page, deployment, ADMIN)
        sidebar = page.locator("[data-testid=stSidebarNav]")
        for title, _file in PAGES.values():
            sidebar.get_by_role("link", name=title, exact=True).click()
            wait_for_page(page, title)
            assert "请先登录" not in page.locator("[data-testid=stMain]").inner_text()
        assert len(deployment.ports_of(route_of(page))) == 1


def test_a_township_users_upload_and_its_rejects_download_reach_the_process_holding_its_session(
        deployment, browser, tmp_path):
    from openpyxl import load_workbook

    mixed = qingshi_clues(tmp_path / "青石镇十一月线索.xlsx", qingshi_clue(1),
                          qingshi_clue(2, 所属乡镇="柳河乡", **{"所属村(社区)": "李湖村"}))
    with browsing(browser) as page:
        sign_in_through(page, deployment, TOWNSHIP, "/desk", "数据报送")
        upload_and_load(page, mixed)
        assert "3=1+1+1 ✓" in page.locator("[data-testid=stTable]").inner_text()
        expect(page.get_by_text("拒收行（1条原因）")).to_be_visible()
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=re.compile("^下载拒收行")).click()
        sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
        assert [row[2:5] for row in sheet.iter_rows(min_row=2, values_only=True)] == [(3, "所属乡镇", "不属于本乡镇")]
        requests = deployment.requests_of(route_of(page))
    paths = [path for _method, path, _port in requests]
    assert any(path.startswith("/_stcore/upload_file/") for path in paths) and any(p.startswith("/media/") for p in paths)
    assert len({port for _method, _path, port in requests}) == 1  # the upload, the download, the page: one process


def test_a_load_from_the_command_line_reaches_pages_open_on_both_processes_at_their_next_rerun(
        deployment, browser, tmp_path):
    with browsing(browser) as county:
        sign_in_through(county, deployment, ADMIN)
        (county_port,) = deployment.ports_of(route_of(county))
        with browsing_on_a_process_other_than(browser, deployment, county_port) as township:
            sign_in_through(township, deployment, TOWNSHIP)
            before = {"county": priority_count(county), "township": priority_count(township)}
            red = qingshi_clues(tmp_path / "青石镇红色线索.xlsx",
                                qingshi_clue(3, 管理等级="红", 办理状态="在办", 受理日期="2026-11-12"))
            deployment.cli("data_pipeline", "load", str(red), "--county", "990101")  # two counties: a name needs one
            for name, page in (("county", county), ("township", township)):
                page.locator("[data-testid=stSidebar]").get_by_text("会议模式（投影）").click()  # a rerun
                wait_for_page(page, "总览")
                expect(page.locator("[data-testid=stMain]")).to_contain_text(
                    f"尚未办结的红色（重点）或挂牌督办线索 {before[name] + 1} 件", timeout=30_000)
            assert deployment.ports_of(route_of(township)) != {county_port}


def test_a_killed_process_hands_its_users_to_the_other_still_signed_in_in_a_fresh_session(
        deployment, browser, tmp_path):
    with browsing(browser) as page:
        sign_in_through(page, deployment, TOWNSHIP, "/desk", "数据报送")
        upload_and_load(page, qingshi_clues(tmp_path / "青石镇补报线索.xlsx", qingshi_clue(4)))
        route = route_of(page)
        (killed,) = deployment.ports_of(route)
        seen_before = len(deployment.requests_of(route))
        os.killpg(deployment.processes()[killed], signal.SIGKILL)  # the process and anything it started

        # the page reconnects through nginx to the other process (Streamlit keeps showing what it drew) …
        deadline = time.monotonic() + 60
        while not (moved := ports_after(deployment, route, seen_before)):
            assert time.monotonic() < deadline, "the page did not reconnect to the other process"
            time.sleep(0.2)  # polling nginx's log for the reconnection, not waiting on the page
        assert killed not in moved
        # … and its next rerun runs in a new session there, signed in by the same cookie: the load's summary is gone
        expect(page.get_by_role("switch", name="会议模式（投影）")).to_be_enabled(timeout=60_000)  # reconnected
        page.locator("[data-testid=stSidebar]").get_by_text("会议模式（投影）").click()
        wait_for_page(page, "数据报送")
        expect(page.get_by_text("本次加载结果")).to_have_count(0)
        expect(page.locator("[data-testid=stSidebar]")).to_contain_text(f"当前用户：{TOWNSHIP}")
        assert route_of(page) == route  # the same routing cookie: nginx skips the process that is gone

        # an upload on the new process passes its XSRF check: every process has the same cookie secret
        upload_and_load(page, qingshi_clues(tmp_path / "青石镇再补报线索.xlsx", qingshi_clue(5)))
        assert "青石镇再补报线索.xlsx" in page.locator("[data-testid=stTable]").inner_text()
        page.reload()
        wait_for_page(page, "数据报送")  # a reload: still signed in
        assert ports_after(deployment, route, seen_before) == set(deployment.processes()) - {killed}
