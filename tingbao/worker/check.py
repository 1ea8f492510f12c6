"""`tingbao check`: is this deployment healthy? Settings, database, public/, inbox, voices, bot."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tingbao.audio.errors import AudioError
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.service import AudioService
from tingbao.paper.settings import Settings
from tingbao.worker.context import open_context


@dataclass(frozen=True)
class Check:
    """One line of the health report."""

    name: str
    ok: bool
    detail: str
    required: bool = True


def _writable(label: str, folder: Path) -> Check:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".check-"):
            pass
    except OSError as exc:
        return Check(label, False, f"{folder} is not writable: {exc.strerror}")
    return Check(label, True, f"{folder} is writable")


async def _offline_voice(settings: Settings) -> Check:
    engine = OfflineSynthesizer(workers=1)
    try:
        speech = await engine.synthesize("你好。", "cmn", "+0%")
        ok = len(speech.mp3) > 0
        return Check("offline voice", ok, "espeak-ng Mandarin works" if ok else "no audio")
    except AudioError as exc:
        return Check("offline voice", False, f"espeak-ng does not work: {exc}")
    finally:
        engine.close()


async def run_checks(settings: Settings, *, voices: bool = True) -> list[Check]:
    """Return every check; the deployment is healthy when every required one is ok."""
    checks = [Check("settings", True, f"data dir {settings.data_dir}, voice mode {settings.tts}")]
    try:
        with open_context(settings) as ctx:
            with ctx.db.session() as session:
                session.execute(text("SELECT 1"))
            checks.append(Check("database", True, f"{ctx.issues.count_issues()} issues stored"))
            if voices and settings.tts != "offline":
                audio = AudioService(settings, ctx.issues, ctx.assets, ctx.publisher)
                try:
                    reachable = await audio.edge_reachable(timeout_s=10)
                finally:
                    audio.close()
                detail = "reachable" if reachable else "unreachable"
                if settings.tts == "auto" and not reachable:
                    detail += " (the offline voice is used until it is back)"
                checks.append(Check("edge-tts", reachable, detail, required=settings.tts == "edge"))
    except SQLAlchemyError as exc:
        checks.append(
            Check("database", False, f"cannot use the database: {exc.__class__.__name__}")
        )
    if voices and settings.tts != "edge":
        checks.append(await _offline_voice(settings))
    checks.append(_writable("public", settings.public_dir))
    checks.append(_writable("inbox", settings.inbox_dir))
    bot = "on" if settings.telegram_token else "off (no TELEGRAM_BOT_TOKEN)"
    checks.append(Check("bot", True, bot, required=False))
    return checks


def healthy(checks: list[Check]) -> bool:
    """Return whether every required check passed."""
    return all(c.ok for c in checks if c.required)


def check(settings: Settings, *, voices: bool = True) -> tuple[bool, list[Check]]:
    """Run the checks synchronously."""
    checks = asyncio.run(run_checks(settings, voices=voices))
    return healthy(checks), checks
