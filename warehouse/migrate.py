"""Alembic migrations own the warehouse's schema (``warehouse/migrations/versions``).

- ``upgrade(engine)`` (``python -m warehouse upgrade``, run by ``make run`` and the deploy script)
  brings any warehouse to the newest revision in one transaction per revision: an empty database
  runs every revision; a warehouse an earlier release made with ``create_all`` (tables, no
  ``alembic_version``) is first stamped at the revision whose tables it has, then upgraded.
- ``ensure_schema(engine)`` is what ``get_engine`` calls: an empty database gets today's tables and
  is stamped at the head (the tests' and a fresh embedded warehouse's fast path, Alembic's own
  recipe); a warehouse at the head is left alone; one behind is refused with a Chinese line that
  says to run the upgrade, so no process writes into a schema it does not know.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "python -m warehouse upgrade"


class SchemaOutOfDate(RuntimeError):
    """The warehouse's schema is older (or newer) than this release's: run the upgrade first."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(bind: Engine | Connection) -> str | None:
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return current_revision(conn)
    return MigrationContext.configure(bind).get_current_revision()


def _revision_of_unversioned(tables: set[str]) -> str | None:
    """The newest revision whose tables a warehouse made by create_all has (None: an empty database)."""
    if not tables:
        return None
    script = ScriptDirectory.from_config(_config())
    matched = None
    for revision in reversed(list(script.walk_revisions())):  # oldest first
        made = set(getattr(revision.module, "TABLES", ()))
        if made and made <= tables:
            matched = revision.revision
        elif made:
            break
    if matched is None:
        raise SchemaOutOfDate(f"数据库中已有表，但与任何版本的仓库结构都不相符（{'、'.join(sorted(tables)[:8])}…），请联系管理员")
    return matched


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Upgrade the warehouse to ``revision``; return (the revision it was at, the one it is at now): None
    for an empty database or one an earlier release made without versions."""
    with engine.begin() as conn:
        before = current_revision(conn)
        if before is None:
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
            stamped = _revision_of_unversioned(tables)
            if stamped is not None:
                command.stamp(_config(conn), stamped)
                logger.info("Stamped an unversioned warehouse at %s", stamped)
        command.upgrade(_config(conn), revision)
        after = current_revision(conn)
    logger.info("Warehouse upgraded from %s to %s", before, after)
    return before, after


def ensure_schema(engine: Engine) -> None:
    """Create today's schema in an empty database; refuse a warehouse whose schema is not this release's."""
    from warehouse.schema import metadata

    head = head_revision()
    with engine.begin() as conn:
        current = current_revision(conn)
        if current == head:
            return
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        if current is None and not tables:
            metadata.create_all(conn)
            command.stamp(_config(conn), head)
            return
    at = current or "未标记版本"
    raise SchemaOutOfDate(f"数据库结构版本（{at}）与本程序（{head}）不一致，请先运行 {UPGRADE_COMMAND}")
