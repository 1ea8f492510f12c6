"""The edge-tts engine: Microsoft's read-aloud voices over a websocket (needs the internet).

edge-tts 7.3.1 is pinned: the service changes its token scheme now and then and only a newer
edge-tts follows it. edge-tts reads its service URL from a module global when it connects, so there
is one per process: the engine sets it when it is built (tests and benchmarks pass the URL of a
fake server on 127.0.0.1), never per request.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import aiohttp
import edge_tts
import edge_tts.communicate
import edge_tts.constants
from edge_tts.exceptions import EdgeTTSException, NoAudioReceived, SkewAdjustmentError

from tingbao.audio.errors import (
    AudioFormatError,
    EngineUnavailableError,
    NoAudioError,
    SynthesisError,
    TransientSynthesisError,
)
from tingbao.audio.marks import for_online
from tingbao.audio.mp3 import parse_frames
from tingbao.audio.speech import ENGINE_EDGE, Boundary, Speech, check_speech

TICKS_PER_SECOND = 10_000_000
SERVICE_URL: str = edge_tts.constants.WSS_URL  # Microsoft's service, as this edge-tts knows it


class EdgeSynthesizer:
    """Speech from edge-tts with sentence timings; every piece is checked before it is kept."""

    name = ENGINE_EDGE

    def __init__(
        self,
        *,
        wss_url: str | None = None,
        connect_timeout_s: int = 10,
        receive_timeout_s: int = 30,
        total_timeout_s: float = 600.0,
    ) -> None:
        self.wss_url = wss_url or SERVICE_URL
        cast(Any, edge_tts.communicate).WSS_URL = self.wss_url
        self.connect_timeout_s = connect_timeout_s
        self.receive_timeout_s = receive_timeout_s
        self.total_timeout_s = total_timeout_s

    def voice_id(self, voice: str) -> str:
        return voice

    async def synthesize(self, text: str, voice: str, rate: str) -> Speech:
        """Return checked speech for text, or raise a SynthesisError subclass."""
        communicate = edge_tts.Communicate(
            for_online(text),
            voice,
            rate=rate,
            boundary="SentenceBoundary",
            connect_timeout=self.connect_timeout_s,
            receive_timeout=self.receive_timeout_s,
        )
        audio = bytearray()
        boundaries: list[Boundary] = []
        try:
            async with asyncio.timeout(self.total_timeout_s):
                async for chunk in communicate.stream():
                    if chunk["type"] == "audio":
                        audio += chunk["data"]
                    elif chunk["type"] == "SentenceBoundary":
                        start = chunk["offset"] / TICKS_PER_SECOND
                        end = start + chunk["duration"] / TICKS_PER_SECOND
                        boundaries.append(Boundary(chunk["text"], start, end))
        except TimeoutError as exc:
            raise TransientSynthesisError("edge-tts timed out") from exc
        except (aiohttp.ClientError, EdgeTTSException, OSError, ValueError, KeyError) as exc:
            raise classify(exc) from exc
        try:
            frames = parse_frames(bytes(audio))
        except AudioFormatError as exc:
            raise TransientSynthesisError(f"edge-tts sent bad audio: {exc}") from exc
        speech = Speech(frames.data, frames.duration_s, tuple(boundaries), ENGINE_EDGE)
        check_speech(text, speech, rate, need_boundaries=True)
        return speech


def classify(exc: BaseException) -> SynthesisError:
    """Map an edge-tts, aiohttp or socket error to a transient or an unavailable error."""
    if isinstance(exc, SynthesisError):
        return exc
    if isinstance(exc, NoAudioReceived):
        return NoAudioError("edge-tts received no audio")
    if isinstance(exc, SkewAdjustmentError):
        return EngineUnavailableError(f"edge-tts refused the token: {exc}")
    if isinstance(exc, aiohttp.ClientResponseError):
        if exc.status in (401, 403, 404):
            return EngineUnavailableError(f"edge-tts refused the connection ({exc.status})")
        return TransientSynthesisError(f"edge-tts answered {exc.status}")
    if isinstance(exc, aiohttp.ClientConnectorError | ConnectionRefusedError):
        return EngineUnavailableError(f"edge-tts is unreachable: {exc}")
    return TransientSynthesisError(f"edge-tts failed: {type(exc).__name__}: {exc}")
