"""One engine per database URL, and the few places where SQLite and PostgreSQL differ.

The URL comes from ``DASHBOARD_DB_URL``, else ``.streamlit/secrets.toml`` (``db_url``), else the
embedded SQLite file ``data/warehouse.sqlite``. Dialect differences live here and nowhere else:
upsert (``upsert_rows``), a bulk insert of plain values (``insert_columns``), and the month bucket of
a date (``year_month``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, func, make_url, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date, String

from config import settings
from warehouse.schema import batch_undos, boundaries, load_batches, zero_reports


def database_url() -> str:
    """Return the warehouse URL: environment, then secrets.toml, then the embedded SQLite file."""
    url = settings.get("db_url")
    if url:
        return url
    data_dir = Path(settings.get("data_dir"))
    if not data_dir.is_absolute():
        data_dir = settings.PROJECT_ROOT / data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'warehouse.sqlite'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the app) don't block a load
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_ENGINES: dict[str, Engine] = {}


def redacted_url(url: str) -> str:
    """The URL as it may be printed or logged: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def get_engine(url: str | None = None) -> Engine:
    """Return the (cached) engine for ``url``; an empty database gets the schema, one at another revision
    is refused (``warehouse.migrate.ensure_schema``: run ``python -m warehouse upgrade``)."""
    from warehouse.migrate import ensure_schema

    url = url or database_url()
    if url not in _ENGINES:
        engine = create_engine(url, pool_pre_ping=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        try:
            ensure_schema(engine)
        except Exception:
            engine.dispose()
            raise
        _ENGINES[url] = engine
    return _ENGINES[url]


def dispose_all() -> None:
    """Close and forget every cached engine (tests and the benchmark switch databases)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def upsert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` into ``table``, replacing any stored row with the same primary key."""
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(dialect)
    key_names = [c.name for c in table.primary_key.columns]
    statement = insert(table)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in key_names}
    statement = statement.on_conflict_do_update(index_elements=key_names, set_=updates)
    # one statement with bound parameters, executed for many rows (the driver's executemany):
    # a multi-VALUES statement per chunk costs SQLAlchemy a compile each time, ~20x slower
    conn.execute(statement, list(rows))


def insert_columns(conn: Connection, table: Table, columns: Mapping[str, Sequence]) -> None:
    """Insert the rows given column by column (plain values, dates as ``date``) without SQLAlchemy's
    per-row processing: PostgreSQL's COPY, SQLite's executemany of one compiled statement
    (placeholders, never values in the SQL; a Date column becomes ISO text once per distinct day)."""
    names = list(columns)
    if not names or not len(columns[names[0]]):
        return
    if conn.dialect.name == "postgresql":
        from psycopg import sql as pgsql

        copy_sql = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(table.name), pgsql.SQL(", ").join(pgsql.Identifier(c) for c in names))
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in zip(*columns.values()):
                copy.write_row(row)
        return
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=names)
    values = {name: _iso_days(columns[name]) if isinstance(table.c[name].type, Date) else columns[name]
              for name in names}
    conn.exec_driver_sql(str(compiled), list(zip(*(values[name] for name in compiled.positiontup))))


def _iso_days(days: Sequence) -> list:
    text = {day: day.isoformat() for day in set(days) if day is not None}
    return [text.get(day) for day in days]


class year_month(FunctionElement):
    """``'YYYY-MM'`` of a date column, in either dialect."""

    type = String()
    inherit_cache = True


@compiles(year_month, "sqlite")
def _year_month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(year_month, "postgresql")
def _year_month_postgresql(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def data_version(bind: Engine | Connection) -> tuple[int, str, int, str, int, int]:
    """Return (number of loads, time of the last, number of boundaries, time of the last boundary load,
    number of undone loads, number of 零报告): the cache key that a load, a boundary load, an undo or a
    零报告 changes."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return data_version(conn)
    return version_of(bind.execute(select(*data_version_columns())).one())


def data_version_columns() -> list:
    """The columns ``data_version`` reads, in one row (a caller may read more beside them in the same statement)."""
    boundary_count = select(func.count()).select_from(boundaries).scalar_subquery()
    boundary_last = select(func.max(boundaries.c.loaded_at)).scalar_subquery()
    undone = select(func.count()).select_from(batch_undos).scalar_subquery()
    zero = select(func.count()).select_from(zero_reports).scalar_subquery()
    loads = select(func.count(load_batches.c.batch_id), func.max(load_batches.c.loaded_at)).subquery()
    return [loads.c[0], loads.c[1], boundary_count, boundary_last, undone, zero]


def version_of(row) -> tuple[int, str, int, str, int, int]:
    """The data version from the first six values of a row of ``data_version_columns()``."""
    count, last, shapes, shapes_last, undos, zeros = row[:6]
    return int(count), str(last), int(shapes), str(shapes_last), int(undos), int(zeros)
