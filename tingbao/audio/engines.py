"""Build the engines a deployment uses from its settings (TINGBAO_TTS=edge|offline|auto, and
TINGBAO_OFFLINE_VOICE=kokoro|espeak for the offline one)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from tingbao.audio.cache import DirectoryCache, PieceCache
from tingbao.audio.edge import EdgeSynthesizer
from tingbao.audio.errors import SynthesisError
from tingbao.audio.kokoro import KokoroSynthesizer
from tingbao.audio.kokoro_files import ModelFileError, model_path, unavailable_reason
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.render import Rendered, render_script
from tingbao.audio.script import Script
from tingbao.audio.settings import AudioSettings
from tingbao.audio.speaker import Speaker
from tingbao.audio.speech import Synthesizer

log = logging.getLogger("tingbao.audio")


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
            speak = first.speak
            return await render_script(
                script, lambda t: speak(t, voice, rate), piece_limit(first, limit)
            ), False
        except SynthesisError:
            if first is offline or offline is None or not fallback:
                raise
        return await render_script(
            script, lambda t: offline.speak(t, voice, rate), piece_limit(offline, limit)
        ), True

    def close(self) -> None:
        """Stop worker processes."""
        for speaker in self.speakers():
            close = getattr(speaker.engine, "close", None)
            if callable(close):
                close()


def piece_limit(speaker: Speaker, limit: int) -> int:
    """Return the piece size for a speaker: limit, or less where its engine asks for smaller
    pieces (the neural voice: pieces spread over its processes, and the first ones come soon)."""
    wanted = getattr(speaker.engine, "piece_chars", None)
    return min(limit, wanted) if isinstance(wanted, int) else limit


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
        offline_engine = offline if offline is not None else offline_synthesizer(settings)
        # Offline failures are bugs, not outages: no breaker pause.
        offline_options = {
            **options,
            "concurrency": max(options["concurrency"], 3),
            "cooldown_s": 0,
        }
        offline_speaker = Speaker(offline_engine, cache, **offline_options)
    return Engines(edge_speaker, offline_speaker, edge_engine)


def offline_synthesizer(settings: AudioSettings) -> Synthesizer:
    """Return the offline engine of settings.offline_voice: the neural voice (its model
    assembled first, once) or espeak-ng; espeak-ng too, after one log line saying why, when the
    neural voice cannot run here. In espeak mode nothing of the neural voice is loaded."""
    espeak = OfflineSynthesizer()
    if settings.offline_voice == "espeak":
        return espeak
    reason = unavailable_reason(settings.models_dir)
    if reason is None:
        try:
            model_path(settings.models_dir)
        except (ModelFileError, OSError) as exc:
            reason = str(exc)
    if reason is not None:
        log.warning("the neural offline voice is not available (%s): espeak-ng speaks", reason)
        return espeak
    return KokoroSynthesizer(settings.models_dir, fallback=espeak)
