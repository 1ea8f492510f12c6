"""Text to speech: reading aloud normalization, engines (edge-tts, offline espeak-ng), assembly.

The worker calls `make_synthesizers(settings.audio)` and `AudioService(...).render_issue(issue)`;
the settings (audio/settings.py) are loaded once by the worker.
"""

from tingbao.audio.engines import Engines, make_synthesizers
from tingbao.audio.service import AudioReport, AudioService

__all__ = ["AudioReport", "AudioService", "Engines", "make_synthesizers"]
