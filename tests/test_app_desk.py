"""数据报送 in AppTest: 报送情况 on the sample, a 零报告 turns a missing month reported, undo from the history,
and who may use the desk at all. (Uploads need a browser: tests/test_desk_browser.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.app_helpers import open_app
from tests.signed_in import session_token
from warehouse import schema

QINGSHUI, QINGSHI = "990101105", "990101101"


def status_matrix(app):
    """The 报送情况 tab's table (AppTest finds tables by position, not by key)."""
    return app.tabs[1].dataframe[0].value


def history(app):
    return app.tabs[2].dataframe[0].value


def status_cell(app, township: str, month: str) -> str:
    table = status_matrix(app)
    return table.loc[table["乡镇"] == township, month].item()


def show_clues_of_2026q3(app):
    app.selectbox(key="desk_status_kind").select("clues").run()
    period = app.selectbox(key="desk_status_period")
    period.select_index(period.options.index("2026年第三季度")).run()
    assert not app.exception, [e.value for e in app.exception]


def test_a_township_that_sent_no_clues_in_a_month_is_missing_until_its_zero_report(on_writable_sample):
    app = open_app("desk", role="管理员")
    assert app.title[0].value == "数据报送"
    show_clues_of_2026q3(app)
    assert status_cell(app, "清水镇", "2026-09") == "未报送"
    assert "清水镇" in app.error[0].value and app.error[0].value.startswith("未按期报送的乡镇")
    zero_township = app.selectbox(key="desk_zero_township")
    zero_township.select(QINGSHUI)
    app.selectbox(key="desk_zero_kind").select("clues")
    zero_period = app.selectbox(key="desk_zero_period")
    zero_period.select_index(zero_period.options.index("2026年9月"))
    app.button(key="FormSubmitter:desk_zero_report-报送零报告").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert [s.value for s in app.success][0] == "已登记清水镇2026年9月问题线索台账零报告"
    show_clues_of_2026q3(app)
    assert status_cell(app, "清水镇", "2026-09") == "零报告"
    from warehouse.engine import get_engine

    with get_engine(on_writable_sample).connect() as conn:
        events = conn.execute(select(func.count()).select_from(schema.audit_events)
                              .where(schema.audit_events.c.action == "zero_report")).scalar_one()
    assert events == 1


def test_the_manager_undoes_the_platform_ledger_from_the_history_and_the_pages_lose_its_rows(on_writable_sample):
    from warehouse.engine import get_engine

    engine = get_engine(on_writable_sample)
    with engine.connect() as conn:
        batch = conn.execute(select(schema.load_batches.c.batch_id)
                             .where(schema.load_batches.c.ledger_kind == "platform_usage")).scalar_one()
        rows = conn.execute(select(func.count()).select_from(schema.platform_usage)).scalar_one()
    app = open_app("desk", role="管理员")
    assert "示范县小微权力监督平台使用情况.xlsx" in history(app).to_string()
    app.selectbox(key="desk_undo_batch").select(batch)
    app.button(key="FormSubmitter:desk_undo-撤销本批次").click().run()
    assert app.error[0].value == "请先勾选确认后再撤销。"  # the message first, above the tabs
    app.selectbox(key="desk_undo_batch").select(batch)
    app.checkbox(key="desk_undo_confirm").check()
    app.button(key="FormSubmitter:desk_undo-撤销本批次").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.success[0].value == f"已撤销第{batch}批次（示范县小微权力监督平台使用情况.xlsx）：删除{rows}行，恢复0行"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.platform_usage)).scalar_one() == 0
    assert not any(option.startswith(f"第{batch}批次") for option in app.selectbox(key="desk_undo_batch").options)
    table = history(app)
    assert table.loc[table["批次"] == batch, "撤销人"].item() == "test_admin"


@pytest.mark.parametrize("role", ["纪委", "县领导"])
def test_the_desk_is_not_in_other_roles_navigation_and_refuses_to_run_for_them(on_writable_sample, role):
    from streamlit.testing.v1 import AppTest

    from ui.frame import SESSION_TOKEN_STATE, visible_pages

    assert "desk" not in [p for ids in visible_pages(role).values() for p in ids]
    assert visible_pages("管理员")["数据报送"] == ("desk",) and visible_pages("乡镇")["数据报送"] == ("desk",)
    page = AppTest.from_file("../pages/desk.py", default_timeout=90)  # reached by its file (URL) all the same
    page.session_state[SESSION_TOKEN_STATE] = session_token(on_writable_sample, role)
    page.run()
    assert [e.value for e in page.error] == [f"当前角色（{role}）无权使用“数据报送”。"]
    assert not page.dataframe and not page.get("file_uploader")


def test_a_township_user_declares_zero_reports_for_its_own_township_only(on_writable_sample):
    township = open_app("desk", role="乡镇", township_code=QINGSHI)
    assert township.title[0].value == "数据报送"
    assert township.selectbox(key="desk_zero_township").options == ["青石镇"]
    matrix = status_matrix(township)
    assert matrix["乡镇"].tolist() == ["青石镇"]
