"""Text to speech: reading aloud normalization, engines (edge-tts, offline espeak-ng), assembly.

The worker calls `make_synthesizers(settings)` and `AudioService(...).render_issue(issue)`.
"""

from tingbao.audio.engines import Engines, make_synthesizers
from tingbao.audio.service import AudioReport, AudioService

__all__ = ["AudioReport", "AudioService", "Engines", "make_synthesizers"]
