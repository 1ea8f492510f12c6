"""The phone line for real, once per test session: kamailio on 127.0.0.1 with the deployment's
config, a small issue read by the offline voice and published, the worker's PhoneLibrary
prepared from it, and the line (pyVoIP) registered on kamailio with short timers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.phone.library import Prepared, prepare_library
from tests.phone.sipkit import Caller, Kamailio, free_port, free_port_block, missing_binaries
from tingbao.phone.line import Line, tune_for_audio
from tingbao.phone.menu import Timing
from tingbao.phone.pyvoip import PyVoipStack
from tingbao.phone.records import CallRecords
from tingbao.store.engine import Database

USER, PASSWORD = "news", "line-secret"
# Short timers: the menu repeats after 1 s of quiet, 6 s without a key ends the call.
TEST_TIMING = Timing(max_call_s=60, menu_silence_s=6, menu_pause_s=1)


def _install_or_skip() -> None:
    missing = missing_binaries()
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(
            f"{' and '.join(missing)} not installed (Debian: apt-get install kamailio "
            "baresip-core; `make test` does it)"
        )
    packages = ["baresip-core" if m == "baresip" else m for m in missing]
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True)


@pytest.fixture(scope="session")
def kamailio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kamailio]:
    _install_or_skip()
    server = Kamailio(tmp_path_factory.mktemp("kamailio"), USER, PASSWORD)
    yield server
    server.close()


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prepared]:
    found, service = prepare_library(tmp_path_factory.mktemp("phone-data"))
    yield found
    service.close()
    found.db.dispose()


@dataclass
class RunningLine:
    """The registered line and where to call it."""

    line: Line
    uri: str
    db: Database


@pytest.fixture(scope="session")
def running_line(kamailio: Kamailio, prepared: Prepared) -> Iterator[RunningLine]:
    records = CallRecords(prepared.db, PASSWORD.encode())
    line = Line(prepared.library, records, TEST_TIMING)
    rtp_low = free_port_block(201)
    stack = PyVoipStack(
        ("127.0.0.1", kamailio.port),
        USER,
        PASSWORD,
        ("127.0.0.1", free_port()),
        (rtp_low, rtp_low + 200),
    )
    switch = sys.getswitchinterval()
    tune_for_audio()  # for the session's line; given back after, for the other tests
    stack.start(line.answer)
    yield RunningLine(line, f"sip:{USER}@127.0.0.1:{kamailio.port}", prepared.db)
    stack.stop()
    sys.setswitchinterval(switch)


@pytest.fixture(scope="session")
def silence_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "silence.wav"
    soundfile.write(path, np.zeros(8000 * 120, dtype=np.int16), 8000, subtype="PCM_16")
    return path


@pytest.fixture
def callers(tmp_path: Path, silence_wav: Path) -> Iterator[Callable[[int], list[Caller]]]:
    """Start n baresip callers; all are quit at the end of the test."""
    started: list[Caller] = []

    def make(n: int) -> list[Caller]:
        new = [Caller(tmp_path / f"caller{len(started) + i}", silence_wav) for i in range(n)]
        started.extend(new)
        return new

    yield make
    for caller in started:
        caller.close()
