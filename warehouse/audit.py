"""The audit log (table ``audit_events``): one append-only row per audited action, written here only.

Every writer (sign-in, sign-out and user changes in ``access``, loads in ``data_pipeline`` and
``geo``, exports and bulletins in ``reports``) calls ``write_event`` inside its own transaction,
so an action and its audit row commit together, or ``record_event`` for an action of its own.
No code updates or deletes a row. A detail never holds a password or a whistleblower's identity.

**Whose row it is.** A row is stamped, when written, with the county it belongs to
(``audit_events.county_code``), so a county's 管理员 reads its county's rows only
(``reports.archive.audit_log``): the county the action was about when the writer knows one
(a load's or an undone batch's county, a 零报告's township's county, a header mapping's county,
the county of the user added or changed, the county whose data was exported), else the actor's
county (``county_of_user``: a sign-in, a sign-out, a CLI load by a user). None means every county:
an action about a 市级 user, or by a 市级 user with no county chosen; only an admin of no county
(a prefecture-wide one) reads those.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Final

from sqlalchemy import Connection, Engine, insert, select

from config import settings
from warehouse.schema import audit_events, users


class _ActorsCounty:
    """The default of ``write_event``'s county: the actor's (``county_of_user``)."""

    def __repr__(self) -> str:
        return "ACTORS_COUNTY"


ACTORS_COUNTY: Final = _ActorsCounty()


def county_of(user) -> str | None:
    """The county a user (a row with role, township_code and county_code) belongs to: its own; a 乡镇
    user's township's; none for 市级 (every county); and, for a county user whose row predates counties
    in scope, the configured county (never every county). The session's scope and the audit log's
    stamp both read it."""
    if user.role == "市级":
        return None
    if user.township_code:
        return user.township_code[:6]
    return user.county_code or str(settings.get("county_code"))


def county_of_user(conn: Connection, user_name: str) -> str | None:
    """Return the county of ``user_name`` (a row by them belongs to it when it names none of its own):
    ``county_of`` its user row, and the configured county for an actor who is no user (the command
    line's operator, a name tried at sign-in)."""
    row = conn.execute(select(users.c.role, users.c.township_code, users.c.county_code)
                       .where(users.c.username == user_name)).first()
    return county_of(row) if row is not None else str(settings.get("county_code"))


def write_event(conn: Connection, user_name: str, action: str, detail: dict,
                county_code: str | None | _ActorsCounty = ACTORS_COUNTY) -> None:
    """Write one audit row inside the caller's transaction: who, when, what (detail as JSON, Chinese kept)
    and the county it belongs to (``county_code``; by default the actor's; None: every county)."""
    user_name = user_name or "未知用户"
    if county_code is ACTORS_COUNTY:
        county_code = county_of_user(conn, user_name)
    conn.execute(
        insert(audit_events).values(
            event_time=datetime.now(),
            user_name=user_name,
            action=action,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
            county_code=county_code,
        )
    )


def record_event(engine: Engine, user_name: str, action: str, detail: dict,
                 county_code: str | None | _ActorsCounty = ACTORS_COUNTY) -> None:
    """Write one audit row in a transaction of its own."""
    with engine.begin() as conn:
        write_event(conn, user_name, action, detail, county_code)
