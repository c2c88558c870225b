"""One sign-in attempt: throttled per username and per client, audited, the same answer for an unknown name.

After ``MAX_FAILURES`` failed attempts within ``WINDOW`` for a username or from a client, every
attempt for it is refused (the right password too) until the failures age out of the window:
five minutes locked. The counters are rows of ``sign_in_attempts`` in the warehouse, so they hold
across processes and restarts. An unknown username, a wrong password and a disabled account all
read ``FAILED``, and an unknown username costs an Argon2 check like a known one.
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


def sign_in(engine: Engine, username: str, password: str, client: str) -> SignInResult:
    """Check the password of ``username`` from ``client``; on success start a session."""
    name = (username or "").strip().lower()[:64]
    client = (client or "未知")[:64]
    now = datetime.now()
    with engine.connect() as conn:
        locked = _failures(conn, name, client, now) >= MAX_FAILURES
        row = conn.execute(
            select(users.c.password_hash, users.c.is_active, users.c.role, users.c.township_code,
                   townships.c.township_code.label("known_township"))
            .select_from(users.outerjoin(townships, townships.c.township_code == users.c.township_code))
            .where(users.c.username == name)).first()
    matches = verify(row.password_hash if row else None, password or "")  # always one Argon2 check
    allowed = (row is not None and matches and bool(row.is_active)
               and (row.role != "乡镇" or row.known_township is not None))
    succeeded = allowed and not locked
    with engine.begin() as conn:
        conn.execute(insert(sign_in_attempts).values(attempted_at=now, username=name, client=client,
                                                     succeeded=succeeded))
        action = "sign_in" if succeeded else ("sign_in_locked" if locked else "sign_in_failed")
        write_event(conn, name or "（空）", action, {"client": client})
        if succeeded and needs_rehash(row.password_hash):
            conn.execute(update(users).where(users.c.username == name)
                         .values(password_hash=hash_password(password)))
    if not succeeded:
        return SignInResult(None, LOCKED if locked else FAILED)
    return SignInResult(start_session(engine, name, client), "")
