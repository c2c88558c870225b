"""The rectification statuses as of a date in the summaries: 未启动 and 已销号 items per township and
day of change (two more as-of measures, ``metrics.measures``: not_started_items, closed_off_items).

With them the 整改状态分布 of a county or of a whole prefecture is read from the summaries (one
seek per township) instead of a scan of every item (400,000 at a province's scale). The summaries
are derived data: this revision adds the columns; the last revision that changes the summaries fills
them from the facts (0011_arrival_summaries, with ``metrics.summaries.rebuild_summaries``, the code every
load runs: it writes this release's tables, so it cannot run before they all exist).

Revision ID: 0009_rect_status_summaries
Revises: 0008_rectification_date_indexes
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_rect_status_summaries"
down_revision = "0008_rectification_date_indexes"
branch_labels = None
depends_on = None

ADDED = ("not_started_items", "closed_off_items")


def upgrade() -> None:
    with op.batch_alter_table("summary_rectification") as table:
        for name in ADDED:
            table.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("summary_rectification") as table:
        for name in reversed(ADDED):
            table.drop_column(name)
