"""Benchmark the phone line with real parts: kamailio (deploy/kamailio.cfg) and baresip callers on
127.0.0.1 calling the line (pyVoIP) in this process, with a small issue read by the offline voice.

- key to audio: a caller presses 1 during the welcome; the time from the key to the article's
  first sound in the caller's recording (read from the recording's size at the key press).
- concurrent calls: N callers listen to articles at once; the longest gap between two RTP
  packets the line sent on any call (goal: none over 60 ms with 8 calls on 2 cores).
- CPU per call: this process's CPU time over the window, per call, as a share of one core.

    .venv/bin/python bench/phone.py [--calls 8] [--seconds 10] [--presses 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import soundfile

from tests.phone.library import Prepared, prepare_library
from tests.phone.sipkit import Caller, Kamailio, find, free_port, free_port_block, u8_to_float
from tingbao.phone.line import Line, tune_for_audio
from tingbao.phone.menu import Timing
from tingbao.phone.pyvoip import PyVoipStack

USER, PASSWORD = "news", "bench-secret"
_sends: dict[int, list[float]] = defaultdict(list)
_sends_lock = threading.Lock()


def watch_rtp() -> None:
    """Note the time of every RTP packet the line encodes (just before it is sent)."""
    from pyVoIP import RTP

    original = RTP.RTPClient.encode_packet

    def timed(self: RTP.RTPClient, payload: bytes) -> bytes:
        with _sends_lock:
            _sends[id(self)].append(time.monotonic())
        return original(self, payload)

    RTP.RTPClient.encode_packet = timed  # type: ignore[method-assign]


def recorded_samples(caller: Caller) -> int:
    """Return how many samples the caller's recording holds so far (16-bit WAV, 44-byte head)."""
    found = sorted(caller.records.glob("*-dec.wav"))
    return max(0, (found[-1].stat().st_size - 44) // 2) if found else 0


def key_latency(
    work: Path, silence: Path, uri: str, prepared: Prepared, presses: int
) -> list[float]:
    """Return, per call, seconds from pressing 1 to the article's first sound."""
    article = u8_to_float(prepared.library.audio(prepared.issue.articles[0].id, False))
    out = []
    for n in range(presses):
        caller = Caller(work / f"latency{n}", silence)
        try:
            caller.dial(uri)
            assert caller.wait_for("Call established", 10)
            time.sleep(1.5)
            at_key = recorded_samples(caller) / 8000
            caller.key("1")
            time.sleep(2.0)
            caller.hang_up()
            heard = caller.recording()
            at_article, score = find(heard, article[:8000])
            if score > 0.8:
                out.append(at_article - at_key)
        finally:
            caller.close()
    return out


def concurrent(work: Path, silence: Path, uri: str, calls: int, seconds: float) -> dict[str, float]:
    """Hold `calls` calls playing articles; return the longest RTP gap and CPU per call."""
    group = [Caller(work / f"busy{n}", silence) for n in range(calls)]
    try:
        for caller in group:
            caller.dial(uri)
        for caller in group:
            assert caller.wait_for("Call established", 15), caller.log()[-1000:]
        time.sleep(0.5)
        for n, caller in enumerate(group):
            caller.key(str(n % 3 + 1))
        time.sleep(0.5)
        with _sends_lock:
            _sends.clear()
        cpu0, wall0 = time.process_time(), time.monotonic()
        time.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        with _sends_lock:
            streams = [list(times) for times in _sends.values()]
        for caller in group:
            caller.hang_up()
    finally:
        for caller in group:
            caller.close()
    gaps = [float(np.max(np.diff(times))) for times in streams if len(times) > 2]
    return {
        "streams": float(len(streams)),
        "max_gap_ms": 1000 * max(gaps, default=float("nan")),
        "cpu_per_call_pct": 100 * cpu / wall / calls,
        "cpu_total_pct": 100 * cpu / wall,
    }


def measure(work: Path, silence: Path, kamailio: Kamailio, args: argparse.Namespace) -> None:
    """Prepare the library, start the line on kamailio, measure and print."""
    prepared, service = prepare_library(work / "data")
    line = Line(prepared.library, None, Timing(max_call_s=300, menu_silence_s=120))
    low = free_port_block(401)
    stack = PyVoipStack(
        ("127.0.0.1", kamailio.port),
        USER,
        PASSWORD,
        ("127.0.0.1", free_port()),
        (low, low + 400),
    )
    uri = f"sip:{USER}@127.0.0.1:{kamailio.port}"
    try:
        stack.start(line.answer)
        latencies = key_latency(work, silence, uri, prepared, args.presses)
        print(
            f"key to audio: median {1000 * float(np.median(latencies)):.0f} ms, "
            f"max {1000 * max(latencies):.0f} ms over {len(latencies)} presses (goal < 300 ms)"
        )
        for calls in sorted({1, args.calls}):
            found = concurrent(work, silence, uri, calls, args.seconds)
            print(
                f"{calls} concurrent calls for {args.seconds:.0f} s: "
                f"longest RTP gap {found['max_gap_ms']:.0f} ms (goal <= 60), "
                f"CPU {found['cpu_per_call_pct']:.1f}% of a core per call "
                f"({found['cpu_total_pct']:.0f}% in all), "
                f"{found['streams']:.0f} streams; {os.cpu_count()} cores"
            )
    finally:
        stack.stop()
        service.close()
        prepared.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--presses", type=int, default=5)
    args = parser.parse_args()
    watch_rtp()
    tune_for_audio()  # as run_line does
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        silence = work / "silence.wav"
        soundfile.write(silence, np.zeros(8000 * 120, dtype=np.int16), 8000, subtype="PCM_16")
        kamailio = Kamailio(work / "kamailio", USER, PASSWORD)
        try:
            measure(work, silence, kamailio, args)
        finally:
            kamailio.close()


if __name__ == "__main__":
    main()
