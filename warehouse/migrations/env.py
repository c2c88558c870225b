"""Alembic's environment: always run by ``warehouse.migrate`` on a connection it hands over (no alembic.ini)."""

from alembic import context

from warehouse.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters a table by copying it
with context.begin_transaction():
    context.run_migrations()
