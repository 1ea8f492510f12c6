"""One leader, standbys: the decisions as a table, each lock for real, and then two `tingbao worker`
processes on one database and one data dir. The leader is killed (SIGKILL) in the middle of the
audio; the standby takes over within seconds and finishes the issue, with nothing lost and nothing
done twice. On PostgreSQL (the advisory lock) and on SQLite (the file lock)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import NullPool, create_engine, func, select, text

from tests.worker.conftest import write_small_issue
from tingbao.chat.subscribers import SubscriberStore
from tingbao.chat.tables import OutboxRow
from tingbao.store.assets import ARTICLE_VOICE, AssetRow, AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.errors import (
    AlreadyRunningError,
    LeadershipError,
    LeadershipLostError,
    WorkerError,
)
from tingbao.worker.lock import (
    KEEPALIVE_IDLE_S,
    LEADER_POLL_S,
    AdvisoryLock,
    Role,
    WorkerLock,
    advisory_key,
    is_postgres,
    lead_now,
    make_elector,
    next_role,
    wait_to_lead,
    watch_lead,
)
from tingbao.worker.pipeline import STAGE_AUDIO, STAGE_NOTIFIED
from tingbao.worker.settings import load_settings

ISSUE = "jinhongqiao-2021-07-02"
FILE = "news-2021-07-02.txt"
SUBSCRIBERS = list(range(2000, 2040))
# The small issue makes 11 audio files; the leader dies right after writing the 6th.
FAULT = "publish.audio:6"


@pytest.mark.parametrize(
    ("role", "took", "after", "line"),
    [
        (Role.STARTING, False, Role.STANDBY, "standby: another worker leads; waiting"),
        (Role.STANDBY, False, Role.STANDBY, None),  # said once, not every poll
        (Role.STARTING, True, Role.LEADER, "leader: this worker leads; starting with a full pass"),
        (
            Role.STANDBY,
            True,
            Role.LEADER,
            "leader: the previous leader is gone; taking over with a full pass",
        ),
    ],
)
def test_next_role(role: Role, took: bool, after: Role, line: str | None) -> None:
    assert next_role(role, took) == (after, line)


@pytest.mark.parametrize(
    ("url", "postgres"),
    [
        ("postgresql+psycopg://u:p@db:5432/tingbao", True),
        ("postgresql://db/tingbao", True),
        ("postgres://u:p@db/tingbao", True),  # as many hosts print it
        ("sqlite:////data/tingbao.db", False),
        ("sqlite+pysqlite:///x.db", False),
        ("mysql+pymysql://db/postgresql", False),
    ],
)
def test_the_lock_follows_the_database(url: str, postgres: bool, tmp_path: Path) -> None:
    assert is_postgres(url) is postgres
    elector = make_elector(tmp_path, url)
    assert isinstance(elector, AdvisoryLock if postgres else WorkerLock)
    elector.release()


def test_advisory_key_is_stable_and_signed_64_bit() -> None:
    key = advisory_key("tingbao.worker.leader")
    assert key == advisory_key("tingbao.worker.leader") != advisory_key("other")
    assert -(2**63) <= key < 2**63


def test_flock_one_leader_per_data_dir(tmp_path: Path) -> None:
    first, second = WorkerLock(tmp_path), WorkerLock(tmp_path)
    assert first.try_lead() and first.try_lead()  # taking it again while held is a no-op
    assert not second.try_lead()
    with pytest.raises(AlreadyRunningError, match="another tingbao worker leads"):
        lead_now(second)
    first.release()
    assert second.try_lead()
    second.release()


def test_leadership_errors_belong_to_the_worker_tree(tmp_path: Path) -> None:
    first, second = WorkerLock(tmp_path), WorkerLock(tmp_path)
    assert first.try_lead()
    with pytest.raises(LeadershipError) as raised:  # what `tingbao` catches to exit with 1
        lead_now(second)
    assert isinstance(raised.value, WorkerError)
    assert issubclass(LeadershipLostError, LeadershipError)
    first.release()


def test_advisory_lock_is_held_by_one_connection_and_lost_with_it(postgres_url: str) -> None:
    first, second = AdvisoryLock(postgres_url), AdvisoryLock(postgres_url)
    try:
        assert first.try_lead()
        assert not second.try_lead()
        first.check()  # still held
        # The server drops a vanished client's session after TCP keepalives (set per session).
        idle = first._connect().execute(text("SHOW tcp_keepalives_idle")).scalar()
        assert idle == str(KEEPALIVE_IDLE_S)
        # The session dies (as when the leader's machine is cut off and the server gives up):
        # the lock goes with it, the old leader finds out at its next check, a standby leads.
        admin = create_engine(postgres_url, poolclass=NullPool)
        with admin.connect() as connection:
            holders = (
                connection.execute(
                    text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted")
                )
                .scalars()
                .all()
            )
            assert len(holders) == 1
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holders[0]})
        admin.dispose()
        with pytest.raises(LeadershipLostError, match="failed"):
            first.check()
        assert second.try_lead()
        assert not first.try_lead()  # and the old leader is a standby now
    finally:
        first.release()
        second.release()


class FakeElector:
    """An elector whose answers the test scripts."""

    where = "a fake lock"

    def __init__(self, answers: list[bool], check_delay: float = 0.0) -> None:
        self.answers = answers
        self.tries = 0
        self.check_delay = check_delay
        self.lost = False

    def try_lead(self) -> bool:
        self.tries += 1
        return self.answers.pop(0)

    def check(self) -> None:
        time.sleep(self.check_delay)
        if self.lost:
            raise LeadershipLostError("gone")

    def release(self) -> None:
        pass


async def test_a_standby_waits_then_leads_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    elector = FakeElector([False, False, False, True])
    caplog.set_level("INFO", logger="tingbao.worker")
    assert await wait_to_lead(elector, asyncio.Event(), poll_s=0.01)
    assert elector.tries == 4
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "standby: another worker leads; waiting (a fake lock)",
        "leader: the previous leader is gone; taking over with a full pass (a fake lock)",
    ]


async def test_a_stopped_standby_never_leads() -> None:
    stop = asyncio.Event()
    elector = FakeElector([False] * 1000)
    waiting = asyncio.create_task(wait_to_lead(elector, stop, poll_s=10))
    await asyncio.sleep(0.05)
    stop.set()
    assert await asyncio.wait_for(waiting, 2) is False
    assert elector.tries == 1


async def test_a_leader_steps_down_when_its_lock_is_lost_or_silent() -> None:
    lost = FakeElector([])
    lost.lost = True
    assert "gone" in str(await asyncio.wait_for(watch_lead(lost, 0.01, 1), 2))
    silent = FakeElector([], check_delay=0.5)
    error = await asyncio.wait_for(watch_lead(silent, 0.01, 0.1), 2)
    assert "did not answer" in str(error)


class Worker:
    """A `tingbao worker` child process; its log (stderr) goes to a file the test reads."""

    def __init__(self, data_dir: Path, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out: IO[bytes] = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tingbao.cli.main", "--data-dir", str(data_dir), "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._out,
        )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def wait_for(self, line: str, timeout: float) -> float:
        """Wait until the log holds `line`; return the monotonic time it was seen."""
        deadline = time.monotonic() + timeout
        while line not in self.text():
            assert self.process.poll() is None or line in self.text(), (
                f"worker ended ({self.process.returncode}) before {line!r}:\n{self.text()}"
            )
            assert time.monotonic() < deadline, f"no {line!r} in {timeout} s:\n{self.text()}"
            time.sleep(0.1)
        return time.monotonic()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self._out.close()
        return code


@pytest.fixture(params=["postgres", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'data' / 'tingbao.db'}"


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
        worker.stop()


def asset_snapshot(db: Database, public: Path) -> dict[tuple[str, str], tuple[datetime, int]]:
    """Each recorded audio file: when its row was written, and the inode of its file."""
    with db.session() as session:
        rows = session.execute(
            select(AssetRow.owner_id, AssetRow.role, AssetRow.updated_at, AssetRow.path)
        )
        return {(o, r): (at, (public / path).stat().st_ino) for o, r, at, path in rows}


def worker_env(database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "TINGBAO_INBOX_INTERVAL": "1",
    }
    env.pop("TINGBAO_FAULT", None)
    return env


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_leader_cut_off_from_its_lock_stops_and_a_standby_leads(
    postgres_url: str, tmp_path: Path, workers: list[Worker]
) -> None:
    env = worker_env(postgres_url)
    first = Worker(tmp_path / "data", env, tmp_path / "first.log")
    workers.append(first)
    first.wait_for("first pass done", 60)
    second = Worker(tmp_path / "data", env, tmp_path / "second.log")
    workers.append(second)
    second.wait_for("standby: another worker leads; waiting", 60)
    # The server ends the leader's lock session, as it does when the leader's machine is cut off.
    admin = create_engine(postgres_url, poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted"
            )
        )
    admin.dispose()
    # The old leader stops rather than work beside the new one (restarted, it would stand by).
    assert first.process.wait(timeout=LEADER_POLL_S + 20) == 1
    assert "stopping so that a standby can lead" in first.text()
    second.wait_for("leader: the previous leader is gone", LEADER_POLL_S + 10)
    second.wait_for("first pass done", 60)
    assert second.stop() == 0


@pytest.mark.slow
@pytest.mark.subprocess
def test_standby_finishes_the_issue_of_a_killed_leader(
    database_url: str, tmp_path: Path, workers: list[Worker]
) -> None:
    data_dir = tmp_path / "data"
    env = worker_env(database_url)
    # The schema, as every deployment gets it: through the CLI's normal path.
    made = subprocess.run(
        [sys.executable, "-m", "tingbao.cli.main", "--data-dir", str(data_dir), "issues"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0 and "no issues yet" in made.stdout, made.stderr
    settings = load_settings(env, data_dir=data_dir)
    db = Database(settings.database_url)
    try:
        SubscriberStore(db).add_many(SUBSCRIBERS)

        leader = Worker(data_dir, {**env, "TINGBAO_FAULT": FAULT}, tmp_path / "leader.log")
        workers.append(leader)
        leader.wait_for("leader: this worker leads", 60)
        standby = Worker(data_dir, env, tmp_path / "standby.log")
        workers.append(standby)
        standby.wait_for("standby: another worker leads; waiting", 60)

        # Only now does the issue arrive (renamed in whole, as a copy into the inbox would be).
        write_small_issue(tmp_path / "upload", name=FILE)
        os.replace(tmp_path / "upload" / FILE, settings.inbox_dir / FILE)
        assert leader.process.wait(timeout=60) == -signal.SIGKILL, leader.text()
        killed = time.monotonic()
        before = asset_snapshot(db, settings.public_dir)
        assert 0 < len(before) < 11, "the leader should die in the middle of the audio"

        took_over = standby.wait_for("leader: the previous leader is gone", 60)
        assert took_over - killed < LEADER_POLL_S + 5
        standby.wait_for("first pass done", 60)
        assert standby.stop() == 0, standby.text()

        issue = IssueStore(db).get_issue(ISSUE)
        assets = AssetStore(db).for_issue(ISSUE)
        public = settings.public_dir
        # Nothing lost: every file of every article and of the issue, whole, linked by the feed.
        # Voice notes are made in the background once the issue is out, so some may be there.
        readings = [asset for asset in assets if asset.role != ARTICLE_VOICE]
        assert len(readings) == 3 * len(issue.articles) + 3
        for asset in assets:
            assert (public / asset.path).stat().st_size == asset.size > 0
        feed = (public / "feed.xml").read_text(encoding="utf-8")
        assert all(a.path in feed for a in assets if a.role == "mp3")
        assert not list(public.rglob(".*.tmp")), "a half-written file was left behind"
        assert (settings.inbox_done_dir / FILE).exists()
        assert not list(settings.inbox_failed_dir.iterdir())
        with db.session() as session:
            per_chat = session.execute(
                select(OutboxRow.chat_id, func.count()).group_by(OutboxRow.chat_id)
            ).all()
        assert sorted(chat for chat, _ in per_chat) == SUBSCRIBERS
        assert all(count == 1 for _, count in per_chat)

        # Nothing done twice: the file was stored once (by the leader), every audio file the
        # leader had recorded was kept as it was, and each later stage ran once (by the standby).
        assert leader.text().count(f"inbox: {FILE!r} stored {ISSUE}") == 1  # names quoted
        assert "inbox:" not in standby.text()
        after = asset_snapshot(db, public)
        assert {key: after[key] for key in before} == before
        assert "audio for" not in leader.text()
        assert standby.text().count(f"audio for {ISSUE} is ready") == 1
        assert IssueStore(db).stages(ISSUE).keys() >= {STAGE_AUDIO, STAGE_NOTIFIED}
    finally:
        db.dispose()
