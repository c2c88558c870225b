"""Counties in scope: a user belongs to one county (or, 市级, to the prefecture: every county).

A 乡镇 user's county is its township's; the other users of a one-county warehouse keep none, and
``access.sessions`` reads that as the configured ``county_code``.

Revision ID: 0003_county_of_users
Revises: 0002_data_desk
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_county_of_users"
down_revision = "0002_data_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("county_code", sa.String(length=6), nullable=True,
                                   comment="their county (乡镇: their township's); 市级 users: none, every county"))
    op.execute("UPDATE users SET county_code = substr(township_code, 1, 6) WHERE township_code IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.drop_column("county_code")
