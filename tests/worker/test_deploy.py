"""docker-compose.yml, the Dockerfile and the Caddyfile, checked without a Docker engine:
the structure by reading them, the commands they name by running them here."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tingbao.worker.cli import build_parser

COMPOSE = ROOT / "docker-compose.yml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_has_worker_bot_and_web_sharing_one_volume() -> None:
    services = compose()["services"]
    assert set(services) == {"worker", "bot", "web"}
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


def test_every_tingbao_command_in_compose_parses() -> None:
    services = compose()["services"]
    commands = [services[n]["command"] for n in ("worker", "bot")]
    commands += [services[n]["healthcheck"]["test"][1:] for n in ("worker", "bot")]
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
        [sys.executable, "-m", "tingbao.worker.cli", "check", "--no-voice"],
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
    finally:
        server.terminate()
        server.wait(timeout=10)
