"""Alembic's environment: the models' metadata, and the connection to migrate.

`create_schema` hands in its connection (config.attributes["connection"]); the `alembic` command
line connects to the URL given as `-x url=…`. Offline (--sql) mode is not supported: the search
index is made with the live connection.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tingbao.store.engine import make_engine
from tingbao.store.migrations import include_name
from tingbao.store.schema import metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE is limited there
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("alembic: name the database with -x url=… (an SQLAlchemy URL)")
    engine = make_engine(url)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
