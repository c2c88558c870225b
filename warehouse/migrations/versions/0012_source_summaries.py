"""The rectification as-of figures per township and 问题来源, ``summary_rectification_sources``.

整改推进's 按问题来源 read them from the facts: an as-of scan of every item (0.18-0.28 s for a 市级 user's
397,800 items at 100 counties, cold), the last page breakdown that did. The table holds the same rows as
``summary_rectification`` per source as well; this revision creates it and fills every summary from the
facts with ``metrics.summaries.rebuild_summaries``, the code every load runs (it was then the last revision
that changed them, so the fill moved here from 0011; it has moved on to 0013).

Revision ID: 0012_source_summaries
Revises: 0011_arrival_summaries
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_source_summaries"
down_revision = "0011_arrival_summaries"
branch_labels = None
depends_on = None

MEASURES = ("rectification_items", "completed_items", "due_items", "on_time_items", "overdue_items",
            "recurring_items", "not_started_items", "closed_off_items")  # schema.RECTIFICATION_AS_OF_MEASURES today


def upgrade() -> None:
    op.create_table(
        "summary_rectification_sources",
        sa.Column("township_code", sa.String(length=9), primary_key=True),
        sa.Column("issue_source", sa.String(length=16), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES],
        sqlite_with_rowid=False,
    )  # filled by 0013, the last revision that changes the summaries (rebuild_summaries writes its tables too)


def downgrade() -> None:
    op.drop_table("summary_rectification_sources")
