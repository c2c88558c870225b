"""Indexes on the rectification items' 反馈日期 and 完成日期.

Every page asks for the data's last day and the years that have data (``metrics.freshness``): the
earliest and latest 反馈日期 and the latest 完成日期. Without an index of its own each was a scan of
every item (400,000 at a province's scale, the largest part of a cold page after the summaries);
with one, a seek.

Revision ID: 0008_rectification_date_indexes
Revises: 0007_county_of_bulletins
Create Date: 2026-12-02
"""

from alembic import op

revision = "0008_rectification_date_indexes"
down_revision = "0007_county_of_bulletins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_rect_feedback", "rectification_items", ["feedback_date"])
    op.create_index("ix_rect_completed", "rectification_items", ["completed_date"])


def downgrade() -> None:
    op.drop_index("ix_rect_completed", table_name="rectification_items")
    op.drop_index("ix_rect_feedback", table_name="rectification_items")
