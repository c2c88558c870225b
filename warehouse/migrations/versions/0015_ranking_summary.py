"""The quarterly ranking's components per township and complete quarter, and the fill of every summary.

``summary_ranking``: for every township and every quarter that ends by the data's last day, the measures of the
ranking's four rates and its tie-break (``metrics.summaries.RANKED``: 整改完成率, 按期完成率, 满意率, 主动发现率 and
the overdue items), as ``metrics.kpis.metric_table`` reads them from the other summaries. 总览's 建议约谈 and
季度排名 read a row per township and quarter instead of the as-of seeks, the monthly sums and the surveys of
1,200 townships (a 市级 user's 建议约谈 at 100 counties: the two quarters' components 64 ms of its 97).

This revision fills every summary from the facts with ``metrics.summaries.rebuild_summaries``, the code every
load runs (it is now the last revision that changes them, so the fill moved here from 0013).

Revision ID: 0015_ranking_summary
Revises: 0014_priority_clue_indexes
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_ranking_summary"
down_revision = "0014_priority_clue_indexes"
branch_labels = None
depends_on = None

MEASURES = ("completed_items", "rectification_items", "on_time_items", "due_items", "satisfied_total",
            "valid_samples", "proactive_count", "case_count", "overdue_items")  # schema.RANKING_MEASURES today


def upgrade() -> None:
    op.create_table(
        "summary_ranking",
        sa.Column("period_code", sa.String(length=6), primary_key=True),
        sa.Column("township_code", sa.String(length=9), primary_key=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES],
        sqlite_with_rowid=False,
    )
    from metrics.summaries import rebuild_summaries  # derived data: filled by the code the loads run

    rebuild_summaries(op.get_bind())


def downgrade() -> None:
    op.drop_table("summary_ranking")
