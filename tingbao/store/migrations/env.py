"""Alembic's environment: the models' metadata, and the connection to migrate.

`create_schema` hands in its connection (config.attributes["connection"]); the `alembic` command
line connects to the URL given as `-x url=…`. Offline (--sql) mode is not supported: the search
index is made with the live connection.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, MetaData

from tingbao.store.engine import make_engine
from tingbao.store.migrations import include_name


def models() -> MetaData:
    """Return every part's tables, for autogenerate (the `alembic` command line only: at run time
    `create_schema` only upgrades, which needs no models)."""
    from tingbao.cli.models import metadata  # the one upward import, listed in pyproject.toml

    return metadata


def run(connection: Connection, metadata: MetaData | None) -> None:
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
    run(given, None)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("alembic: name the database with -x url=… (an SQLAlchemy URL)")
    engine = make_engine(url)
    with engine.connect() as connection:
        run(connection, models())
    engine.dispose()
