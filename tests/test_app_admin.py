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


def test_a_countys_manager_reads_its_countys_audit_rows_and_never_a_row_of_the_other_county(on_writable_sample,
                                                                                            tmp_path):
    from access.signin import sign_in
    from access.users import add_user
    from data_pipeline.load import load_paths
    from metrics.scope import Scope
    from reports.archive import audit_log
    from tests.ledger_files import CLUE_HEADER, clue_row, write_xlsx
    from tests.metrics_fixture import add_second_county
    from tests.signed_in import TEST_PASSWORD
    from warehouse.engine import get_engine

    engine = get_engine(on_writable_sample)
    add_second_county(engine)
    app = open_app("audit", role="管理员")  # test_admin, of the configured county 990101
    # the other county: users added on the server and by its own 管理员, a sign-in, a load of its ledger
    add_user(engine, username="lx_admin", role="管理员", county_code="990102", password=TEST_PASSWORD, actor="命令行")
    add_user(engine, username="lx_qingshi", role="乡镇", township_code="990102101", password=TEST_PASSWORD,
             actor="lx_admin", within_county="990102")
    assert sign_in(engine, "lx_qingshi", TEST_PASSWORD, "测试").token
    theirs = write_xlsx(tmp_path / "邻县线索.xlsx", {"线索": (CLUE_HEADER, [
        clue_row(1, clue_id="LX-2024-0001", 所属乡镇="邻县青石镇", **{"所属村(社区)": None})])})
    [loaded] = load_paths([theirs], engine, loaded_by="命令行", county_code="990102")
    assert loaded.rows_loaded == 1
    # its own county: a user added by its 管理员 on the page's terms, a one-county load from the command line
    add_user(engine, username="own_jiwei", role="纪委", password=TEST_PASSWORD, actor="test_admin",
             within_county="990101")
    ours = write_xlsx(tmp_path / "示范县线索.xlsx", {"线索": (CLUE_HEADER, [
        clue_row(1, clue_id="SF-2024-0001", 所属乡镇="青石镇", **{"所属村(社区)": None})])})
    assert load_paths([ours], engine, loaded_by="命令行")[0].rows_loaded == 1

    app.run()
    table = app.dataframe[0].value
    shown = table.to_string()
    assert not any(word in shown for word in ("lx_admin", "lx_qingshi", "邻县线索.xlsx", "990102")), shown
    assert "lx_qingshi" not in app.selectbox(key="audit_user").options and "lx_admin" not in shown
    mine = table[table["详情"].str.contains('"username": "own_jiwei"')]
    assert list(mine["用户"]) == ["test_admin"] and list(mine["操作"]) == ["用户变更"]
    assert list(table[table["详情"].str.contains("示范县线索.xlsx")]["操作"]) == ["导入台账"]
    # the other county's 管理员 reads its rows and none of the first county's; an admin of no county reads both
    other = audit_log(engine, Scope(role="管理员", county_code="990102"))
    assert set(other["user_name"]) == {"命令行", "lx_admin", "lx_qingshi"}
    assert other["detail"].str.contains("邻县线索.xlsx").any() and not other["detail"].str.contains("own_jiwei").any()
    everyone = audit_log(engine, Scope(role="管理员"))
    assert {"lx_qingshi", "test_admin"} <= set(everyone["user_name"])


def _add_through_the_form(app, username: str, role: str, township: str | None = None):
    app.text_input(key="users_add_username").input(username)
    app.selectbox(key="users_add_role").select(role)
    if township is not None:
        app.selectbox(key="users_add_township").select_index(app.selectbox(key="users_add_township").options.index(township))
    app.text_input(key="users_add_password").input("Zhang2026abc")
    app.button(key="FormSubmitter:users_add-新增").click().run()
    assert not app.exception, [e.value for e in app.exception]


