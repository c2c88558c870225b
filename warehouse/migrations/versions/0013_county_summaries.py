"""The rectification as-of figures per county, and an index of the items by status and completion date.

- ``summary_rectification_counties`` and ``summary_rectification_county_sources``: ``summary_rectification`` and
  ``summary_rectification_sources`` added up per county. A county's or a prefecture's tiles and 按问题来源 sought
  each township's latest row (1,200 at 100 counties, 7,200 by source, 0.04 s for a 市级 user's 按问题来源);
  now each county's (100, 600).
- ``ix_rect_status_completed``: 整改推进's 逾期整改事项 for a 市级 user walked ix_rect_deadline_open in deadline
  order judging each item from the index; at 100 counties 370,000 items are due by the horizon and 6,000 of
  them open, so it read most of them. ``metrics.measures.open_as_of`` writes "not done on the day" as three
  ranges of this index (no completion date; completed after the day; completed but 未启动/整改中): 75 → 42 ms.

This revision filled every summary from the facts with ``metrics.summaries.rebuild_summaries``, the code every
load runs, while it was the last revision that changed them (the fill moved here from 0012, and on to 0015).

Revision ID: 0013_county_summaries
Revises: 0012_source_summaries
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_county_summaries"
down_revision = "0012_source_summaries"
branch_labels = None
depends_on = None

MEASURES = ("rectification_items", "completed_items", "due_items", "on_time_items", "overdue_items",
            "recurring_items", "not_started_items", "closed_off_items")  # schema.RECTIFICATION_AS_OF_MEASURES today


def upgrade() -> None:
    op.create_table(
        "summary_rectification_counties",
        sa.Column("county_code", sa.String(length=6), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES],
        sqlite_with_rowid=False,
    )
    op.create_table(
        "summary_rectification_county_sources",
        sa.Column("county_code", sa.String(length=6), primary_key=True),
        sa.Column("issue_source", sa.String(length=16), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES],
        sqlite_with_rowid=False,
    )
    op.create_index("ix_rect_status_completed", "rectification_items",
                    ["rectification_status", "completed_date", "deadline_date", "feedback_date"])
    # filled by 0015, the last revision that changes the summaries (rebuild_summaries writes its table too)


def downgrade() -> None:
    op.drop_index("ix_rect_status_completed", table_name="rectification_items")
    op.drop_table("summary_rectification_county_sources")
    op.drop_table("summary_rectification_counties")
