"""审计日志 — who signed in, exported, generated a bulletin, loaded data or changed a user, and when
(管理员 only; a county's 管理员 reads its county's rows only: ``reports.archive.audit_log``).
Filters by user, action and date; the table exports like every other (and that
export is audited too). The log is append-only: no code path updates or deletes a row."""

from datetime import date, timedelta

import streamlit as st

from reports.archive import AUDIT_ACTIONS, audit_log, audit_users
from ui.components import show_table
from ui.frame import current_frame, require_page_role

frame = current_frame()
require_page_role(frame, "audit")
st.title("审计日志")
st.caption("登录、退出、导出、季通报、数据导入与用户变更，逐条记录，只增不改；不记录密码与反映人信息。")

left, middle, right = st.columns([2, 2, 3])
user = left.selectbox("用户", [None, *audit_users(frame.engine, frame.scope)], format_func=lambda u: "全部用户" if u is None else u,
                      key="audit_user")
action = middle.selectbox("操作", [None, *AUDIT_ACTIONS], format_func=lambda a: "全部操作" if a is None else AUDIT_ACTIONS[a],
                          key="audit_action")
today = date.today()
days = right.date_input("日期", value=(today - timedelta(days=30), today), key="audit_days")
first_day, last_day = (days if isinstance(days, tuple) and len(days) == 2 else (None, None))

events = audit_log(frame.engine, frame.scope, user_name=user, action=action, first_day=first_day, last_day=last_day)
st.caption(f"共 {len(events)} 条（最多显示最近 2000 条）。")
show_table(frame, events.drop(columns="action"), "审计日志", "audit_events", height=520, empty_text="没有符合条件的记录。")
