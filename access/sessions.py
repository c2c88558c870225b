"""Server-side sessions behind the HttpOnly cookie: start one at sign-in, check it on every rerun, end it.

The cookie holds a random token; the table holds only its SHA-256, so a copy of the warehouse
signs nobody in. A session ends at sign-out, when its user is disabled or changed, after
``session_idle_minutes`` without a rerun, or ``session_max_hours`` after it started. A 乡镇 user
whose township is missing or unknown has no session (fail closed, never the county view).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from config import settings
from metrics.scope import Scope
from warehouse.audit import county_of, write_event
from warehouse.schema import townships, user_sessions, users

COOKIE_NAME = "dashboard_session"
_TOUCH_EVERY = timedelta(seconds=30)  # last_seen is written at most this often (every rerun would be a write)


@dataclass(frozen=True)
class SignedIn:
    """Who a valid session belongs to."""

    username: str
    display_name: str
    role: str
    township_code: str | None
    county_code: str | None = None  # None: every county (市级)

    def scope(self) -> Scope:
        return Scope(user_name=self.display_name, role=self.role, township_code=self.township_code,
                     county_code=self.county_code)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(engine: Engine, username: str, client: str | None = None) -> str:
    """Start a session of ``username``; return the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now()
    with engine.begin() as conn:
        conn.execute(insert(user_sessions).values(token_sha256=token_hash(token), username=username,
                                                  started_at=now, last_seen_at=now, client=(client or "")[:64]))
    return token


def check_session(engine: Engine, token: str | None, *, now: datetime | None = None) -> SignedIn | None:
    """Return who the token signs in, or None (and the session ended) when it is unknown, ended, idle too
    long, too old, of a disabled user, or of a 乡镇 user without a known township."""
    if not token:
        return None
    now = now or datetime.now()
    idle = timedelta(minutes=float(settings.get("session_idle_minutes")))
    lifetime = timedelta(hours=float(settings.get("session_max_hours")))
    s, u, t = user_sessions.c, users.c, townships.c
    digest = token_hash(token)
    with engine.begin() as conn:
        row = conn.execute(
            select(s.started_at, s.last_seen_at, u.username, u.display_name, u.role, u.township_code, u.is_active,
                   u.county_code, t.township_code.label("known_township"))
            .select_from(user_sessions.join(users, u.username == s.username)
                         .outerjoin(townships, t.township_code == u.township_code))
            .where(s.token_sha256 == digest, s.ended_at.is_(None))
        ).first()
        if row is None:
            return None
        valid = (bool(row.is_active) and now - row.last_seen_at <= idle and now - row.started_at <= lifetime
                 and (row.role != "乡镇" or row.known_township is not None))
        if not valid:
            conn.execute(update(user_sessions).where(s.token_sha256 == digest).values(ended_at=now))
            return None
        if now - row.last_seen_at >= _TOUCH_EVERY:
            conn.execute(update(user_sessions).where(s.token_sha256 == digest).values(last_seen_at=now))
    return SignedIn(row.username, row.display_name, row.role, row.township_code, county_of(row))


def end_session(engine: Engine, token: str | None) -> str | None:
    """End every session of the token's user (sign-out), audited as ``sign_out`` in the same transaction;
    return the username, or None when the token had no open session."""
    if not token:
        return None
    s = user_sessions.c
    with engine.begin() as conn:
        username = conn.execute(select(s.username).where(s.token_sha256 == token_hash(token),
                                                         s.ended_at.is_(None))).scalar()
        if username is not None:
            conn.execute(update(user_sessions).where(s.username == username, s.ended_at.is_(None))
                         .values(ended_at=datetime.now()))
            write_event(conn, username, "sign_out", {})
    return username
