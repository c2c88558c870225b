"""Counties in scope, for the audit log: a row records the county it belongs to.

The rows already written get theirs by the rule the writers follow from now on (``warehouse.audit``):
the county the action was about where the detail names it (a user change's user, a load's or undo's
batch, a 零报告's township, a header mapping's county), else the actor's county; a county user of an
older row without one, and an actor who is no user, are the configured county's; a 市级 user's rows
and changes of a 市级 user belong to none (every county). Older exports name their user by display
name, which matches no user: they fall to the configured county.

Revision ID: 0005_county_of_audit_events
Revises: 0004_county_of_loads
Create Date: 2026-12-03
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0005_county_of_audit_events"
down_revision = "0004_county_of_loads"
branch_labels = None
depends_on = None

_CHUNK = 5000


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as events:
        events.add_column(sa.Column("county_code", sa.String(length=6), nullable=True,
                                    comment="the county the row belongs to (warehouse.audit); none: every county's"))
        events.create_index("ix_audit_events_county", ["county_code", "event_id"])
    _stamp_existing_rows(op.get_bind())


def _stamp_existing_rows(conn) -> None:
    from config import settings

    configured = str(settings.get("county_code"))
    users = sa.table("users", sa.column("username"), sa.column("role"), sa.column("township_code"),
                     sa.column("county_code"))
    batches = sa.table("load_batches", sa.column("batch_id"), sa.column("county_code"))
    events = sa.table("audit_events", sa.column("event_id"), sa.column("user_name"), sa.column("action"),
                      sa.column("detail"), sa.column("county_code"))
    county_of_user = {}
    for name, role, township, county in conn.execute(sa.select(users.c.username, users.c.role,
                                                               users.c.township_code, users.c.county_code)):
        county_of_user[name] = None if role == "市级" else (township[:6] if township else county or configured)
    county_of_batch = dict(conn.execute(sa.select(batches.c.batch_id, batches.c.county_code)).all())

    def county_of(user_name, action, detail_text):
        try:
            detail = json.loads(detail_text or "{}")
        except ValueError:
            detail = {}
        detail = detail if isinstance(detail, dict) else {}
        if action == "user_change" and detail.get("username") in county_of_user:
            return county_of_user[detail["username"]]
        if action in ("load", "undo") and county_of_batch.get(detail.get("批次")):
            return county_of_batch[detail["批次"]]
        if action == "zero_report" and str(detail.get("乡镇代码") or "")[:6].isdigit():
            return str(detail["乡镇代码"])[:6]
        if action == "header_mapping" and detail.get("县"):
            return str(detail["县"])
        return county_of_user.get(user_name, configured)

    last = 0
    while True:
        rows = conn.execute(sa.select(events.c.event_id, events.c.user_name, events.c.action, events.c.detail)
                            .where(events.c.event_id > last).order_by(events.c.event_id).limit(_CHUNK)).all()
        if not rows:
            return
        stamped = [{"id": r.event_id, "county": county_of(r.user_name, r.action, r.detail)} for r in rows]
        stamped = [s for s in stamped if s["county"] is not None]
        if stamped:
            conn.execute(sa.update(events).where(events.c.event_id == sa.bindparam("id"))
                         .values(county_code=sa.bindparam("county")), stamped)
        last = rows[-1].event_id


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as events:
        events.drop_index("ix_audit_events_county")
        events.drop_column("county_code")
