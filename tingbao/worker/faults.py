"""Fault injection for crash tests: TINGBAO_FAULT="point:n" kills this process (SIGKILL) the n-th
time `crash_point(point)` is reached, exactly as `kill -9` would. Unset, it does nothing."""

from __future__ import annotations

import os
import signal
from collections import Counter

_counts: Counter[str] = Counter()


def crash_point(point: str) -> None:
    """Die here with SIGKILL if TINGBAO_FAULT names this point and its count is reached."""
    spec = os.environ.get("TINGBAO_FAULT")
    if not spec:
        return
    name, _, count = spec.partition(":")
    if name != point:
        return
    _counts[point] += 1
    if _counts[point] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
