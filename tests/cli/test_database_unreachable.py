"""A DATABASE_URL that cannot be used, as the probe tried it: every command says so in one line
without the password and exits 1 (no traceback), `tingbao check` too; on a closed port, on a
real PostgreSQL server that refuses the password, and for URLs no dialect takes."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import PostgresServer, running_postgres
from tingbao.cli.main import main

PASSWORD = "s3cret-Pa55word"


def closed_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the socket is


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *command: str) -> tuple[int, str]:
    status = main(["--data-dir", str(tmp_path / "data"), *command])
    captured = capsys.readouterr()
    return status, captured.err


@pytest.mark.parametrize(
    "command", [["issues"], ["worker", "--once"], ["build"], ["lexicon"], ["show", "x"]]
)
def test_a_closed_port_is_one_line_without_the_password(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    url = f"postgresql+psycopg://editor:{PASSWORD}@127.0.0.1:{closed_port()}/paper"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TINGBAO_TTS", "offline")
    status, err = run(tmp_path, capsys, *command)
    assert status == 1
    [line] = err.splitlines()
    assert line.startswith("tingbao: the database postgresql+psycopg://editor:***@127.0.0.1:")
    assert "Connection refused" in line and "check DATABASE_URL" in line
    assert PASSWORD not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nonsense", "DATABASE_URL is not a database URL tingbao can use (no scheme"),
        (f"mysqlx://a:{PASSWORD}@db/x", "DATABASE_URL mysqlx://a:***@db/x is not a"),
        (f"mysql://a:{PASSWORD}@db/x", "DATABASE_URL mysql://a:***@db/x needs a driver"),
        ("postgresql://a:pa@ss@127.0.0.1:1/x", "postgresql://a:***@127.0.0.1:1/x"),
        ("sqlite:////nonexistent/folder/t.db", "the database sqlite:////nonexistent/folder/t.db"),
    ],
)
def test_a_url_no_database_takes_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    says: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    for command in (["issues"], ["worker", "--once"]):
        status, err = run(tmp_path, capsys, *command)
        assert status == 1
        [line] = err.splitlines()
        assert line.startswith("tingbao: ") and says in line, line
        assert PASSWORD not in line and "pa@ss" not in line and "ss@" not in line


@pytest.fixture(scope="module")
def password_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (tests/pg.py) that asks the role `editor` for its password."""
    home = Path(tempfile.mkdtemp(prefix="tingbao-hba-"))
    home.chmod(0o755)  # the server runs as postgres, and reads its hba file here
    hba = home / "pg_hba.conf"
    hba.write_text(
        "host all postgres 127.0.0.1/32 trust\nhost all editor 127.0.0.1/32 scram-sha-256\n"
    )
    hba.chmod(0o644)
    try:
        with running_postgres(settings=f"-c hba_file={hba}") as server:
            server.admin(f"CREATE ROLE editor LOGIN PASSWORD '{PASSWORD}'")
            server.admin("CREATE DATABASE paper OWNER editor")
            yield server
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.postgres
@pytest.mark.slow
def test_a_wrong_password_on_a_real_server_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    password_server: PostgresServer,
) -> None:
    where = f"{password_server.host}:{password_server.port}/paper"
    data = ["--data-dir", str(tmp_path / "data")]
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://editor:{PASSWORD}@{where}")
    assert main([*data, "issues"]) == 0  # the right password opens it
    assert "no issues yet" in capsys.readouterr().out
    wrong = "not-the-" + PASSWORD
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://editor:{wrong}@{where}")
    for command in (["issues"], ["worker", "--once"]):
        status, err = run(tmp_path, capsys, *command)
        assert status == 1
        [line] = err.splitlines()
        assert line.startswith(f"tingbao: the database postgresql+psycopg://editor:***@{where}")
        assert 'password authentication failed for user "editor"' in line
        assert wrong not in err and PASSWORD not in err
    assert main([*data, "check", "--no-voice", "--no-bot"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL database: the database postgresql+psycopg://editor:***@{where}" in out
    assert wrong not in out and "unhealthy" in out
