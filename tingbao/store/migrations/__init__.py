"""Schema migrations (Alembic): every change to the tables is a revision in `versions/`.

`tingbao.store.schema.create_schema` upgrades a database to the newest revision (head) at
start-up, so nothing needs running by hand and no alembic.ini is needed at run time. A database
made before migrations existed is recognised by its tables and stamped with its revision first.

Adding a revision after changing a model (from the repository root; the `[tool.alembic]` section
of pyproject.toml says where the scripts are, `-x url=…` which database to compare against):

    rm -f /tmp/head.db
    .venv/bin/alembic -x url=sqlite:////tmp/head.db upgrade head
    .venv/bin/alembic -x url=sqlite:////tmp/head.db revision --autogenerate \
        --rev-id 0004 -m "what changed"

then read the new file in `versions/` and add what autogenerate cannot know: data to carry over,
a value for the existing rows of a new NOT NULL column, a changed primary key (autogenerate does
not see one; 0003 copies the table into a new one). tests/worker/test_migrations.py upgrades an
old database on SQLite and PostgreSQL and fails while the models and the migrations disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

LOCATION = Path(__file__).resolve().parent
SEARCH_PREFIX = "article_search"  # the search index's tables, kept by search_index.py


def is_model_table(name: str | None) -> bool:
    """Return whether a table is declared by the models (compared by autogenerate): not Alembic's
    own, nor the search index (an FTS5 table on SQLite, a tsvector table on PostgreSQL)."""
    return name is not None and name != "alembic_version" and not name.startswith(SEARCH_PREFIX)


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Alembic's filter for autogenerate: compare only the models' tables, and no index of the
    search index's (PostgreSQL's are expression indexes on the articles table)."""
    if type_ == "index":
        return name is None or not name.startswith(SEARCH_PREFIX)
    return type_ != "table" or is_model_table(name)
