"""Transcripts and chapter lists: WebVTT and Podcasting 2.0 chapters JSON (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    """A sentence of the transcript and when it is said."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Chapter:
    """A chapter of an episode: its title and where it starts and ends."""

    start_s: float
    end_s: float
    title: str


def vtt_time(seconds: float) -> str:
    """Return seconds as a WebVTT timestamp, HH:MM:SS.mmm."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def _cue_text(text: str) -> str:
    # Cue text may hold no blank line and no "-->", and must escape markup characters.
    text = " ".join(text.split()).replace("-->", "→")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: Sequence[Cue]) -> str:
    """Return a WebVTT file with one numbered cue per sentence."""
    blocks = ["WEBVTT", ""]
    for n, cue in enumerate(cues, 1):
        end = max(cue.end_s, cue.start_s + 0.001)
        blocks += [str(n), f"{vtt_time(cue.start_s)} --> {vtt_time(end)}", _cue_text(cue.text), ""]
    return "\n".join(blocks)


def render_chapters_json(chapters: Sequence[Chapter], title: str | None = None) -> str:
    """Return Podcasting 2.0 chapters (version 1.2.0) with start times in seconds."""
    data: dict[str, object] = {"version": "1.2.0"}
    if title:
        data["title"] = title
    data["chapters"] = [
        {"startTime": round(c.start_s, 3), "endTime": round(c.end_s, 3), "title": c.title}
        for c in chapters
    ]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
