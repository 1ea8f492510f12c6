"""Build the engines a deployment uses from its settings (TINGBAO_TTS=edge|offline|auto)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tingbao.audio.cache import DirectoryCache, PieceCache
from tingbao.audio.edge import EdgeSynthesizer
from tingbao.audio.errors import SynthesisError
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.render import Rendered, render_script
from tingbao.audio.script import Script
from tingbao.audio.settings import AudioSettings
from tingbao.audio.speaker import Speaker
from tingbao.audio.speech import Synthesizer


@dataclass
class Engines:
    """The speakers of a mode: auto has both, edge and offline one each; probe checks edge."""

    edge: Speaker | None
    offline: Speaker | None
    probe: Synthesizer | None  # the raw edge engine, for `edge_reachable` in every mode

    def speakers(self) -> list[Speaker]:
        """Return the speakers in use."""
        return [s for s in (self.edge, self.offline) if s is not None]

    def preferred(self) -> Speaker:
        """Return the speaker tried first: the online voice where there is one."""
        speaker = self.edge or self.offline
        assert speaker is not None, "make_synthesizers always returns a speaker"
        return speaker

    async def render(
        self, script: Script, voice: str, rate: str, limit: int, *, fallback: bool = True
    ) -> tuple[Rendered, bool]:
        """Return script spoken by the preferred voice or, when that fails and fallback allows,
        by the offline voice; and whether it fell back."""
        first = self.preferred()
        offline = self.offline
        try:
            return await render_script(script, lambda t: first.speak(t, voice, rate), limit), False
        except SynthesisError:
            if first is offline or offline is None or not fallback:
                raise
        return await render_script(script, lambda t: offline.speak(t, voice, rate), limit), True

    def close(self) -> None:
        """Stop worker processes."""
        for speaker in self.speakers():
            close = getattr(speaker.engine, "close", None)
            if callable(close):
                close()


def make_synthesizers(
    settings: AudioSettings,
    *,
    cache: PieceCache | None = None,
    edge: Synthesizer | None = None,
    offline: Synthesizer | None = None,
    **speaker_options: Any,
) -> Engines:
    """Return the engines for settings.tts; pass edge/offline/cache to replace the real ones."""
    cache = cache if cache is not None else DirectoryCache(settings.cache_dir)
    edge_engine = edge if edge is not None else EdgeSynthesizer()
    options: dict[str, Any] = {"concurrency": settings.tts_concurrency, **speaker_options}
    edge_speaker = offline_speaker = None
    if settings.tts in ("edge", "auto"):
        edge_speaker = Speaker(edge_engine, cache, **options)
    if settings.tts in ("offline", "auto"):
        offline_engine = offline if offline is not None else OfflineSynthesizer()
        # Offline failures are bugs, not outages: no breaker pause.
        offline_options = {
            **options,
            "concurrency": max(options["concurrency"], 3),
            "cooldown_s": 0,
        }
        offline_speaker = Speaker(offline_engine, cache, **offline_options)
    return Engines(edge_speaker, offline_speaker, edge_engine)
