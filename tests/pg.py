"""A real PostgreSQL server for the tests, from Debian's postgresql package: one server per test
session (initdb and pg_ctl as the `postgres` user in a temporary directory, on 127.0.0.1 and a free
port, trust authentication), and a fresh database per test.

`postgres_server` is session-scoped; `postgres_url` gives a test its own empty database. Without
the package (scripts/install-system-deps.sh installs it as root) the tests that need it fail with a
line saying so: they are part of the suite, not optional.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "postgres"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@{self.host}:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run one statement as the superuser, outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql)  # type: ignore[arg-type]


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(
            "PostgreSQL is not installed: run scripts/install-system-deps.sh as root "
            "(apt-get install postgresql)"
        )
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*command: str) -> list[str]:
    return [*command] if os.geteuid() != 0 else ["runuser", "-u", USER, "--", *command]


@contextmanager
def running_postgres(*, fsync: bool = False, settings: str = "") -> Iterator[PostgresServer]:
    """Start a PostgreSQL server; stop it and remove its files at the end. fsync=False is what
    the tests use (faster writes, same reads); `settings` adds server options ("-c name=value")."""
    home = Path(tempfile.mkdtemp(prefix="tingbao-pg-"))
    data = home / "data"
    if os.geteuid() == 0:
        shutil.chown(home, USER, USER)
    initdb = [_bin("initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8"]
    subprocess.run(_as_postgres(*initdb, "--locale=C.UTF-8"), check=True, capture_output=True)
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {home} {settings}"
    if not fsync:
        options += " -c fsync=off"
    start = [_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w"]
    subprocess.run(_as_postgres(*start, "start"), check=True, capture_output=True)
    server = PostgresServer("127.0.0.1", port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                server.admin("SELECT 1")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        stop = [_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(_as_postgres(*stop), check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test session."""
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """Return the URL of a new empty database, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres_server.admin(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
