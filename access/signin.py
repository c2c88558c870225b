"""One sign-in attempt: throttled per username and per client, audited, the same answer for an unknown name.

After ``MAX_FAILURES`` failed attempts within ``WINDOW`` for a username or from a client, every
attempt for it is refused (the right password too) until the failures age out of the window:
five minutes locked. The counters are rows of ``sign_in_attempts`` in the warehouse, so they hold
across processes and restarts. An unknown username, a wrong password and a disabled account all
read ``FAILED``, and an unknown username costs an Argon2 check like a known one.

``sign_in_sso`` is the other way in: the identity provider has already checked who it is, so
there is no password and no throttle; the warehouse alone decides whether that name may come in
and with which role and township (the provider's claims never widen them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, insert, or_, select, update

from access.passwords import hash_password, needs_rehash, verify
from access.sessions import start_session
from warehouse.audit import write_event
from warehouse.schema import sign_in_attempts, townships, users

MAX_FAILURES = 5
WINDOW = timedelta(minutes=5)
FAILED = "用户名或密码错误，或账号已停用。"
LOCKED = "登录失败次数过多，请 5 分钟后再试。"
SSO_NO_NAME = "统一身份认证未提供用户名，无法登录，请联系管理员。"
SSO_REFUSED = "统一身份认证用户“{name}”未开通本看板账号或账号已停用，请联系管理员。"


@dataclass(frozen=True)
class SignInResult:
    token: str | None  # the session's token for the cookie, None when refused
    message: str  # "" on success, else the one Chinese line the form shows


def _failures(conn, username: str, client: str, now: datetime) -> int:
    a = sign_in_attempts.c
    return int(conn.execute(
        select(func.count()).where(a.succeeded.is_(False), a.attempted_at > now - WINDOW,
                                   or_(a.username == username, a.client == client))
    ).scalar() or 0)


def _user_row(conn, name: str):
    """The user's password hash, state, role and known township (None for a township not in the warehouse)."""
    return conn.execute(
        select(users.c.password_hash, users.c.is_active, users.c.role, users.c.township_code,
               townships.c.township_code.label("known_township"))
        .select_from(users.outerjoin(townships, townships.c.township_code == users.c.township_code))
        .where(users.c.username == name)).first()


def _may_sign_in(row) -> bool:
    """An existing, active user; a 乡镇 user only with a township of the warehouse (fail closed)."""
    return (row is not None and bool(row.is_active)
            and (row.role != "乡镇" or row.known_township is not None))


def sign_in(engine: Engine, username: str, password: str, client: str) -> SignInResult:
    """Check the password of ``username`` from ``client``; on success start a session."""
    name = (username or "").strip().lower()[:64]
    client = (client or "未知")[:64]
    now = datetime.now()
    with engine.connect() as conn:
        locked = _failures(conn, name, client, now) >= MAX_FAILURES
        row = _user_row(conn, name)
    matches = verify(row.password_hash if row else None, password or "")  # always one Argon2 check
    allowed = matches and _may_sign_in(row)
    succeeded = allowed and not locked
    with engine.begin() as conn:
        conn.execute(insert(sign_in_attempts).values(attempted_at=now, username=name, client=client,
                                                     succeeded=succeeded))
        action = "sign_in" if succeeded else ("sign_in_locked" if locked else "sign_in_failed")
        write_event(conn, name or "（空）", action, {"client": client, "method": "password"})
        if succeeded and needs_rehash(row.password_hash):
            conn.execute(update(users).where(users.c.username == name)
                         .values(password_hash=hash_password(password)))
    if not succeeded:
        return SignInResult(None, LOCKED if locked else FAILED)
    return SignInResult(start_session(engine, name, client), "")


def sign_in_sso(engine: Engine, username: object, client: str) -> SignInResult:
    """Start a session for ``username``, whom the identity provider has signed in, when the warehouse has
    them as an active user; audited (``method: sso``) either way. Role and township are the warehouse's."""
    name = username.strip().lower()[:64] if isinstance(username, str) else ""
    client = (client or "未知")[:64]
    row = None
    if name:
        with engine.connect() as conn:
            row = _user_row(conn, name)
    allowed = _may_sign_in(row)
    with engine.begin() as conn:
        write_event(conn, name or "（空）", "sign_in" if allowed else "sign_in_failed",
                    {"client": client, "method": "sso"})
    if not name:
        return SignInResult(None, SSO_NO_NAME)
    if not allowed:
        return SignInResult(None, SSO_REFUSED.format(name=name))
    return SignInResult(start_session(engine, name, client), "")
