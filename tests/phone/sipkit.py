"""Real SIP parts on 127.0.0.1 for the phone tests and bench/phone.py: Debian's kamailio with
deploy/kamailio.cfg as the registrar, and baresip callers driven through their cons module (UDP
text: /dial, digits, /hangup) that record what they hear (the sndfile module, 8 kHz WAV)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[2]
KAMAILIO_CFG = ROOT / "deploy" / "kamailio.cfg"
BARESIP_MODULES = Path("/usr/lib/baresip/modules")


_TAKEN: set[int] = set()  # ports handed out in this session: never twice
_PICK = random.Random()


def _bindable(port: int, kind: socket.SocketKind) -> bool:
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """Return a port free for both UDP and TCP on 127.0.0.1 (baresip binds both).

    Ports come from below Linux's ephemeral range (32768 and up): there, the client sockets of
    other tests (PostgreSQL, HTTP) could take a port between this check and its use; seen once,
    as baresip's console failing to bind its TCP port.
    """
    for _ in range(1000):
        port = _PICK.randrange(20000, 30000)
        if port in _TAKEN:
            continue
        if _bindable(port, socket.SOCK_DGRAM) and _bindable(port, socket.SOCK_STREAM):
            _TAKEN.add(port)
            return port
    raise RuntimeError("no free port between 20000 and 30000 on 127.0.0.1")


def free_port_block(size: int) -> int:
    """Return the first of size consecutive UDP ports free on 127.0.0.1 (for RTP)."""
    for _ in range(1000):
        low = _PICK.randrange(10000, 20000 - size)
        block = range(low, low + size)
        if _TAKEN.isdisjoint(block) and all(_bindable(p, socket.SOCK_DGRAM) for p in block):
            _TAKEN.update(block)
            return low
    raise RuntimeError(f"no {size} free UDP ports between 10000 and 20000 on 127.0.0.1")


def missing_binaries() -> list[str]:
    """Return which of kamailio and baresip are not installed."""
    return [name for name in ("kamailio", "baresip") if shutil.which(name) is None]


def stop_process(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """Terminate a child we started, then kill it if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


class Kamailio:
    """kamailio with the deployment's config, listening on 127.0.0.1:port."""

    def __init__(self, workdir: Path, user: str, password: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log_path = workdir / "kamailio.log"
        env = {**os.environ, "TINGBAO_SIP_USER": user, "TINGBAO_SIP_PASSWORD": password}
        command = [
            shutil.which("kamailio") or "kamailio",
            *("-DD", "-E", "-f", str(KAMAILIO_CFG)),
            *("-l", f"udp:127.0.0.1:{self.port}"),
            *("-Y", str(workdir), "-w", str(workdir), "-P", str(workdir / "kamailio.pid")),
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 10
        while b"Listening on" not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("kamailio did not start:\n" + self.log_path.read_text())
            time.sleep(0.05)
        time.sleep(0.3)  # the children bind after the banner

    def close(self) -> None:
        stop_process(self.process)


class Caller:
    """One baresip, with its own config folder, SIP port, console port and recordings."""

    def __init__(self, workdir: Path, silence: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.records = workdir / "rec"
        self.records.mkdir(exist_ok=True)
        self.cons_port = free_port()
        sip_port = free_port()
        config = f"""poll_method epoll
sip_listen 127.0.0.1:{sip_port}
audio_player aubridge,sink
audio_alert aubridge,sink
audio_source aufile,{silence}
audio_buffer 20-160
module_path {BARESIP_MODULES}
module account.so
module g711.so
module aufile.so
module aubridge.so
module sndfile.so
module cons.so
module_app menu.so
cons_listen 127.0.0.1:{self.cons_port}
snd_path {self.records}
"""
        (workdir / "config").write_text(config)
        (workdir / "accounts").write_text("<sip:caller@127.0.0.1>;regint=0;audio_codecs=PCMU\n")
        (workdir / "contacts").write_text("")
        self.log_path = workdir / "baresip.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [shutil.which("baresip") or "baresip", "-f", str(workdir), "-n", "127.0.0.1"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 10
        while b"baresip is ready" not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("baresip did not start:\n" + self.log_path.read_text())
            time.sleep(0.05)

    def _send(self, text: str) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            out.sendto(text.encode(), ("127.0.0.1", self.cons_port))

    def dial(self, uri: str) -> None:
        """Call uri."""
        self._send(f"/dial {uri}\n")

    def key(self, digit: str) -> None:
        """Press a key (sent as an RFC 2833 event)."""
        self._send(digit)

    def hang_up(self) -> None:
        """End the call."""
        self._send("/hangup\n")

    def log(self) -> str:
        """Return what baresip printed."""
        return self.log_path.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float) -> bool:
        """Wait until baresip prints text; return whether it did."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def recording(self, timeout: float = 5.0) -> np.ndarray:
        """Return what the caller heard (8 kHz float mono), once the call's file is closed."""
        deadline = time.monotonic() + timeout
        while True:
            found = sorted(self.records.glob("*-dec.wav"))
            if found and "terminated" in self.log():
                time.sleep(0.2)
                data, rate = soundfile.read(found[-1], dtype="float32")
                assert rate == 8000
                return np.asarray(data)
            if time.monotonic() > deadline:
                raise AssertionError("no finished recording:\n" + self.log()[-2000:])
            time.sleep(0.05)

    def close(self) -> None:
        self._send("/quit\n")
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            stop_process(self.process)


def u8_to_float(pcm: bytes) -> np.ndarray:
    """Return 8-bit unsigned PCM as floats in [-1, 1)."""
    return (np.frombuffer(pcm, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0


def find(haystack: np.ndarray, needle: np.ndarray) -> tuple[float, float]:
    """Return where needle best matches in haystack (seconds at 8 kHz) and how well (the
    normalized cross-correlation, 1.0 for a perfect copy)."""
    if len(needle) == 0 or len(haystack) < len(needle):
        return 0.0, 0.0
    size = 1 << int(np.ceil(np.log2(len(haystack) + len(needle))))
    needle = needle - needle.mean()
    spectrum = np.fft.rfft(haystack, size) * np.conj(np.fft.rfft(needle, size))
    corr = np.fft.irfft(spectrum, size)[: len(haystack) - len(needle) + 1]
    energy = np.convolve(haystack**2, np.ones(len(needle)), mode="valid")
    norm = np.sqrt(np.maximum(energy, 1e-9) * float(np.sum(needle**2)))
    score = corr / norm
    best = int(np.argmax(score))
    return best / 8000, float(score[best])


def wait_connected(caller: Caller) -> None:
    """Wait until the caller's call is answered (fail with the end of its log otherwise)."""
    assert caller.wait_for("Call established", 10), caller.log()[-2000:]
