"""`tingbao check`: is this deployment healthy? Settings, database, public/, inbox, voices, bot.

Each service is probed for real: the database answers a query (and the outbox is read), edge-tts
speaks two characters, the offline voice speaks, a small object is written to and deleted from
the bucket of TINGBAO_PUBLISH (else a file in public/), the bot's token gets an answer from
getMe at TELEGRAM_BASE_URL, and a verified WeChat account fetches an access token. Without a
token the bot (or the WeChat endpoint) is off, which is not a failure.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tingbao.audio.edge import EdgeSynthesizer
from tingbao.audio.engines import make_synthesizers
from tingbao.audio.errors import AudioError
from tingbao.audio.offline import OfflineSynthesizer
from tingbao.audio.service import AudioService
from tingbao.bot.errors import BotUnavailableError
from tingbao.bot.health import bot_username
from tingbao.bot.settings import BotSettings
from tingbao.chat.subscribers import SubscriberStore
from tingbao.cli.context import open_context
from tingbao.paper.errors import DatabaseError
from tingbao.publish.errors import PublishError
from tingbao.publish.s3 import PublishTarget, open_s3_publisher
from tingbao.store.engine import failure_line
from tingbao.worker.settings import Settings


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


def _bucket(target: PublishTarget) -> Check:
    try:
        return Check("public", True, open_s3_publisher(target).probe())
    except PublishError as exc:
        return Check("public", False, str(exc))


async def _offline_voice() -> Check:
    engine = OfflineSynthesizer(workers=1)
    try:
        speech = await engine.synthesize("你好。", "cmn", "+0%")
        ok = len(speech.mp3) > 0
        return Check("offline voice", ok, "espeak-ng Mandarin works" if ok else "no audio")
    except AudioError as exc:
        return Check("offline voice", False, f"espeak-ng does not work: {exc}")
    finally:
        engine.close()


async def _bot(settings: BotSettings, timeout_s: float) -> Check:
    if settings.telegram_token is None:
        return Check("bot", True, "off (no TELEGRAM_BOT_TOKEN)", required=False)
    try:
        username = await bot_username(settings, timeout_s)
    except BotUnavailableError as exc:
        return Check("bot", False, str(exc))
    return Check("bot", True, f"{username} answers getMe")


async def run_checks(
    settings: Settings,
    *,
    voices: bool = True,
    bot: bool = True,
    edge_url: str | None = None,
    bot_timeout_s: float = 5.0,
) -> list[Check]:
    """Return every check; the deployment is healthy when every required one is ok.

    edge_url points the edge-tts probe at another server than Microsoft's (tests: a fake one).
    """
    tts = settings.audio.tts
    checks = [Check("settings", True, f"data dir {settings.data_dir}, voice mode {tts}")]
    try:
        with open_context(settings) as ctx:
            with ctx.db.session() as session:
                session.execute(text("SELECT 1"))
            outbox = SubscriberStore(ctx.db).outbox_counts()
            stored = f"{ctx.issues.count_issues()} issues stored"
            waiting = f"outbox: {outbox['pending']} pending, {outbox['sending']} sending"
            checks.append(Check("database", True, f"{stored}, {waiting}"))
            if voices and tts != "offline":
                engines = make_synthesizers(settings.audio, edge=EdgeSynthesizer(wss_url=edge_url))
                audio = AudioService(
                    settings.audio, settings.paper, ctx.issues, ctx.assets, ctx.publisher, engines
                )
                try:
                    reachable = await audio.edge_reachable(timeout_s=10)
                finally:
                    audio.close()
                detail = "reachable" if reachable else "unreachable"
                if tts == "auto" and not reachable:
                    detail += " (the offline voice is used until it is back)"
                checks.append(Check("edge-tts", reachable, detail, required=tts == "edge"))
    except DatabaseError as exc:  # cannot be opened: the line says why, without the password
        checks.append(Check("database", False, str(exc)))
    except SQLAlchemyError as exc:  # opened, then failed
        checks.append(Check("database", False, failure_line(exc, settings.database_url)))
    if voices and tts != "edge":
        checks.append(await _offline_voice())
    if settings.publish is not None:
        checks.append(_bucket(settings.publish))
    else:
        checks.append(_writable("public", settings.public_dir))
    checks.append(_writable("inbox", settings.inbox_dir))
    if bot:  # the worker's own health does not hang on Telegram being reachable
        checks.append(await _bot(settings.bot, bot_timeout_s))
        checks.append(await _wechat(settings))
    return checks


async def _wechat(settings: Settings) -> Check:
    wechat = settings.wechat
    if not wechat.on:
        return Check("wechat", True, "off (no WECHAT_TOKEN)", required=False)
    if wechat.missing():
        return Check("wechat", False, f"needs {', '.join(wechat.missing())}")
    mode = "safe mode" if wechat.safe_mode else "plaintext mode"
    if not wechat.can_call_api:
        return Check("wechat", True, f"endpoint ready ({mode}; not verified: replies only)")
    from tingbao.cli.wechat import wechat_api
    from tingbao.wechat.errors import WechatError

    try:
        with open_context(settings) as ctx:
            api = wechat_api(ctx)
            assert api is not None
            await asyncio.to_thread(api.access_token)
    except (WechatError, DatabaseError) as exc:
        return Check("wechat", False, f"no access token: {exc}")
    return Check("wechat", True, f"endpoint ready ({mode}); an access token was fetched")


def healthy(checks: list[Check]) -> bool:
    """Return whether every required check passed."""
    return all(c.ok for c in checks if c.required)


def check(settings: Settings, *, voices: bool = True, bot: bool = True) -> tuple[bool, list[Check]]:
    """Run the checks synchronously."""
    checks = asyncio.run(run_checks(settings, voices=voices, bot=bot))
    return healthy(checks), checks
