"""用户管理 — the users who may sign in (管理员 only): list, add, disable, re-enable, reset a password,
change role or township. Every change is audited by ``access.users`` with the 管理员's name; the
same can be done with ``python -m access``.

The new user's 县（市、区）: a county's 管理员 adds users of its own county only (shown, not editable);
an admin of no county picks one of the warehouse's counties, above the form so that the 乡镇 choice
lists that county's townships only (a 乡镇 user's county is its township's). ``access.users`` checks
all of it again: the form is never trusted."""

import pandas as pd
import streamlit as st

from access import users
from access.passwords import PasswordError
from metrics import places
from metrics.scope import COUNTY_ROLES, ROLES
from ui.components import show_table
from ui.frame import current_frame, require_page_role

frame = current_frame()
require_page_role(frame, "users")
st.title("用户管理")
st.caption("新增、停用、重新启用用户，重置密码，调整角色或所属乡镇；每项变更均记入审计日志。停用、重置密码或调整角色即时结束该用户的全部会话。")

townships = frame.query(places.township_options)
township_names = dict(zip(townships["township_code"], townships["township_name"]))
counties = frame.query(places.county_options)
county_names = dict(zip(counties["county_code"], counties["county_name"]))
county = frame.scope.county_code  # a county's 管理员 manages that county's users, never a 市级 one
everyone = users.list_users(frame.engine, within_county=county)
table = pd.DataFrame([{"username": u.username, "display_name": u.display_name, "role": u.role,
                       "county_name": county_names.get(u.county_code or "", u.county_code or "—"),
                       "township_name": township_names.get(u.township_code, u.township_code or "—"),
                       "is_active": u.is_active} for u in everyone],
                     columns=["username", "display_name", "role", "county_name", "township_name", "is_active"])
show_table(frame, table, "用户列表", "users_table", bool_columns=("is_active",), empty_text="尚无用户。")


def _report(action, success: str) -> None:
    """Run one change; show its result (or its Chinese error) on this rerun."""
    try:
        action()
    except (users.UserError, PasswordError) as error:
        st.session_state["users_message"] = ("error", str(error))
    else:
        st.session_state["users_message"] = ("success", success)


def _add(username: str, display_name: str, role: str, township: str | None, new_county: str | None,
         password: str) -> None:
    if new_county is None:  # else the configured county would be taken unasked
        raise users.UserError("请先选择新用户所属的县（市、区）")
    users.add_user(frame.engine, username=username, role=role, password=password, actor=frame.username,
                   township_code=township, county_code=new_county, within_county=county,
                   display_name=display_name or None)


message = st.session_state.pop("users_message", None)
if message:
    (st.error if message[0] == "error" else st.success)(message[1])

st.subheader("新增用户")
if county is None:  # an admin of no county: the county first, so the 乡镇 choice below is of that county
    new_county = st.selectbox("县（市、区）", list(county_names), key="users_add_county",
                              format_func=county_names.get, index=None, placeholder="请选择县（市、区）")
else:
    new_county = county
county_townships = [c for c in township_names if new_county and c.startswith(new_county)]
with st.form("users_add", clear_on_submit=True):
    first, second = st.columns(2)
    username = first.text_input("用户名", key="users_add_username")
    display_name = second.text_input("显示名称", key="users_add_display_name")
    role = first.selectbox("角色", COUNTY_ROLES, key="users_add_role")
    if county is not None:  # shown, not editable: the page adds users of this county only
        second.text_input("县（市、区）", value=county_names.get(county, county), disabled=True,
                          key="users_add_county_shown")
    township = second.selectbox("所属乡镇（仅乡镇用户）", [None, *county_townships], key="users_add_township",
                                format_func=lambda c: "—" if c is None else township_names[c])
    password = first.text_input("初始密码", type="password", key="users_add_password")
    if st.form_submit_button("新增"):
        _report(lambda: _add(username, display_name, role, township, new_county, password),
                f"已新增用户 {username.strip().lower()}")
        st.rerun()

if everyone:
    st.subheader("修改用户")
    names = [u.username for u in everyone]
    chosen = st.selectbox("选择用户", names, key="users_chosen",
                          format_func=lambda n: next(f"{u.username}（{u.display_name}，{u.role}）" for u in everyone
                                                     if u.username == n))
    current = next(u for u in everyone if u.username == chosen)
    left, right = st.columns(2)
    with left:
        if current.is_active:
            if st.button("停用该用户", key="users_disable", disabled=current.username == frame.username):
                _report(lambda: users.set_active(frame.engine, chosen, False, actor=frame.username,
                                                         within_county=county), f"已停用 {chosen}")
                st.rerun()
        elif st.button("重新启用", key="users_enable"):
            _report(lambda: users.set_active(frame.engine, chosen, True, actor=frame.username,
                                                         within_county=county), f"已启用 {chosen}")
            st.rerun()
        new_password = st.text_input("新密码", type="password", key="users_new_password")
        if st.button("重置密码", key="users_reset"):
            _report(lambda: users.reset_password(frame.engine, chosen, new_password, actor=frame.username,
                                                             within_county=county),
                    f"已重置 {chosen} 的密码")
            st.rerun()
    with right:
        # a county's 管理员 never lists a 市级 user; an admin of no county does, and may make one
        role_choices = COUNTY_ROLES if county is not None else ROLES
        # keyed by the chosen user: a key of its own kept the last user's role and township on screen
        new_role = st.selectbox("新角色", role_choices, index=role_choices.index(current.role),
                                key=f"users_new_role_{chosen}")
        township_choices = [None, *township_names]
        new_township = st.selectbox("新所属乡镇（仅乡镇用户）", township_choices,
                                    index=township_choices.index(current.township_code)
                                    if current.township_code in township_choices else 0,
                                    key=f"users_new_township_{chosen}",
                                    format_func=lambda c: "—" if c is None else township_names[c])
        if st.button("调整角色", key="users_change_role"):
            _report(lambda: users.change_role(frame.engine, chosen, new_role, actor=frame.username,
                                              township_code=new_township, within_county=county),
                    f"已调整 {chosen} 的角色")
            st.rerun()
