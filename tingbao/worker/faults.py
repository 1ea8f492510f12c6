"""Fault injection for crash tests: TINGBAO_FAULT="point:n" (settings.fault) kills this process
(SIGKILL) the n-th time `crash_point(point)` is reached, exactly as `kill -9` would. Unset, it does
nothing."""

from __future__ import annotations

import os
import signal


class Faults:
    """The crash point a deployment's settings arm, if any; shared by the pipeline and publisher."""

    def __init__(self, spec: str | None = None) -> None:
        name, _, count = (spec or "").partition(":")
        self.point = name or None
        self.count = int(count or 1)
        self.reached = 0

    @property
    def armed(self) -> bool:
        """Return whether a crash point is set."""
        return self.point is not None

    def crash_point(self, point: str) -> None:
        """Die here with SIGKILL if the fault names this point and its count is reached."""
        if point != self.point:
            return
        self.reached += 1
        if self.reached >= self.count:
            os.kill(os.getpid(), signal.SIGKILL)
