"""A fake edge-tts websocket server on 127.0.0.1 that the real edge-tts client talks to.

It speaks the protocol edge-tts 7.3.1 expects (speech.config, ssml in; binary audio frames,
audio.metadata with SentenceBoundary offsets, turn.end out) and answers with real MP3 audio in
the shared format: 5 characters a second of a tone, slower when the SSML asks for a lower rate.
Faults are switched on per test: an HTTP status on handshake, no audio, a connection closed
halfway, latency.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from email.utils import formatdate
from html import unescape

import numpy as np
from aiohttp import WSMsgType, web

from tingbao.audio.mp3 import FRAME_SECONDS, SILENT_FRAME, encode_pcm
from tingbao.audio.speech import rate_factor
from tingbao.audio.text import speakable_chars, split_sentences

CHARS_PER_SECOND = 5.0
TICKS = 10_000_000
_SSML = re.compile(r"<prosody[^>]*rate='([^']*)'[^>]*>(.*)</prosody>", re.S)


def _tone_block() -> bytes:
    """Return about one second of a 440 Hz tone as frames of the shared format."""
    t = np.arange(24000) / 24000
    pcm = (np.sin(2 * np.pi * 440 * t) * 6000).astype("<i2").tobytes()
    return encode_pcm(pcm, 24000).data


TONE = _tone_block()


def audio_for(seconds: float) -> bytes:
    """Return tone frames lasting seconds (whole tone blocks, then silent frames)."""
    frames = round(seconds / FRAME_SECONDS)
    block_frames = len(TONE) // 144
    blocks, rest = divmod(frames, block_frames)
    return TONE * blocks + SILENT_FRAME * rest


@dataclass
class Faults:
    """What the server does wrong, and to how many requests (-1: all of them)."""

    status: int | None = None  # HTTP status instead of the websocket handshake
    no_audio: bool = False
    truncate: bool = False  # send timings for everything, half the audio, then hang up
    times: int = -1
    latency_s: float = 0.0  # added before answering each request


@dataclass
class FakeEdge:
    """State of the fake service, for assertions."""

    faults: Faults = field(default_factory=Faults)
    connections: int = 0
    requests: int = 0  # ssml messages answered with audio
    texts: list[str] = field(default_factory=list)
    rates: list[str] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    url: str = ""

    def _faulty(self) -> bool:
        if self.faults.times == 0:
            return False
        if self.faults.times > 0:
            self.faults.times -= 1
        return True

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.connections += 1
        faulty = self._faulty()
        if faulty and self.faults.status is not None:
            return web.Response(
                status=self.faults.status, headers={"Date": formatdate(usegmt=True)}
            )
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT or "Path:ssml" not in message.data:
                    continue
                match = _SSML.search(message.data)
                assert match is not None, message.data
                rate, text = match.group(1), unescape(match.group(2))
                self.texts.append(text)
                self.rates.append(rate)
                if self.faults.latency_s:
                    await asyncio.sleep(self.faults.latency_s)
                await self._answer(ws, text, rate, faulty)
                break
        finally:
            self.active -= 1
        await ws.close()
        return ws

    async def _answer(self, ws: web.WebSocketResponse, text: str, rate: str, faulty: bool) -> None:
        await ws.send_str("X-RequestId:1\r\nPath:turn.start\r\n\r\n{}")
        if faulty and self.faults.no_audio:
            await ws.send_str("X-RequestId:1\r\nPath:turn.end\r\n\r\n{}")
            return
        speed = rate_factor(rate)
        position = 0.05
        timings: list[tuple[str, float, float]] = []
        for sentence in split_sentences(text) or [text]:
            seconds = max(0.3, speakable_chars(sentence) / CHARS_PER_SECOND / speed)
            timings.append((sentence, position, seconds))
            position += seconds + 0.1
        audio = audio_for(position + 0.2)
        if faulty and self.faults.truncate:
            for sentence, start, seconds in timings:
                await ws.send_str(_metadata(sentence, start, seconds))
            await _send_audio(ws, audio[: len(audio) // 288 * 144])
            return  # closes without turn.end, as a dropped connection does
        self.requests += 1
        for sentence, start, seconds in timings:
            await ws.send_str(_metadata(sentence, start, seconds))
        await _send_audio(ws, audio)
        await ws.send_str("X-RequestId:1\r\nPath:turn.end\r\n\r\n{}")

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_get("/edge/v1", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.url = f"ws://127.0.0.1:{port}/edge/v1?TrustedClientToken=test"
        return runner


def _metadata(text: str, start: float, seconds: float) -> str:
    body = {
        "Metadata": [
            {
                "Type": "SentenceBoundary",
                "Data": {
                    "Offset": round(start * TICKS),
                    "Duration": round(seconds * TICKS),
                    "text": {"Text": text, "Length": len(text), "BoundaryType": "SentenceBoundary"},
                },
            }
        ]
    }
    return (
        "X-RequestId:1\r\nContent-Type:application/json; charset=utf-8\r\n"
        "Path:audio.metadata\r\n\r\n" + json.dumps(body, ensure_ascii=False)
    )


async def _send_audio(ws: web.WebSocketResponse, audio: bytes) -> None:
    header = b"X-RequestId:1\r\nContent-Type:audio/mpeg\r\nPath:audio\r\n"
    for start in range(0, len(audio), 4320):
        chunk = audio[start : start + 4320]
        await ws.send_bytes(len(header).to_bytes(2, "big") + header + chunk)
