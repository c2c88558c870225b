"""The users who may sign in: add, list, disable, re-enable, reset a password, change role or township.

Every change is audited (action ``user_change``, never the password) in the same transaction as
the change. A 乡镇 user must name a township of the warehouse; any other role has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, or_, select, update

from access.passwords import check_strength, hash_password
from config import settings
from metrics.scope import ROLES
from warehouse.audit import county_of_user, write_event
from warehouse.schema import counties, townships, user_sessions, users

USER_CHANGE = "user_change"


class UserError(ValueError):
    """A user change that may not be made (the message is Chinese)."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    township_code: str | None
    is_active: bool
    county_code: str | None = None  # None: a 市级 user (every county), or one county's user of an older warehouse


def _normalised(username: str) -> str:
    name = (username or "").strip().lower()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise UserError("用户名不能为空、不能含空格，且不超过 64 个字符")
    return name


def _checked_place(conn: Connection, role: str, township_code: str | None) -> str | None:
    if role not in ROLES:
        raise UserError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if role != "乡镇":
        if township_code:
            raise UserError(f"{role}用户不属于某个乡镇，不能指定 --township")
        return None
    if not township_code:
        raise UserError("乡镇用户必须用 --township 指定所属乡镇的 9 位代码")
    known = conn.execute(select(townships.c.township_code).where(townships.c.township_code == township_code)).first()
    if known is None:
        raise UserError(f"乡镇代码“{township_code}”不在区划名录中")
    return township_code


def _checked_county(conn: Connection, role: str, township: str | None, county_code: str | None) -> str | None:
    """A user's county: a 乡镇 user's township's; none for 市级; else the one given, or the configured one."""
    if role == "市级":
        if county_code:
            raise UserError("市级用户可查看全部县，不能指定 --county")
        return None
    if township:
        if county_code and county_code != township[:6]:
            raise UserError(f"乡镇“{township}”不属于县“{county_code}”")
        return township[:6]
    if county_code:
        if not (county_code.isdigit() and len(county_code) == 6):
            raise UserError(f"县代码“{county_code}”应为 6 位数字")
        known = conn.execute(select(counties.c.county_code).where(counties.c.county_code == county_code)).first()
        if known is None:
            raise UserError(f"县代码“{county_code}”不在区划名录中")
        return county_code
    return str(settings.get("county_code"))


def _row_to_user(row) -> User:
    return User(row.username, row.display_name, row.role, row.township_code, bool(row.is_active), row.county_code)


def get_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(users).where(users.c.username == (username or "").strip().lower())).first()
    return _row_to_user(row) if row else None


def _checked_manager(role: str, township: str | None, county: str | None, within_county: str | None) -> None:
    """A county's 管理员 (``within_county``: the 用户管理 page) manages its county's users only, and no 市级 user."""
    if within_county is None:
        return
    if role == "市级":
        raise UserError("县里的管理员不能设置市级用户（请在服务器上用 python -m access 设置）")
    if (township or "")[:6] not in ("", within_county) or (county and county != within_county):
        raise UserError("只能管理本县的用户")


def add_user(engine: Engine, *, username: str, role: str, password: str, actor: str,
             township_code: str | None = None, display_name: str | None = None, county_code: str | None = None,
             within_county: str | None = None) -> User:
    """Add an active user (audited); UserError when the name is taken or the role/township/county is wrong.

    ``within_county``: the change is made by that county's 管理员 (the page): the user is of that county
    and never 市级. The command line, run on the server, passes none."""
    name = _normalised(username)
    check_strength(password)
    now = datetime.now()
    with engine.begin() as conn:
        township = _checked_place(conn, role, township_code)
        county_code = county_code or within_county
        _checked_manager(role, township, county_code, within_county)
        county = _checked_county(conn, role, township, county_code)
        if get_user(conn, name) is not None:
            raise UserError(f"用户名“{name}”已存在")
        conn.execute(insert(users).values(
            username=name, display_name=(display_name or name).strip(), role=role, township_code=township,
            county_code=county,
            password_hash=hash_password(password), is_active=True, created_at=now, created_by=actor,
            changed_at=now, changed_by=actor))
        write_event(conn, actor, USER_CHANGE, {"change": "add", "username": name, "role": role,
                                               "township_code": township, "county_code": county}, county)
        return get_user(conn, name)


def list_users(engine: Engine, within_county: str | None = None) -> list[User]:
    """Every user, or those of one county (and those of a one-county warehouse's older rows, which name none)."""
    statement = select(users).order_by(users.c.role, users.c.username)
    if within_county:
        statement = statement.where(or_(users.c.county_code == within_county, users.c.county_code.is_(None)),
                                    users.c.role != "市级")
    with engine.connect() as conn:
        return [_row_to_user(r) for r in conn.execute(statement)]


def _change(engine: Engine, username: str, actor: str, change: dict, values: dict, end_sessions: bool,
            within_county: str | None = None) -> User:
    name = _normalised(username)
    with engine.begin() as conn:
        target = get_user(conn, name)
        if target is None or (within_county and (target.role == "市级" or target.county_code not in (None, within_county))):
            raise UserError(f"没有用户“{name}”")
        conn.execute(update(users).where(users.c.username == name).values(
            **values, changed_at=datetime.now(), changed_by=actor))
        if end_sessions:  # every session of the user ends at its next rerun
            conn.execute(update(user_sessions).where(user_sessions.c.username == name,
                                                     user_sessions.c.ended_at.is_(None))
                         .values(ended_at=datetime.now()))
        # the row is the changed user's county's (None, every county's, for a 市级 user)
        write_event(conn, actor, USER_CHANGE, {"username": name, **change}, county_of_user(conn, name))
        return get_user(conn, name)


def set_active(engine: Engine, username: str, active: bool, *, actor: str, within_county: str | None = None) -> User:
    """Disable (ending every session) or re-enable a user; audited."""
    return _change(engine, username, actor, {"change": "enable" if active else "disable"},
                   {"is_active": active}, end_sessions=not active, within_county=within_county)


def reset_password(engine: Engine, username: str, password: str, *, actor: str,
                   within_county: str | None = None) -> User:
    """Set a new password (ending every session of the user); audited without the password."""
    check_strength(password)
    return _change(engine, username, actor, {"change": "reset_password"},
                   {"password_hash": hash_password(password)}, end_sessions=True, within_county=within_county)


def change_role(engine: Engine, username: str, role: str, *, actor: str, township_code: str | None = None,
                within_county: str | None = None) -> User:
    """Change the role (and township) of a user, ending their sessions so the new scope applies at once."""
    with engine.connect() as conn:
        township = _checked_place(conn, role, township_code)
        current = get_user(conn, username)
        county = _checked_county(conn, role, township, None if role == "市级" or township
                                 else (current.county_code if current else None) or within_county)
        _checked_manager(role, township, county, within_county)
    return _change(engine, username, actor, {"change": "role", "role": role, "township_code": township},
                   {"role": role, "township_code": township, "county_code": county}, end_sessions=True,
                   within_county=within_county)
