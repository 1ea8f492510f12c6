"""A throwaway PostgreSQL server for bench/scale.py, started as tests/pg.py starts the test
suite's (Debian's package, initdb and pg_ctl as the `postgres` user in a temporary directory, on
127.0.0.1 and a free port, trust authentication), reusing its helpers outside pytest."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.pg import USER, PostgresServer, _as_postgres, _bin, _free_port


@contextmanager
def postgres_server(*, fsync: bool = False) -> Iterator[PostgresServer]:
    """Start a PostgreSQL server; stop it and remove its files at the end. fsync=False is what
    the tests use (faster writes, same reads); pass True to measure durable commits."""
    home = Path(tempfile.mkdtemp(prefix="tingbao-scale-pg-"))
    data = home / "data"
    if os.geteuid() == 0:
        shutil.chown(home, USER, USER)
    initdb = [_bin("initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8"]
    subprocess.run(_as_postgres(*initdb, "--locale=C.UTF-8"), check=True, capture_output=True)
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {home} -c max_connections=200"
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
