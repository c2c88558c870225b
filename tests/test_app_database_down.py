"""The database goes away under a running app and comes back: one Chinese line meanwhile, and the next
rerun after it returns works without restarting the app (a real PostgreSQL server stopped and started)."""

from __future__ import annotations

import pytest

from tests.app_helpers import DASHBOARD, metrics_shown
from tests.metrics_fixture import build_metrics_warehouse
from tests.signed_in import session_token

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_cluster():
    """A cluster of this test's own: stopping it must not take the suite's down with it."""
    from tests.postgres_cluster import PostgresCluster, find_pg_bin

    if find_pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


def test_a_stopped_database_reads_as_one_line_and_the_app_recovers_when_it_returns(own_cluster, monkeypatch, tmp_path,
                                                                                   pages_registered_by_navigation):
    from streamlit.testing.v1 import AppTest

    from ui.frame import SESSION_TOKEN_STATE
    from warehouse.engine import get_engine

    url = own_cluster.create_database("county")
    build_metrics_warehouse(get_engine(url))
    monkeypatch.setenv("DASHBOARD_DB_URL", url)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))  # its log, not the project's
    app = AppTest.from_file(DASHBOARD, default_timeout=90)
    app.session_state[SESSION_TOKEN_STATE] = session_token(url)
    app.query_params.update(granularity="季", period="2024年第三季度")
    app.run()
    assert not app.exception and metrics_shown(app)["线索数"] == "9件"

    own_cluster.pause()
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == ["数据库暂时无法连接，请稍后重试或联系管理员。"]
    assert not app.metric
    assert "Database unreachable" in (tmp_path / "dashboard.log").read_text(encoding="utf-8")

    own_cluster.resume()
    app.run()  # the same app, no restart: the engine's pool reconnects
    assert not app.exception
    assert "数据库暂时无法连接，请稍后重试或联系管理员。" not in [e.value for e in app.error]
    assert metrics_shown(app)["线索数"] == "9件"
