"""The first clues and items of a list chosen from their indexes; no index of the items in deadline order.

- ``ix_clues_level_open`` and ``ix_clues_supervised_open`` hold what 总览's 红色及挂牌督办线索（在办） is ordered by
  (挂牌督办 first, then the oldest: the flag, the received date, the clue id) after the range they were made for.
  A prefecture's list (10,600 open priority clues at 100 counties, the first 1,000 shown) read every one of those
  clues' rows to sort them: 41-45 ms on SQLite. ``metrics.clues`` now chooses the first clues from the indexes
  alone and reads the rows of those it lists.
- ``ix_rect_deadline_open`` is dropped. PostgreSQL estimated ten times the open items due by the horizon (the
  items not yet completed are mostly the recent ones, due later) and walked this index in deadline order for the
  overdue list's LIMIT, reading 217,000 items to list 1,000: a prefecture's 整改推进 spent 160 ms there. Without
  it the open items are the ranges of ``ix_rect_status_completed`` (migration 0013), sorted: the list in 37 ms.
  A county's or a township's list reads its own townships' range (``ix_rect_township_feedback``) on both
  databases, as before.
- ``ix_rect_status_completed`` holds the item id after the deadline: on SQLite the overdue list's first items are
  chosen from its ranges alone and only those listed are read (a prefecture's list 30 → 20 ms).

Revision ID: 0016_list_covering_indexes
Revises: 0015_ranking_summary
Create Date: 2026-12-07
"""

from alembic import op

revision = "0016_list_covering_indexes"
down_revision = "0015_ranking_summary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_clues_level_open", table_name="clues")
    op.create_index("ix_clues_level_open", "clues", ["management_level", "handling_status", "closed_date",
                                                     "is_supervised", "received_date", "clue_id"])
    op.drop_index("ix_clues_supervised_open", table_name="clues")
    op.create_index("ix_clues_supervised_open", "clues", ["is_supervised", "handling_status", "closed_date",
                                                          "management_level", "received_date", "clue_id"])
    op.drop_index("ix_rect_deadline_open", table_name="rectification_items")
    op.drop_index("ix_rect_status_completed", table_name="rectification_items")
    op.create_index("ix_rect_status_completed", "rectification_items",
                    ["rectification_status", "completed_date", "deadline_date", "feedback_date", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_rect_status_completed", table_name="rectification_items")
    op.create_index("ix_rect_status_completed", "rectification_items",
                    ["rectification_status", "completed_date", "deadline_date", "feedback_date"])
    op.create_index("ix_rect_deadline_open", "rectification_items",
                    ["deadline_date", "rectification_status", "completed_date", "feedback_date"])
    op.drop_index("ix_clues_supervised_open", table_name="clues")
    op.create_index("ix_clues_supervised_open", "clues", ["is_supervised", "handling_status", "closed_date"])
    op.drop_index("ix_clues_level_open", table_name="clues")
    op.create_index("ix_clues_level_open", "clues", ["management_level", "handling_status", "closed_date"])
