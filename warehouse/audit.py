"""The audit log (table ``audit_events``): one append-only row per audited action, written here only.

Every writer (sign-in, sign-out and user changes in ``access``, loads in ``data_pipeline`` and
``geo``, exports and bulletins in ``reports``) calls ``write_event`` inside its own transaction,
so an action and its audit row commit together, or ``record_event`` for an action of its own.
No code updates or deletes a row. A detail never holds a password or a whistleblower's identity.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, Engine, insert

from warehouse.schema import audit_events


def write_event(conn: Connection, user_name: str, action: str, detail: dict) -> None:
    """Write one audit row inside the caller's transaction: who, when, what (detail as JSON, Chinese kept)."""
    conn.execute(
        insert(audit_events).values(
            event_time=datetime.now(),
            user_name=user_name or "未知用户",
            action=action,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


def record_event(engine: Engine, user_name: str, action: str, detail: dict) -> None:
    """Write one audit row in a transaction of its own."""
    with engine.begin() as conn:
        write_event(conn, user_name, action, detail)
