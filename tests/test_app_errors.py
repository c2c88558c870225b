"""What a user sees when something goes wrong: one Chinese line, never a traceback; the log keeps it."""

from __future__ import annotations

import socket

from streamlit.testing.v1 import AppTest

from tests.app_helpers import DASHBOARD


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe closes


def _run(monkeypatch, tmp_path, **environment) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = AppTest.from_file(DASHBOARD, default_timeout=90)
    app.run()
    return app


def test_an_unreachable_database_reads_as_one_chinese_line_and_the_log_keeps_the_traceback(monkeypatch, tmp_path):
    url = f"postgresql+psycopg://dash:secret@127.0.0.1:{_closed_port()}/county"
    app = _run(monkeypatch, tmp_path, DASHBOARD_DB_URL=url)
    assert not app.exception
    assert [e.value for e in app.error] == ["数据库暂时无法连接，请稍后重试或联系管理员。"]
    shown = "\n".join(str(e.value) for kind in ("markdown", "caption", "error", "text") for e in app.get(kind))
    assert "OperationalError" not in shown and "127.0.0.1" not in shown and "Traceback" not in shown
    log = (tmp_path / "dashboard.log").read_text(encoding="utf-8")
    assert "Database unreachable" in log and "Traceback" in log and "OperationalError" in log
    assert "secret" not in log  # the URL's password never reaches the log


def test_a_ranking_weight_keyed_by_an_unknown_metric_stops_the_start_up_in_chinese(monkeypatch, tmp_path):
    app = _run(monkeypatch, tmp_path, DASHBOARD_RANKING_WEIGHTS='{"整改完成率": 30, "满意率": 70}')
    assert not app.exception
    (error,) = app.error
    assert error.value.startswith("看板配置有误，请管理员修改后重启：设置 ranking_weights 中有未知的指标：整改完成率、满意率")
    assert not app.get("plotly_chart") and not app.metric  # nothing else ran
