"""Counties in scope, for the 季通报 archive: a bulletin records the county it reports on.

A county-wide bulletin has no township, so before this revision two counties' county-wide
bulletins could not be told apart. The rows already archived get theirs: a township bulletin its
township's county (the code's first 6 digits), a county-wide one the configured county (an earlier
release archived one county's bulletins; the rule ``warehouse.audit`` follows for an actor of no
county). From now on ``reports.archive.archive_bulletin`` stamps every row; none: every county's.

Revision ID: 0007_county_of_bulletins
Revises: 0006_summaries
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_county_of_bulletins"
down_revision = "0006_summaries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bulletin_archive") as archive:
        archive.add_column(sa.Column("county_code", sa.String(length=6), nullable=True,
                                     comment="the county the bulletin reports on; none: every county's"))
    _stamp_existing_rows(op.get_bind())


def _stamp_existing_rows(conn) -> None:
    from config import settings

    configured = str(settings.get("county_code"))
    archive = sa.table("bulletin_archive", sa.column("township_code"), sa.column("county_code"))
    conn.execute(sa.update(archive).where(archive.c.township_code.is_not(None))
                 .values(county_code=sa.func.substr(archive.c.township_code, 1, 6)))
    conn.execute(sa.update(archive).where(archive.c.township_code.is_(None))
                 .values(county_code=sa.bindparam("configured", configured)))


def downgrade() -> None:
    with op.batch_alter_table("bulletin_archive") as archive:
        archive.drop_column("county_code")
