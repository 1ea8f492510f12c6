"""Who leads: any number of workers may start; one leads (runs the scheduler), the others stand by.

Errors (worker/errors.py's tree): AlreadyRunningError when another worker leads and this one will
not wait (`--once`, `build`); LeadershipLostError when this leader lost its lock, and stops so that
a standby can lead. Both are LeadershipErrors.

The lock follows the database, because the database is what every worker shares:
- PostgreSQL (one or several machines): a session-level advisory lock (`pg_try_advisory_lock`) on
  a connection of its own, held for the leader's lifetime. The server drops the lock with the
  connection: at once when the leader's process dies (kill -9 included: its kernel closes the
  socket), and when the leader's machine vanishes (power, network) once TCP gives up on it: the
  server probes a connection silent for KEEPALIVE_IDLE_S every KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT
  times (about 25 s). The leader asks its connection every poll and steps down when it fails or
  does not answer within CHECK_TIMEOUT_S, so it lets go before the server lets a standby in
  (the same limits on the client's side end a hung call within about 25 s).
- SQLite (one machine): an exclusive flock on DATA_DIR/worker.lock, dropped by the kernel when the
  process ends, however it ends. It holds across containers sharing one volume on one host; not
  across machines (network file systems), which is PostgreSQL's case.
A standby tries every LEADER_POLL_S seconds: it leads within that of a crash, and within about
30 s of a vanished machine. A leader that steps down ends its process and with it the pass it was
in; every stage is idempotent, so the next leader finishes what was cut short.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, NullPool, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from tingbao.store.engine import driver_url
from tingbao.worker.errors import AlreadyRunningError, LeadershipLostError

log = logging.getLogger("tingbao.worker")

LEADER_POLL_S = 5.0  # how often a standby tries to lead, and a leader checks its lock
CHECK_TIMEOUT_S = 10.0  # a leader whose lock connection is silent this long steps down
KEEPALIVE_IDLE_S = 10
KEEPALIVE_INTERVAL_S = 5
KEEPALIVE_COUNT = 3
GIVE_UP_MS = 1000 * (KEEPALIVE_IDLE_S + KEEPALIVE_INTERVAL_S * KEEPALIVE_COUNT)  # about 25 s
LOCK_NAME = "tingbao.worker.leader"


class Role(enum.Enum):
    STARTING = "starting"
    STANDBY = "standby"
    LEADER = "leader"


def next_role(role: Role, took: bool) -> tuple[Role, str | None]:
    """Return the role after one try to lead, and the line to log (each change is logged once)."""
    if not took:
        line = "standby: another worker leads; waiting" if role is Role.STARTING else None
        return Role.STANDBY, line
    if role is Role.STANDBY:
        return Role.LEADER, "leader: the previous leader is gone; taking over with a full pass"
    return Role.LEADER, "leader: this worker leads; starting with a full pass"


def is_postgres(database_url: str) -> bool:
    """Return whether the URL names PostgreSQL (any driver, or the postgres:// many hosts print)."""
    return make_url(driver_url(database_url)).get_backend_name() == "postgresql"


def advisory_key(name: str) -> int:
    """Return the signed 64-bit advisory lock key of a name (stable across processes)."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


# libpq's side: probe a silent server, and give up on unacknowledged data after the same time.
CLIENT_KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": KEEPALIVE_IDLE_S,
    "keepalives_interval": KEEPALIVE_INTERVAL_S,
    "keepalives_count": KEEPALIVE_COUNT,
    "tcp_user_timeout": GIVE_UP_MS,
    "connect_timeout": int(CHECK_TIMEOUT_S),
}
# The server's side (these settings are per session): drop a vanished leader, and so its lock.
SERVER_KEEPALIVE = (
    f"SET tcp_keepalives_idle = {KEEPALIVE_IDLE_S}",
    f"SET tcp_keepalives_interval = {KEEPALIVE_INTERVAL_S}",
    f"SET tcp_keepalives_count = {KEEPALIVE_COUNT}",
    f"SET tcp_user_timeout = {GIVE_UP_MS}",
)


class Elector(Protocol):
    """A lock that one process at a time holds: the leader's."""

    where: str  # what the lock is on, for log lines

    def try_lead(self) -> bool:
        """Take the lock without waiting; return whether this process holds it now (raises
        SQLAlchemyError when the database does not answer)."""

    def check(self) -> None:
        """Raise LeadershipLostError unless this process still holds the lock."""

    def release(self) -> None:
        """Let the lock go (a no-op when not held)."""


class WorkerLock:
    """An exclusive flock on DATA_DIR/worker.lock: one leader per data dir (SQLite)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "worker.lock"
        self.where = str(self.path)
        self._handle: IO[str] | None = None

    def try_lead(self) -> bool:
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 (held open for the life of the lock)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return True

    def check(self) -> None:
        """An flock held by this process cannot be taken from it."""

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class AdvisoryLock:
    """A session-level PostgreSQL advisory lock on a dedicated connection (see the module doc)."""

    def __init__(self, database_url: str, name: str = LOCK_NAME) -> None:
        self.key = advisory_key(name)
        self.where = f"PostgreSQL advisory lock {name}"
        self._engine = create_engine(
            driver_url(database_url), poolclass=NullPool, connect_args=CLIENT_KEEPALIVE
        )
        self._connection: Connection | None = None
        self._held = False
        self._checking = False  # a check is on the connection (perhaps hung on a dead network)

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            for statement in SERVER_KEEPALIVE:
                connection.execute(text(statement))
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.close()
            except SQLAlchemyError:
                connection.invalidate()

    def try_lead(self) -> bool:
        if not self._held:
            try:
                query = text("SELECT pg_try_advisory_lock(:key)")
                self._held = bool(self._connect().execute(query, {"key": self.key}).scalar())
            except SQLAlchemyError:
                self._drop()  # the next try connects afresh
                raise
        return self._held

    def check(self) -> None:
        if not self._held or self._connection is None:
            raise LeadershipLostError(f"{self.where} is not held")
        self._checking = True
        try:
            self._connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            self._held = False
            self._drop()
            raise LeadershipLostError(
                f"the connection holding the {self.where} failed ({exc.__class__.__name__})"
            ) from None
        finally:
            self._checking = False

    def release(self) -> None:
        """Close the connection, and so end the session and its lock. A connection that a hung
        check still uses is left alone: it goes with the process, which is ending."""
        self._held = False
        if not self._checking:
            self._drop()
            self._engine.dispose()


def make_elector(data_dir: Path, database_url: str) -> Elector:
    """Return the lock that elects this deployment's leader: advisory on PostgreSQL, else flock."""
    if is_postgres(database_url):
        return AdvisoryLock(database_url)
    return WorkerLock(data_dir)


def lead_now(elector: Elector) -> None:
    """Take the lead at once or raise AlreadyRunningError (one-shot runs do not wait)."""
    if not elector.try_lead():
        raise AlreadyRunningError(
            f"another tingbao worker leads ({elector.where}) and does this work itself; "
            "only one pass runs at a time: stop it first, or let it run"
        )


async def wait_to_lead(
    elector: Elector, stop: asyncio.Event, poll_s: float = LEADER_POLL_S
) -> bool:
    """Stand by until this process leads (True) or `stop` is set first (False)."""
    role = Role.STARTING
    away = False  # the database did not answer the last try (logged once per outage)
    while not stop.is_set():
        try:
            took = await asyncio.to_thread(elector.try_lead)
        except SQLAlchemyError as exc:
            if not away:
                reason = str(getattr(exc, "orig", None) or exc.__class__.__name__).splitlines()[0]
                log.warning("standby: the database does not answer (%s); trying again", reason)
            away, took = True, False
        else:
            away = False
            role, line = next_role(role, took)
            if line is not None:
                log.info("%s (%s)", line, elector.where)
        if took:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll_s)
    return False


async def watch_lead(
    elector: Elector, poll_s: float = LEADER_POLL_S, timeout_s: float = CHECK_TIMEOUT_S
) -> LeadershipLostError:
    """Check the lock every poll while leading; return the error once it is lost or silent."""
    while True:
        await asyncio.sleep(poll_s)
        try:
            await asyncio.wait_for(asyncio.to_thread(elector.check), timeout_s)
        except LeadershipLostError as exc:
            return exc
        except TimeoutError:
            return LeadershipLostError(
                f"the connection holding the {elector.where} did not answer in {timeout_s:.0f} s"
            )
