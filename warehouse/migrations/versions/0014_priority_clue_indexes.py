"""Indexes of the 红 and 挂牌督办 clues by township, for a county's open priority clues.

总览's 红色及挂牌督办线索（在办）: ``ix_clues_level_open`` and ``ix_clues_supervised_open`` find the open priority
clues of every county as four index ranges (a prefecture's list), and a county's list read those of all 100 and
kept its own: 25 ms for the running quarter, and for a quarter two years back, when most of the red clues were
closed only later, 182 ms (the ``closed_date > day`` range holds nearly every red clue of the prefecture). With
the township code after the level (and after the flag) each branch is a range of the county's own red clues,
about a thousand at 100 counties: 4 ms for any period. (A township's list reads its own clues up to the day,
``ix_clues_township_received``, as before.)

Revision ID: 0014_priority_clue_indexes
Revises: 0013_county_summaries
Create Date: 2026-12-04
"""

from alembic import op

revision = "0014_priority_clue_indexes"
down_revision = "0013_county_summaries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_clues_level_township", "clues",
                    ["management_level", "township_code", "handling_status", "closed_date"])
    op.create_index("ix_clues_supervised_township", "clues",
                    ["is_supervised", "township_code", "handling_status", "closed_date"])


def downgrade() -> None:
    op.drop_index("ix_clues_supervised_township", table_name="clues")
    op.drop_index("ix_clues_level_township", table_name="clues")
