"""kill -9 at any stage, then start again: all finishes exactly once, nothing half-written; on
SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.worker.conftest import write_small_issue
from tingbao.chat.subscribers import SubscriberStore
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.schema import create_schema
from tingbao.worker.settings import load_settings

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]
ISSUE = "jinhongqiao-2021-07-02"
SUBSCRIBERS = list(range(1000, 1050))


def database_env(database_url: str | None) -> dict[str, str]:
    """Return DATABASE_URL for the worker, or nothing for the embedded SQLite."""
    return {"DATABASE_URL": database_url} if database_url else {}


def worker_once(
    data_dir: Path, fault: str | None = None, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        **database_env(database_url),
    }
    env.pop("TINGBAO_FAULT", None)
    if fault:
        env["TINGBAO_FAULT"] = fault
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tingbao.cli.main",
            "--data-dir",
            str(data_dir),
            "worker",
            "--once",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_complete(data_dir: Path, database_url: str | None = None) -> None:
    env = {
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        **database_env(database_url),
    }
    settings = load_settings(env, data_dir=data_dir)
    db = Database(settings.database_url)
    try:
        issue = IssueStore(db).get_issue(ISSUE)
        assets = AssetStore(db).for_issue(ISSUE)
        public = settings.public_dir
        # every article has its three files (voice notes come on request) and the issue its
        # three, each complete on disk
        assert len(assets) == 3 * len(issue.articles) + 3
        for asset in assets:
            assert (public / asset.path).stat().st_size == asset.size > 0
        assert not list(public.rglob(".*.tmp")), "a half-written file was left behind"
        feed = (public / "feed.xml").read_text(encoding="utf-8")
        for asset in assets:
            if asset.role == "mp3":
                assert asset.path in feed
        chapters = json.loads((public / f"audio/{ISSUE}/issue.chapters.json").read_text())
        assert len(chapters["chapters"]) >= len(issue.articles)
        from sqlalchemy import func, select

        from tingbao.chat.tables import OutboxRow

        with db.session() as session:
            rows = session.execute(
                select(OutboxRow.chat_id, func.count()).group_by(OutboxRow.chat_id)
            ).all()
        assert sorted(chat for chat, _ in rows) == SUBSCRIBERS
        assert all(count == 1 for _, count in rows)
        assert (settings.inbox_done_dir / "news-2021-07-02.txt").exists()
    finally:
        db.dispose()


def prepare(data_dir: Path, database_url: str | None = None) -> None:
    settings = load_settings(database_env(database_url), data_dir=data_dir)
    data_dir.mkdir(parents=True)
    db = Database(settings.database_url)
    create_schema(db)
    SubscriberStore(db).add_many(SUBSCRIBERS)
    db.dispose()
    write_small_issue(settings.inbox_dir)


@pytest.mark.parametrize(
    "fault",
    ["inbox.stored:1", "publish.audio:2", "publish.audio:9", "publish.site:3", "notify.after:1"],
)
def test_kill_then_restart_completes_exactly_once(fault: str, tmp_path: Path) -> None:
    kill_then_restart(tmp_path / "data", fault)


@pytest.mark.postgres
@pytest.mark.parametrize("fault", ["inbox.stored:1", "publish.audio:9", "notify.after:1"])
def test_kill_then_restart_completes_exactly_once_on_postgresql(
    fault: str, tmp_path: Path, postgres_url: str
) -> None:
    kill_then_restart(tmp_path / "data", fault, postgres_url)


def kill_then_restart(data_dir: Path, fault: str, database_url: str | None = None) -> None:
    """Kill the worker with SIGKILL at fault, start it again, and check all was done once."""
    prepare(data_dir, database_url)
    crashed = worker_once(data_dir, fault, database_url)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    done = worker_once(data_dir, database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert_complete(data_dir, database_url)
    # and a third run does nothing at all
    idle = worker_once(data_dir, database_url=database_url)
    assert "stored 0, unchanged 0, failed 0, audio made for 0" in idle.stderr
    assert "site current" in idle.stderr