def test_a_countys_manager_adds_users_of_its_own_county_which_the_form_shows_and_does_not_offer_to_change(
        on_writable_sample):
    from access.users import add_user, list_users
    from tests.metrics_fixture import add_second_county
    from tests.signed_in import TEST_PASSWORD
    from warehouse.engine import get_engine

    engine = get_engine(on_writable_sample)
    add_second_county(engine)
    add_user(engine, username="lx_zhang", role="纪委", county_code="990102", password=TEST_PASSWORD, actor="命令行")
    app = open_app("users", role="管理员")
    shown = app.text_input(key="users_add_county_shown")
    assert (shown.label, shown.value, shown.disabled) == ("县（市、区）", "示范县", True)
    assert not [s for s in app.selectbox if s.key == "users_add_county"]  # nothing to choose
    townships = app.selectbox(key="users_add_township").options
    assert "青石镇" in townships and not any(t.startswith("邻县") for t in townships)
    _add_through_the_form(app, "Zhang", "纪委")
    assert [s.value for s in app.success] == ["已新增用户 zhang"]
    added = {u.username: u for u in list_users(engine)}["zhang"]
    assert (added.role, added.county_code) == ("纪委", "990101")
    listed = app.dataframe[0].value
    assert listed.loc[listed["用户名"] == "zhang", "县（市、区）"].tolist() == ["示范县"]
    assert "lx_zhang" not in listed["用户名"].tolist()
    # the other county's user is not listed, but the name is the warehouse's: refused, in one Chinese line
    _add_through_the_form(app, "lx_zhang", "县领导")
    assert [e.value for e in app.error] == ["用户名“lx_zhang”已存在"]
    assert {u.username: u for u in list_users(engine)}["lx_zhang"].county_code == "990102"  # untouched


def test_an_admin_of_no_county_picks_the_county_and_its_townships_only(on_writable_sample, monkeypatch):
    import access.sessions
    from access.users import list_users
    from tests.metrics_fixture import add_second_county
    from warehouse.engine import get_engine

    engine = get_engine(on_writable_sample)
    add_second_county(engine)
    county_of = access.sessions.county_of  # the app makes no such admin today: a prefecture-wide one, if it did
    monkeypatch.setattr(access.sessions, "county_of", lambda user: None if user.role == "管理员" else county_of(user))
    app = open_app("users", role="管理员")
    assert not [t for t in app.text_input if t.key == "users_add_county_shown"]
    _add_through_the_form(app, "nobody", "纪委")  # no county chosen: refused, not the configured one unasked
    assert [e.value for e in app.error] == ["请先选择新用户所属的县（市、区）"]
    counties = app.selectbox(key="users_add_county")
    assert counties.options == ["示范县", "邻县"]
    counties.select("990102").run()  # by code: the options read the names
    townships = app.selectbox(key="users_add_township").options
    assert townships[0] == "—" and all(t.startswith("邻县") for t in townships[1:]) and "邻县青石镇" in townships
    _add_through_the_form(app, "LxQingshi", "乡镇", "邻县青石镇")
    assert [s.value for s in app.success] == ["已新增用户 lxqingshi"]
    added = {u.username: u for u in list_users(engine)}
    assert (added["lxqingshi"].township_code, added["lxqingshi"].county_code) == ("990102101", "990102")
    assert "nobody" not in added


def test_an_admin_of_no_county_can_open_a_prefecture_users_role_and_a_countys_manager_is_offered_county_roles_only(
        on_writable_sample, monkeypatch):
    import access.sessions
    from access.users import add_user, list_users
    from tests.signed_in import TEST_PASSWORD
    from warehouse.engine import get_engine

    engine = get_engine(on_writable_sample)
    add_user(engine, username="aaa_shi", role="市级", password=TEST_PASSWORD, actor="测试")
    add_user(engine, username="aab_qingshi", role="乡镇", township_code="990101101", password=TEST_PASSWORD,
             actor="测试")
    county_app = open_app("users", role="管理员")  # a county's manager: no 市级 user listed, 4 roles offered
    chosen = county_app.selectbox(key="users_chosen")
    assert "aaa_shi" not in chosen.options
    assert county_app.selectbox(key=f"users_new_role_{chosen.value}").options == ["县领导", "纪委", "乡镇", "管理员"]

    county_of = access.sessions.county_of
    monkeypatch.setattr(access.sessions, "county_of", lambda user: None if user.role == "管理员" else county_of(user))
    app = open_app("users", role="管理员")
    assert not app.exception  # it raised on a 市级 user's role, absent from the county roles
    app.selectbox(key="users_chosen").select("aab_qingshi").run()  # another user: its own role and township shown
    assert app.selectbox(key="users_new_role_aab_qingshi").value == "乡镇"
    assert app.selectbox(key="users_new_township_aab_qingshi").value == "990101101"
    app.selectbox(key="users_chosen").select("aaa_shi").run()  # and back: the 市级 user's, not the last one's
    role = app.selectbox(key="users_new_role_aaa_shi")
    assert (role.options, role.value) == (["县领导", "纪委", "乡镇", "管理员", "市级"], "市级")
    assert app.selectbox(key="users_new_township_aaa_shi").value is None
    role.select("纪委").run()
    app.button(key="users_change_role").click().run()
    assert [s.value for s in app.success] == ["已调整 aaa_shi 的角色"]
    changed = {u.username: u for u in list_users(engine)}["aaa_shi"]
    assert (changed.role, changed.county_code) == ("纪委", "990101")
