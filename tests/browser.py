"""Shared real-browser fixtures: serve the app with ``streamlit run`` and drive Debian's chromium.

Generic on purpose (the pages', the map's and the exports' browser tests all use them).
``tests/conftest.py`` registers this module as a plugin, so the fixtures exist once for the whole
suite; test modules import only the plain functions (``start_app``, ``stop_app`` …).

- ``app_server``: ``streamlit run serve.py --server.headless true`` (the app behind its sign-in) on a free port with
  ``DASHBOARD_DB_URL`` at the sample warehouse; waits on ``/_stcore/health``; yields its base URL
  (``http://127.0.0.1:<port>``) and stops the server (its own process group) afterwards.
- ``browser``: chromium from ``/usr/bin/chromium`` (never ``playwright install``) with the flags of
  STACK_NOTES.md. With ``CI=true`` a missing chromium fails the test rather than skipping it.
- ``page``: a 1600x1000 page whose every request URL is recorded in ``page.requested_urls``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from access.sessions import COOKIE_NAME
from tests.signed_in import TEST_PASSWORD

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1600, "height": 1000}
SCREENSHOT_DIR = PROJECT_ROOT / "docs" / "screenshots"


def free_port() -> int:
    """Return a TCP port free on the loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Return once ``/_stcore/health`` answers ok; raise if the server dies or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling a server that is starting, not waiting in a test
    raise TimeoutError(f"streamlit did not become healthy at {base_url}")


def start_app(db_url: str, script: str = "serve.py", extra_env: dict[str, str] | None = None,
              log_path: Path | None = None, base_path: str = "") -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run <script>`` on a free port against ``db_url``; return (process, base URL).

    ``base_path`` (``/dash``) serves it under ``--server.baseUrlPath``; the base URL then ends with it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update({"DASHBOARD_DB_URL": db_url, "PYTHONPATH": str(PROJECT_ROOT),
                "STREAMLIT_SERVER_COOKIE_SECRET": "test-cookie-secret-of-the-suite"})
    env.update(extra_env or {})
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         *(["--server.baseUrlPath", base_path] if base_path else [])],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped by its id, nothing else
    )
    base_url = f"http://127.0.0.1:{port}{base_path}"
    try:
        wait_healthy(base_url, process)
    except Exception:
        stop_app(process)
        raise
    return process, base_url


def stop_app(process: subprocess.Popen) -> None:
    """Stop the server started by ``start_app`` (its process group only)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def wait_for_page(page, title: str, timeout: int = 60_000) -> None:
    """Wait until the page's title is shown and Streamlit has finished running the script.

    Tests click once the app is idle, as a user clicks what has finished drawing: a download
    clicked while the page's script still runs waited past its timeout on a slower CI machine.
    """
    from playwright.sync_api import expect

    expect(page.locator("h1").filter(has_text=title).first).to_be_visible(timeout=timeout)
    expect(page.locator("[data-testid=stApp]")).to_have_attribute("data-test-script-state", "notRunning",
                                                                  timeout=timeout)
    expect(page.locator("[data-stale=true]")).to_have_count(0, timeout=timeout)


def sign_in(page, username: str, password: str = TEST_PASSWORD) -> None:
    """Fill in the sign-in form a page shows (用户名, 密码) and press 登录."""
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def require_chromium() -> str:
    """Return chromium's path; skip (or fail with CI=true) when it is not installed."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    message = f"{CHROMIUM} is not installed (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but " + message)
    pytest.skip(message)


def save_screenshot(page, name: str) -> Path | None:
    """Save a full-page screenshot to docs/screenshots/<name>.png when SAVE_SCREENSHOTS=1."""
    if os.environ.get("SAVE_SCREENSHOTS") != "1":
        return None
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    full_page_screenshot(page, path)
    return path


def full_page_screenshot(page, path: Path | str) -> None:
    """Screenshot the whole page at 1600 wide: Streamlit scrolls inside its main block, not the
    document, so the viewport is stretched to the content's height for the shot, then restored."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer],"
        " section.main')].map(e => e.scrollHeight), document.body.scrollHeight)")
    original = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": original["width"], "height": max(original["height"], int(height) + 40)})
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(original)


# base URL → the session token a page opening it is signed in with (a 纪委 test user of its warehouse)
SIGNED_IN: dict[str, str] = {}


@contextmanager
def served_app(db_url: str, log_path: Path | None = None, *, signed_in_role: str | None = "纪委",
               extra_env: dict[str, str] | None = None, base_path: str = "") -> Iterator[str]:
    """Serve the app against ``db_url`` for the block; yield its base URL; stop it afterwards.

    A ``page`` that opens the URL is signed in as a test user of ``signed_in_role`` (None: not signed in).
    ``extra_env`` adds environment variables (``STREAMLIT_SECRETS_FILES``); ``base_path`` is ``start_app``'s."""
    process, base_url = start_app(db_url, extra_env=extra_env, log_path=log_path, base_path=base_path)
    if signed_in_role:
        from tests.signed_in import session_token

        SIGNED_IN[base_url] = session_token(db_url, signed_in_role)
    try:
        yield base_url
    finally:
        SIGNED_IN.pop(base_url, None)
        stop_app(process)


@pytest.fixture(scope="module")
def app_server(sample_db_url, tmp_path_factory):
    """Yield the base URL of the app served against the sample warehouse."""
    with served_app(sample_db_url, tmp_path_factory.mktemp("streamlit") / "server.log") as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    """Yield a headless chromium (Debian's), shared by the session."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """Yield a 1600x1000 page that records every request URL in ``page.requested_urls``."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    new_page = context.new_page()
    go_to = new_page.goto

    def signed_in_goto(url: str, **options):
        """Open ``url`` with the session cookie of the served app it belongs to (cookies ignore the port)."""
        for base_url, token in SIGNED_IN.items():
            if url.startswith(base_url):
                context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": base_url, "httpOnly": True}])
        return go_to(url, **options)

    new_page.goto = signed_in_goto
    new_page.requested_urls = []
    new_page.on("request", lambda request: new_page.requested_urls.append(request.url))
    yield new_page
    context.close()
