"""Alembic's environment: runs revisions on the connection `core.migrations` hands over.

There is no alembic.ini: `core.migrations.alembic_config` builds the configuration from the
settings' database URL and passes an open connection, already inside the transaction (and
under the lock) that the whole upgrade runs in.
"""

from __future__ import annotations

from alembic import context

from core.migrations import render_item
from core.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `antrian db …` or core.migrations, not alembic")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters a table by copying it: batch mode writes later revisions' ALTERs that way.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,  # our UTC type written as the plain type it is
    # The connection is already in the one transaction the whole upgrade runs in, on SQLite
    # too (whose DDL is transactional, whatever Alembic assumes by default).
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
