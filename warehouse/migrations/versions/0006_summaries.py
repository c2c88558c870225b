"""Summaries for the pages: each dated measure per township and period, and the rectification
as-of figures per township and day of change (``metrics/summaries.py``).

They are derived from the facts: this revision creates them; the last revision that changes their
columns fills them from the warehouse's rows (0011_arrival_summaries, with
``metrics.summaries.rebuild_summaries``, the code every load runs: that code writes this release's
columns, so it cannot run before they exist). ``python -m warehouse rebuild-summaries`` fills them
again at any time.

Revision ID: 0006_summaries
Revises: 0005_county_of_audit_events
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_summaries"
down_revision = "0005_county_of_audit_events"
branch_labels = None
depends_on = None

AS_OF_MEASURES = ("rectification_items", "completed_items", "due_items", "on_time_items", "overdue_items",
                  "recurring_items")


def upgrade() -> None:
    op.create_table(
        "summary_periods",
        sa.Column("measure", sa.String(length=40), primary_key=True),
        sa.Column("period_code", sa.String(length=7), primary_key=True),
        sa.Column("township_code", sa.String(length=9), primary_key=True),
        sa.Column("value", sa.Numeric(16, 2), nullable=False),
    )
    op.create_table(
        "summary_rectification",
        sa.Column("township_code", sa.String(length=9), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in AS_OF_MEASURES],
    )


def downgrade() -> None:
    op.drop_table("summary_rectification")
    op.drop_table("summary_periods")
