"""Helpers of the AppTest tests (tests/test_app_*.py): run the app on the sample, read its figures."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from ui.frame import PAGES

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
PAGE_FILES = {page_id: file for page_id, (_title, file) in PAGES.items()}  # page id → its file


def open_app(page: str | None = None, *, role: str = "纪委", township_code: str | None = None,
             **query_params: str) -> AppTest:
    """Return the app after its first run, signed in as a test user of ``role`` (a real session in the
    warehouse of DASHBOARD_DB_URL), with ``query_params`` in the URL, switched to ``page``."""
    from tests.signed_in import session_token
    from ui.frame import SESSION_TOKEN_STATE
    from warehouse.engine import database_url

    app = AppTest.from_file(DASHBOARD, default_timeout=90)
    app.session_state[SESSION_TOKEN_STATE] = session_token(database_url(), role, township_code)
    app.query_params.update(query_params)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    if page is not None:
        app.switch_page(PAGE_FILES.get(page, page)).run()  # a page id, or a page file
        assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture
def pages_registered_by_navigation(monkeypatch):
    """Run AppTest as a server runs after its first request: pages/ auto-discovery off.

    AppTest re-enables Streamlit's legacy discovery of the pages/ folder before every run, so a
    page would run without dashboard.py and widget ids would change between runs. A server turns
    it off for good the first time dashboard.py calls st.navigation; the first request itself is
    covered by the browser test (a deep link on a fresh server).
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def metrics_shown(app: AppTest) -> dict[str, str]:
    """Return {tile label: value text} of every st.metric on the page."""
    return {m.label: m.value for m in app.metric}


def figures(app: AppTest) -> list:
    """Return the plotly figures drawn on the page (as go.Figure)."""
    return [pio.from_json(element.proto.spec) for element in app.get("plotly_chart")]


def figure_titled(app: AppTest, start: str):
    """Return the first figure whose title starts with ``start``."""
    for fig in figures(app):
        if (fig.layout.title.text or "").startswith(start):
            return fig
    raise AssertionError(f"no figure titled {start!r}: {[f.layout.title.text for f in figures(app)]}")


def numbers(array) -> list[float]:
    """Return a trace's values as floats, whether plain or plotly's typed array {dtype, bdata}."""
    if isinstance(array, dict) and "bdata" in array:
        import base64

        import numpy as np

        return [float(v) for v in np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])]
    return [float(v) for v in array]


def texts(app: AppTest) -> str:
    """Return every markdown, caption, title, subheader, alert text of the page, joined."""
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "error", "success", "info", "warning"):
        parts.extend(str(e.value) for e in app.get(kind))
    return "\n".join(parts)


def spec_json(app: AppTest) -> str:
    """Return the raw plotly JSON of every figure on the page (to look for CDN references)."""
    return "\n".join(json.dumps(json.loads(e.proto.spec)) for e in app.get("plotly_chart"))


@pytest.fixture
def on_writable_sample(sample_db_url, tmp_path, monkeypatch, pages_registered_by_navigation):
    """A copy of the sample warehouse this test may write users into."""
    import sqlite3

    path = tmp_path / "warehouse.sqlite"
    with sqlite3.connect(sample_db_url.removeprefix("sqlite:///")) as source, sqlite3.connect(path) as copy:
        source.backup(copy)  # the live file's WAL too
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    return url
