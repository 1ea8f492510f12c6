"""A registrar that cannot be reached, as the probe met it: `tingbao phone` pointed at a closed
port printed a traceback after 95 s. Now a port that refuses or a name that does not resolve is
one line at once, a registrar that stays silent is given up within the registration wait and a
few seconds, and a real kamailio answers the probe."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.phone.sipkit import Kamailio, free_port, free_port_block
from tingbao.phone.errors import LineError
from tingbao.phone.line import probe_registrar
from tingbao.phone.pyvoip import REGISTER_ANSWER_S, PyVoipStack
from tingbao.phone.settings import HostPort


def closed_udp_port() -> int:
    """Return a UDP port on 127.0.0.1 that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_registrar() -> Iterator[int]:
    """A UDP port that takes every request and never answers (a registrar behind a firewall)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        yield int(server.getsockname()[1])


@pytest.mark.slow
@pytest.mark.subprocess
def test_tingbao_phone_on_a_closed_port_says_so_in_one_line_at_once(tmp_path: Path) -> None:
    port = closed_udp_port()
    env = {
        **os.environ,
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "TINGBAO_SIP_SERVER": f"127.0.0.1:{port}",
        "TINGBAO_SIP_PASSWORD": "line-secret-never-shown",
        "TINGBAO_SIP_LISTEN": f"127.0.0.1:{free_port()}",
    }
    env.pop("DATABASE_URL", None)
    program = [sys.executable, "-m", "tingbao.cli.main", "--data-dir", str(tmp_path), "phone"]
    started = time.monotonic()
    done = subprocess.run(program, env=env, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    assert done.returncode == 1
    said = [line for line in done.stderr.splitlines() if line.startswith("tingbao: ")]
    assert said == [
        f"tingbao: phone: nothing answers SIP at 127.0.0.1:{port} (connection refused); "
        "check TINGBAO_SIP_SERVER and that the registrar runs"
    ]
    assert "Traceback" not in done.stderr and "line-secret-never-shown" not in done.stderr
    assert "library ready" not in done.stderr  # said before any speech was made
    assert took < 20, took  # start-up and the database included; it was 95 s


def test_the_probe_refuses_a_closed_port_and_an_unknown_host() -> None:
    port = closed_udp_port()
    started = time.monotonic()
    with pytest.raises(LineError, match=r"nothing answers SIP at 127\.0\.0\.1:\d+ \(connection"):
        probe_registrar(HostPort("127.0.0.1", port), "news")
    assert time.monotonic() - started < 1.0
    with pytest.raises(LineError, match=r"cannot reach the registrar no-such-host\.invalid:5060"):
        probe_registrar(HostPort("no-such-host.invalid", 5060), "news")


def test_the_probe_lets_a_silent_registrar_pass(silent_registrar: int) -> None:
    assert probe_registrar(HostPort("127.0.0.1", silent_registrar), "news", wait_s=0.2) is False


@pytest.mark.slow
def test_a_kamailio_answers_the_probe(kamailio: Kamailio) -> None:
    assert probe_registrar(HostPort("127.0.0.1", kamailio.port), "news") is True


@pytest.mark.slow
def test_a_silent_registrar_is_given_up_soon_and_cleanly(silent_registrar: int) -> None:
    rtp_low = free_port_block(11)
    stack = PyVoipStack(
        ("127.0.0.1", silent_registrar),
        "news",
        "secret",
        ("127.0.0.1", free_port()),
        (rtp_low, rtp_low + 10),
        register_wait_s=3.0,
    )
    before = set(threading.enumerate())
    started = time.monotonic()
    with pytest.raises(LineError, match=r"could not register news on 127\.0\.0\.1:\d+"):
        stack.start(lambda call: None)
    took = time.monotonic() - started
    # The wait, and at most one REGISTER in flight (pyVoIP's own 30 s waits took 90 s).
    assert took < 3.0 + REGISTER_ANSWER_S + 1.0, took
    assert not stack.registered()
    assert set(threading.enumerate()) - before == set()  # no pyVoIP thread left behind
