"""`tingbao phone`, as a deployment runs it: settings from the environment, the library prepared
from the data dir, the line registered with kamailio, a call answered, SIGTERM ends it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.phone.conftest import PASSWORD
from tests.phone.library import Prepared
from tests.phone.sipkit import Caller, Kamailio, free_port, free_port_block, wait_connected
from tingbao.phone.stats import phone_stats

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


USER = "paper"  # not the session line's user: kamailio keeps one registration per user


@pytest.mark.parametrize("command", [["phone"], ["run"]])
def test_the_line_answers_a_call_and_stops_on_sigterm(
    tmp_path: Path,
    prepared: Prepared,
    callers: Callable[[int], list[Caller]],
    command: list[str],
) -> None:
    """`tingbao phone` alone, and `tingbao run`, which answers the line when SIP is set."""
    registrar = Kamailio(tmp_path / "kamailio", USER, PASSWORD)
    rtp_low = free_port_block(51)
    env = {
        **os.environ,
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "TINGBAO_SIP_SERVER": f"127.0.0.1:{registrar.port}",
        "TINGBAO_SIP_USER": USER,
        "TINGBAO_SIP_PASSWORD": PASSWORD,
        "TINGBAO_SIP_LISTEN": f"127.0.0.1:{free_port()}",
        "TINGBAO_RTP_PORTS": f"{rtp_low}-{rtp_low + 50}",
        "TINGBAO_HTTP_PORT": str(free_tcp_port()),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    log = tmp_path / "phone.log"
    program = [sys.executable, "-m", "tingbao.cli.main", "--data-dir", str(prepared.data)]
    with log.open("wb") as out:
        line = subprocess.Popen([*program, *command], env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while "phone line registered" not in log.read_text("utf-8", "replace"):
            assert line.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        (caller,) = callers(1)
        caller.dial(f"sip:{USER}@127.0.0.1:{registrar.port}")
        wait_connected(caller)
        time.sleep(3.0)
        caller.hang_up()
        heard = caller.recording()
        loud = np.abs(heard[8000:]).mean()  # after pyVoIP's one second before answering
        assert loud > 0.01, loud  # the welcome was heard, not silence
        line.send_signal(signal.SIGTERM)
        assert line.wait(timeout=20) == 0, log.read_text()
    finally:
        if line.poll() is None:
            line.kill()
        registrar.close()
    text = log.read_text("utf-8", "replace")
    assert PASSWORD not in text and "library ready" in text
    assert phone_stats(prepared.db, days=1).total_calls >= 1
