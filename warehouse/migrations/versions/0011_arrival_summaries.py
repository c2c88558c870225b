"""报送情况's arrivals in the summaries: the first load of each township's rows of each ledger per month
(the survey: per quarter), ``summary_arrivals`` (``metrics.reporting.rebuild_arrivals``).

A 市级 user's 总览 read them from the facts: a scan of every ledger's rows of the period and of their
replaced copies, grouped by township and month (0.12 s at 100 counties, cold). This revision creates
the table; 0012, the last revision that changes the summaries, fills them all (its fill code writes
a table this revision does not have yet).

Revision ID: 0011_arrival_summaries
Revises: 0010_list_indexes
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_arrival_summaries"
down_revision = "0010_list_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "summary_arrivals",
        sa.Column("period_code", sa.String(length=7), primary_key=True),
        sa.Column("township_code", sa.String(length=9), primary_key=True),
        sa.Column("ledger_kind", sa.String(length=32), primary_key=True),
        sa.Column("first_loaded_at", sa.DateTime(), nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("summary_arrivals")
