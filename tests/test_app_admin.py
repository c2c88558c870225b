"""The 管理员's pages: 用户管理 and 审计日志, in the navigation of the 管理员 only, refused to anyone else."""

from __future__ import annotations

import pytest

from tests.app_helpers import open_app
from tests.signed_in import session_token


def test_a_manager_adds_a_township_user_from_the_users_page_and_the_change_is_audited(on_writable_sample):
    from access.users import list_users
    from warehouse.engine import get_engine

    app = open_app("pages/users.py", role="管理员")
    assert app.title[0].value == "用户管理"
    app.text_input(key="users_add_username").input("Wang")
    app.text_input(key="users_add_display_name").input("王乡镇")
    app.selectbox(key="users_add_role").select("乡镇")
    townships = app.selectbox(key="users_add_township")
    townships.select_index(townships.options.index("青石镇"))
    app.text_input(key="users_add_password").input("Wang2026abc")
    app.button(key="FormSubmitter:users_add-新增").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert [s.value for s in app.success] == ["已新增用户 wang"]
    added = {u.username: u for u in list_users(get_engine(on_writable_sample))}["wang"]
    assert (added.role, added.township_code, added.display_name) == ("乡镇", "990101101", "王乡镇")
    audit = open_app("pages/audit.py", role="管理员")
    actions = audit.selectbox(key="audit_action")
    actions.select_index(actions.options.index("用户变更")).run()
    table = audit.dataframe[0].value
    rows = table[table["详情"].str.contains('"username": "wang"')]
    assert list(rows["操作"]) == ["用户变更"] and list(rows["用户"]) == ["test_admin"]
    assert "Wang2026abc" not in table.to_string()


def test_a_weak_password_on_the_users_page_reads_as_one_chinese_line(on_writable_sample):
    app = open_app("pages/users.py", role="管理员")
    app.text_input(key="users_add_username").input("li")
    app.selectbox(key="users_add_role").select("纪委")
    app.text_input(key="users_add_password").input("short")
    app.button(key="FormSubmitter:users_add-新增").click().run()
    assert [e.value for e in app.error] == ["密码至少 8 位"]


@pytest.mark.parametrize("role", ["纪委", "县领导", "乡镇"])
def test_the_admin_pages_are_not_in_other_roles_navigation_and_refuse_to_run_for_them(on_writable_sample, role):
    from streamlit.testing.v1 import AppTest

    from ui.frame import SESSION_TOKEN_STATE, visible_pages

    township = "990101101" if role == "乡镇" else None
    shown = [p for ids in visible_pages(role).values() for p in ids]
    assert "users" not in shown and "audit" not in shown and "overview" in shown
    assert visible_pages("管理员")["系统管理"] == ("users", "audit")
    page = AppTest.from_file("../pages/users.py", default_timeout=90)  # reached by its file (URL) all the same
    page.session_state[SESSION_TOKEN_STATE] = session_token(on_writable_sample, role, township)
    page.run()
    assert [e.value for e in page.error] == [f"当前角色（{role}）无权使用“用户管理”。"]
    assert not page.dataframe and not page.get("text_input")
