"""Text to speech: reading aloud normalization, engines (edge-tts, offline espeak-ng), assembly.

The worker calls `make_synthesizers(settings.audio)` and `AudioService(...).render_issue(issue)`;
the settings (audio/settings.py) are loaded once by the worker.

The names below are imported when first used: importing one module of this part (a spawned
offline worker imports audio/offline.py; the settings are read by every command) does not load
the engines, the service and their libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tingbao.audio.engines import Engines, make_synthesizers
    from tingbao.audio.service import AudioReport, AudioService

__all__ = ["AudioReport", "AudioService", "Engines", "make_synthesizers"]
_HOMES = {
    "AudioReport": "tingbao.audio.service",
    "AudioService": "tingbao.audio.service",
    "Engines": "tingbao.audio.engines",
    "make_synthesizers": "tingbao.audio.engines",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
