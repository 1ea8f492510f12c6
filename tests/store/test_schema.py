"""The schema's quick start: an up-to-date database is recognised without loading Alembic."""

from __future__ import annotations

from pathlib import Path

from tingbao.store.engine import Database
from tingbao.store.schema import create_schema, head_revision, numbered_head, stamped_revision


def test_the_numbered_head_is_alembics_head() -> None:
    assert numbered_head() == head_revision()


def test_a_new_database_is_migrated_then_recognised_as_current(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert stamped_revision(db) is None  # no alembic_version yet
        create_schema(db)
        assert stamped_revision(db) == head_revision()
        create_schema(db)  # the quick path: nothing to do
        assert stamped_revision(db) == head_revision()
    finally:
        db.dispose()
