"""The objects a command works with, built once from settings and closed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tingbao.paper.assets import AssetStore
from tingbao.paper.db import Database
from tingbao.paper.publish import LocalPublisher
from tingbao.paper.settings import Settings
from tingbao.paper.store import IssueStore


@dataclass(frozen=True)
class Context:
    """Settings, database, stores and publisher of one process."""

    settings: Settings
    db: Database
    issues: IssueStore
    assets: AssetStore
    publisher: LocalPublisher


def _import_tables() -> None:
    """Import every module that declares tables, so create_all knows them all."""
    import tingbao.bot.tables
    import tingbao.paper.assets
    import tingbao.paper.store  # noqa: F401


@contextmanager
def open_context(settings: Settings) -> Iterator[Context]:
    """Create the data dir and tables, yield the context, and close the database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _import_tables()
    db = Database(settings.database_url)
    db.create_all()
    try:
        yield Context(
            settings=settings,
            db=db,
            issues=IssueStore(db),
            assets=AssetStore(db),
            publisher=LocalPublisher(settings.public_dir),
        )
    finally:
        db.dispose()
