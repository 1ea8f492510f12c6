"""docker-compose.yml, the Dockerfile and the Caddyfile, checked without a Docker engine:
the structure by reading them, the commands they name by running them here."""

from __future__ import annotations

import contextlib
import glob
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from tests.conftest import ROOT
from tests.pg import PostgresServer
from tests.webhook import post_webhook
from tingbao.cli.main import build_parser
from tingbao.worker.lock import AdvisoryLock, make_elector
from tingbao.worker.settings import load_settings

COMPOSE = ROOT / "docker-compose.yml"
WEBHOOK_COMPOSE = ROOT / "deploy" / "compose.webhook.yml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
ENV_EXAMPLE = ROOT / ".env.example"


@contextlib.contextmanager
def caddy_running(caddy: str, env: dict[str, str], port: int) -> Iterator[str]:
    """Run `caddy run` with deploy/Caddyfile until the block ends; yield its base URL once it
    answers /healthz."""
    server = subprocess.Popen(
        [caddy, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    assert response.read() == b"ok"
                break
            except OSError:
                assert time.monotonic() < deadline, "caddy did not start"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def started(data: dict[str, Any], *profiles: str) -> set[str]:
    """The services `docker compose --profile P … up` starts: those without profiles, and those
    in one of the profiles named."""
    return {
        name
        for name, service in data["services"].items()
        if not service.get("profiles") or set(service["profiles"]) & set(profiles)
    }


def test_compose_has_worker_bot_and_web_sharing_one_volume() -> None:
    services = compose()["services"]
    assert started(compose()) == {"worker", "bot", "web"}  # `docker compose up`, as before
    for name in ("worker", "bot"):
        service = services[name]
        assert service["build"] == "."
        assert "data:/data" in service["volumes"]
        assert service["environment"]["TINGBAO_DATA_DIR"] == "/data"
        assert service["healthcheck"]["test"][1:3] == ["tingbao", "check"]
    assert services["worker"]["command"] == ["tingbao", "worker"]
    assert services["bot"]["command"] == ["tingbao", "bot"]
    web = services["web"]
    assert web["image"].startswith("caddy:")
    assert "data:/data:ro" in web["volumes"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in web["volumes"]
    assert "data" in compose()["volumes"]


def test_profiles_add_postgres_and_a_standby_worker() -> None:
    data = compose()
    services = data["services"]
    assert started(data, "postgres") == {"worker", "bot", "web", "postgres"}
    assert started(data, "ha") == {"worker", "worker-2", "bot", "web"}
    # The second worker is the first one again: whichever takes the lock leads.
    second = {key: value for key, value in services["worker-2"].items() if key != "profiles"}
    assert second == services["worker"]
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16-alpine"
    assert "pgdata:/var/lib/postgresql/data" in postgres["volumes"]
    assert "pgdata" in data["volumes"]
    assert "ports" not in postgres  # reachable by the project's services only
    assert postgres["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-}"  # no default
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    for name in ("worker", "worker-2", "bot"):
        wait = services[name]["depends_on"]["postgres"]
        assert wait == {"condition": "service_healthy", "required": False}
    # Whatever the profiles, a service depends only on services that start, or optionally.
    for profiles in ((), ("postgres",), ("ha",), ("postgres", "ha")):
        up = started(data, *profiles)
        for name in up:
            for needed, how in services[name].get("depends_on", {}).items():
                assert needed in up or how["required"] is False, (profiles, name, needed)


def test_phone_profile_runs_the_sip_edge_and_the_line(tmp_path: Path) -> None:
    data = compose()
    services = data["services"]
    assert started(data, "phone") == {"worker", "bot", "web", "kamailio", "phone"}
    edge, line = services["kamailio"], services["phone"]
    assert edge["build"]["dockerfile"] == "deploy/kamailio.Dockerfile"
    assert edge["environment"]["TINGBAO_SIP_PASSWORD"] == "${TINGBAO_SIP_PASSWORD:-}"
    assert edge["ports"] == ["${TINGBAO_SIP_PUBLISH_PORT:-5060}:5060/udp"]
    # The line registers on the edge by its service name, and reads the same .env.
    assert line["environment"]["TINGBAO_SIP_SERVER"] == "kamailio:5060"
    assert line["env_file"] == services["worker"]["env_file"]
    assert "kamailio" in line["depends_on"]
    assert line["volumes"] == services["worker"]["volumes"]  # the published audio it reads
    env = {key: "" if "${" in value else value for key, value in line["environment"].items()}
    phone = load_settings(env | {"TINGBAO_RTP_PORTS": "30000-30100"}, data_dir=tmp_path).phone
    assert phone.enabled and phone.rtp_ports == (30000, 30100)
    # The edge's image runs the config the tests run kamailio with.
    dockerfile = (ROOT / "deploy" / "kamailio.Dockerfile").read_text()
    assert "COPY deploy/kamailio.cfg /etc/tingbao/kamailio.cfg" in dockerfile
    assert '"-f", "/etc/tingbao/kamailio.cfg"' in dockerfile


def test_env_example_points_database_url_at_the_postgres_service(tmp_path: Path) -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    assert "# POSTGRES_PASSWORD=" in lines
    (example,) = [line for line in lines if line.startswith("# DATABASE_URL=")]
    url = example.removeprefix("# DATABASE_URL=")
    parsed = make_url(url)
    server = compose()["services"]["postgres"]["environment"]
    assert parsed.drivername == "postgresql+psycopg"
    assert (parsed.host, parsed.port) == ("postgres", 5432)
    assert (parsed.username, parsed.database) == (server["POSTGRES_USER"], server["POSTGRES_DB"])
    # With it, workers elect their leader by PostgreSQL's advisory lock.
    settings = load_settings({"DATABASE_URL": url}, data_dir=tmp_path)
    elector = make_elector(settings.data_dir, settings.database_url)
    assert isinstance(elector, AdvisoryLock)
    elector.release()


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge a compose override file into a base file as `docker compose -f a -f b` does
    (mappings merge, sequences and scalars replace)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def webhook_compose() -> dict[str, Any]:
    override = yaml.safe_load(WEBHOOK_COMPOSE.read_text(encoding="utf-8"))
    return merged(compose(), override)


def test_webhook_profile_runs_two_replicas_behind_caddy() -> None:
    data = webhook_compose()
    assert data["name"] == "tingbao"
    services = data["services"]
    bot = services["bot"]
    assert bot["command"] == ["tingbao", "bot", "--webhook"]
    assert bot["deploy"]["replicas"] == 2
    assert bot["environment"]["TINGBAO_WEBHOOK_PORT"] == "8443"
    assert bot["environment"]["TINGBAO_DATA_DIR"] == "/data"  # one database for both
    assert float(bot["environment"]["TINGBAO_OUTBOX_RATE"]) * 2 <= 30  # Telegram's, shared
    web = services["web"]["environment"]
    # Compose names replicas <project>-<service>-<n>: Caddy gets one upstream per replica.
    upstreams = web["TINGBAO_WEBHOOK_UPSTREAMS"].split()
    assert upstreams == [f"tingbao-bot-{n}:8443" for n in (1, 2)]
    assert web["TINGBAO_WEBHOOK_PATH"] == "/telegram"
    assert "{$TINGBAO_WEBHOOK_UPSTREAMS" in CADDYFILE.read_text(encoding="utf-8")


def test_everything_at_once_two_workers_two_bot_replicas_and_postgres() -> None:
    data = webhook_compose()
    assert started(data, "postgres", "ha") == {"worker", "worker-2", "bot", "web", "postgres"}
    bot = data["services"]["bot"]
    assert bot["deploy"]["replicas"] == 2 and bot["command"][-1] == "--webhook"
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_tingbao_command_in_compose_parses() -> None:
    services = compose()["services"]
    names = [n for n, s in services.items() if s.get("command", [""])[0] == "tingbao"]
    assert sorted(names) == ["bot", "phone", "wechat", "worker", "worker-2"]
    commands = [services[n]["command"] for n in names]
    commands += [services[n]["healthcheck"]["test"][1:] for n in names if n != "phone"]
    commands.append(webhook_compose()["services"]["bot"]["command"])
    parser = build_parser()
    for command in commands:
        assert command[0] == "tingbao"
        args = parser.parse_args(command[1:])
        assert callable(args.handler)


def test_dockerfile_is_slim_and_non_root() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.splitlines()[1] == "FROM python:3.11-slim"
    assert "\nUSER tingbao\n" in text
    assert 'CMD ["tingbao", "check", "--no-voice"]' in text
    for copied in ("pyproject.toml", "README.md", "tingbao"):
        assert (ROOT / copied).exists()


def run_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the compose health check command here, as the containers would."""
    return subprocess.run(
        [sys.executable, "-m", "tingbao.cli.main", "check", "--no-voice"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.subprocess
def test_healthcheck_command_runs_here(tmp_path: Path) -> None:
    env = {**os.environ, "TINGBAO_DATA_DIR": str(tmp_path / "data")}
    done = run_check(env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("healthy")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/no/such/folder/x.db"
    broken = run_check(env)
    assert broken.returncode == 1
    assert "FAIL database" in broken.stdout and broken.stdout.strip().endswith("unhealthy")


@pytest.mark.subprocess
def test_postgres_healthcheck_command_runs_here(postgres_server: PostgresServer) -> None:
    test = compose()["services"]["postgres"]["healthcheck"]["test"]
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{test[1]}"))
    assert found, "pg_isready is missing (Debian's postgresql package)"

    def ready(port: int) -> int:
        # In the container the command reaches the server on its own socket; here, over TCP.
        command = [found[-1], *test[2:], "-h", postgres_server.host, "-p", str(port)]
        return subprocess.run(command, capture_output=True, timeout=30, check=False).returncode

    assert ready(postgres_server.port) == 0
    assert ready(free_port()) == 2  # no answer: unhealthy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.subprocess
def test_caddyfile_serves_public_with_ranges_types_and_cors(tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed (scripts/install-system-deps.sh installs it)")
    public = tmp_path / "public"
    (public / "audio").mkdir(parents=True)
    (public / "audio" / "a.mp3").write_bytes(bytes(range(256)) * 40)
    (public / "audio" / "a.vtt").write_text("WEBVTT\n", encoding="utf-8")
    (public / "feed.xml").write_text("<rss/>", encoding="utf-8")
    (public / ".secret").write_text("x", encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "TINGBAO_PUBLIC_DIR": str(public),
        "TINGBAO_WEB_PORT": str(port),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    valid = subprocess.run(
        [caddy, "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert valid.returncode == 0, valid.stderr
    with caddy_running(caddy, env, port) as base:
        request = urllib.request.Request(f"{base}/audio/a.mp3", headers={"Range": "bytes=100-199"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 206
            assert response.headers["Content-Type"] == "audio/mpeg"
            assert response.headers["Content-Range"] == "bytes 100-199/10240"
            assert response.read() == (bytes(range(256)) * 40)[100:200]
        with urllib.request.urlopen(f"{base}/audio/a.vtt", timeout=5) as response:
            assert response.headers["Content-Type"].startswith("text/vtt")
            assert response.headers["Access-Control-Allow-Origin"] == "*"
        with urllib.request.urlopen(f"{base}/feed.xml", timeout=5) as response:
            assert response.headers["Content-Type"].startswith("application/rss+xml")
        with pytest.raises(urllib.error.HTTPError) as hidden:
            urllib.request.urlopen(f"{base}/.secret", timeout=5)
        assert hidden.value.code == 404
        hidden.value.close()


class Upstream:
    """A stand-in bot replica: answers 200 and records the path and secret header of each call."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[tuple[str, str | None, bytes]] = []
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                secret = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
                upstream.seen.append((self.path, secret, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.slow
@pytest.mark.subprocess
def test_caddy_routes_the_webhook_to_every_replica_with_the_secret(tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed (scripts/install-system-deps.sh installs it)")
    replicas = [Upstream("a"), Upstream("b")]
    port = free_port()
    env = {
        **os.environ,
        "TINGBAO_PUBLIC_DIR": str(tmp_path),
        "TINGBAO_WEB_PORT": str(port),
        "TINGBAO_WEBHOOK_UPSTREAMS": " ".join(f"127.0.0.1:{r.port}" for r in replicas),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    try:
        with caddy_running(caddy, env, port) as base:
            for n in range(4):
                assert (
                    post_webhook(f"{base}/telegram", b'{"update_id": %d}' % n, "s3cret_-X") == 200
                )
            # Round robin over both replicas; path, secret header and body pass through unchanged.
            assert [len(r.seen) for r in replicas] == [2, 2]
            calls = sorted(call for r in replicas for call in r.seen)
            assert calls == [("/telegram", "s3cret_-X", b'{"update_id": %d}' % n) for n in range(4)]
            # A replica that is down fails one call at most (502: Telegram retries it later); from
            # then on it is skipped and every call reaches the other one.
            replicas[0].close()
            statuses = [
                post_webhook(f"{base}/telegram", b'{"update_id": %d}' % n, "s3cret_-X")
                for n in range(4, 10)
            ]
            assert statuses.count(502) <= 1 and statuses.count(200) >= 5, statuses
            assert len(replicas[1].seen) == 2 + statuses.count(200)
            # Everything else is still the static site, not the bot.
            with pytest.raises(urllib.error.HTTPError) as other:
                urllib.request.urlopen(f"{base}/telegram-not", timeout=5)
            assert other.value.code == 404
            other.value.close()
    finally:
        replicas[1].close()
