"""Counties in scope, for the load history: a load records the county it was for.

A load of an earlier release, or of a one-county warehouse without ``--county``, has none; the
load history shows those to the county's users (a one-county warehouse's loads are all its own).

Revision ID: 0004_county_of_loads
Revises: 0003_county_of_users
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_county_of_loads"
down_revision = "0003_county_of_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("load_batches") as batches:
        batches.add_column(sa.Column("county_code", sa.String(length=6), nullable=True,
                                     comment="the county the load was for (--county, the desk's user); "
                                             "none: one county's"))


def downgrade() -> None:
    with op.batch_alter_table("load_batches") as batches:
        batches.drop_column("county_code")
