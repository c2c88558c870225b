"""Indexes for what a prefecture's pages list and break down: the open 红 and 挂牌督办 clues, the overdue
items, the items by 问题来源.

At 100 counties each was a scan of every clue (1M) or item (400,000): 0.5 s for the open priority
clues, 0.3 s for the overdue list, 0.5 s for the breakdown by source, on a 市级 user's 总览 and 整改推进.
With these, the clues are four index ranges (management level or 挂牌督办 × 在办 or closed after
the day), the overdue list walks deadlines in order judging each item from the index, and the
breakdown reads an index instead of the table. ix_rect_deadline_open starts with the deadline, so it
replaces ix_rect_deadline.

Revision ID: 0010_list_indexes
Revises: 0009_rect_status_summaries
Create Date: 2026-12-02
"""

from alembic import op

revision = "0010_list_indexes"
down_revision = "0009_rect_status_summaries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_clues_level_open", "clues", ["management_level", "handling_status", "closed_date"])
    op.create_index("ix_clues_supervised_open", "clues", ["is_supervised", "handling_status", "closed_date"])
    op.create_index("ix_rect_deadline_open", "rectification_items",
                    ["deadline_date", "rectification_status", "completed_date", "feedback_date"])
    op.drop_index("ix_rect_deadline", table_name="rectification_items")
    op.create_index("ix_rect_source", "rectification_items",
                    ["issue_source", "feedback_date", "rectification_status", "completed_date"])


def downgrade() -> None:
    op.drop_index("ix_rect_source", table_name="rectification_items")
    op.create_index("ix_rect_deadline", "rectification_items", ["deadline_date"])
    op.drop_index("ix_rect_deadline_open", table_name="rectification_items")
    op.drop_index("ix_clues_supervised_open", table_name="clues")
    op.drop_index("ix_clues_level_open", table_name="clues")
