"""Wire the bot: build the Application, register handlers and the outbox job, run or embed it.

Entry points only wire (STYLE 1): `build_application` makes every dependency and hands it to the
handlers; `run_bot` runs it alone, polling (`tingbao bot`, which deletes any webhook first) or
behind our webhook listener (`tingbao bot --webhook`, bot/webhook.py, which sets it, with the
secret token every request must carry); `drain_once` sends the due outbox rows once and returns
(`tingbao bot --once`); `start_embedded`/`stop_embedded` run it inside an existing asyncio loop
(`tingbao run`).
Several replicas may run against one database: outbox.py and updates.py say what each guarantees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from tingbao.bot.admin import AdminHandlers, ParseFn, PublishFn
from tingbao.bot.channel import ChannelJob, ChannelReport
from tingbao.bot.chat import ReaderDeps
from tingbao.bot.files import (
    CLOUD_UPLOAD_LIMIT,
    LOCAL_UPLOAD_LIMIT,
    AudioSender,
    FileIdCache,
    StoredVoiceNotes,
    VoiceNoteSource,
)
from tingbao.bot.health import unavailable
from tingbao.bot.lexicon import LexiconHandlers, lexicon_handlers
from tingbao.bot.listen import Listener
from tingbao.bot.outbox import DrainReport, drain_outbox
from tingbao.bot.reader import Reader
from tingbao.bot.routes import reader_handlers
from tingbao.bot.sending import DEFAULT_LEASE_S
from tingbao.bot.settings import TELEGRAM_CLOUD, BotSettings, WebhookSettings
from tingbao.bot.updates import OnceGuard, PruneJob, SeenUpdates
from tingbao.bot.webhook import WebhookListener, WebhookRoute, make_webhook_app
from tingbao.chat import texts
from tingbao.chat.pacing import TELEGRAM_MESSAGES_PER_S, FloodGate, SendPacer
from tingbao.chat.papers import ChatPapers, Papers
from tingbao.chat.subscribers import SubscriberStore
from tingbao.publish.publisher import Publisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.store.lexicon import LexiconStore

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
BotApp = Application[Any, Any, Any, Any, Any, Any]
COMMANDS = (
    ("start", "开始"),
    ("latest", "最新一期"),
    ("listen", "收听全刊"),
    ("archive", "往期"),
    ("hotline", "新闻热线"),
    ("subscribe", "订阅提醒"),
    ("unsubscribe", "退订"),
    ("search", "找文章"),
    ("help", "帮助"),
)
# Both modes ask for the same updates; they include message, callback_query, inline_query and
# chosen_inline_result, which the handlers answer.
ALLOWED_UPDATES = Update.ALL_TYPES
PRUNE_INTERVAL_S = 3600.0


@dataclass(frozen=True)
class BotOptions:
    """Knobs with Telegram's defaults; tests and benchmarks turn them."""

    outbox_interval_s: float = 5.0
    channel_interval_s: float = 5.0
    send_rate: float = TELEGRAM_MESSAGES_PER_S  # outbox messages per second (<= 0: unlimited)
    per_chat_interval_s: float = 1.0
    overall_rate: float | None = TELEGRAM_MESSAGES_PER_S  # AIORateLimiter; None: none
    send_concurrency: int = 8
    send_read_timeout_s: float = 10.0
    outbox_lease_s: float = DEFAULT_LEASE_S  # > 5 x send_read_timeout_s (see outbox.py)
    concurrent_updates: int = 16
    poll_timeout_s: int = 10


def options_for(settings: BotSettings) -> BotOptions:
    """Return the default knobs, with the outbox's pace, lease and timeout from the settings."""
    rate = settings.outbox_rate
    return BotOptions(
        send_rate=rate,
        # The limiter caps everything the bot sends; never below Telegram's rate for replies.
        overall_rate=max(rate, TELEGRAM_MESSAGES_PER_S) if rate > 0 else None,
        send_read_timeout_s=settings.outbox_timeout_s,
        outbox_lease_s=settings.outbox_lease_s,
    )


def file_base_url(base_url: str) -> str:
    """Return the file download URL that goes with a Bot API base URL (…/bot -> …/file/bot)."""
    root = base_url.rstrip("/")
    if root.endswith("/bot"):
        return root[: -len("bot")] + "file/bot"
    return root + "/file/bot"


class OutboxJob:
    """The repeating job that drains the outbox; one drain at a time."""

    def __init__(self, db: Database, papers: Papers, options: BotOptions) -> None:
        self.db = db
        self.papers = papers
        self.options = options
        self.pacer = SendPacer(options.send_rate, options.per_chat_interval_s)
        self.lock = asyncio.Lock()
        self.last: DrainReport | None = None

    async def __call__(self, context: Context) -> None:
        if self.lock.locked():
            return
        app = context.application
        await self.drain(context.bot, should_stop=lambda: not app.running)

    async def drain(self, bot: Bot, should_stop: Callable[[], bool] = lambda: False) -> DrainReport:
        """Send every due row once (see outbox.py for what that guarantees) and log the result."""
        async with self.lock:
            report = await drain_outbox(
                bot,
                self.db,
                paper_name=lambda slug: self.papers.of(slug).name,
                pacer=self.pacer,
                concurrency=self.options.send_concurrency,
                read_timeout=self.options.send_read_timeout_s,
                lease_s=self.options.outbox_lease_s,
                should_stop=should_stop,
            )
            if report.attempted:
                log.info("outbox: %s", report.summary())
            self.last = report
            return report


class FloodGuard:
    """Drop updates from a user over the per-minute limit, telling them once."""

    def __init__(self, gate: FloodGate) -> None:
        self.gate = gate

    async def __call__(self, update: object, context: Context) -> None:
        if not isinstance(update, Update) or update.effective_user is None:
            return
        verdict = self.gate.check(update.effective_user.id)
        if verdict == "ok":
            return
        if verdict == "warn" and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, texts.TOO_FAST)
        raise ApplicationHandlerStop


async def _post_init(app: BotApp) -> None:
    await app.bot.set_my_commands([BotCommand(name, desc) for name, desc in COMMANDS])


async def _on_error(update: object, context: Context) -> None:
    log.error("bot handler failed: %r", context.error, exc_info=context.error)


@dataclass(frozen=True)
class BotStores:
    """The database and the stores the bot reads and writes; the composition root makes them."""

    db: Database
    issues: IssueStore
    assets: AssetStore
    subscribers: SubscriberStore
    chats: ChatPapers
    lexicon: LexiconStore
    seen: SeenUpdates
    file_ids: FileIdCache


class SaidOnce:
    """Lines a process logs once however often the reason recurs (no token: the bot is off)."""

    def __init__(self) -> None:
        self.said: set[str] = set()

    def warning(self, text: str) -> None:
        """Log text as a warning unless it was already said."""
        if text not in self.said:
            self.said.add(text)
            log.warning(text)


@dataclass(frozen=True)
class Neighbours:
    """What the bot uses of the rest of the deployment; the worker hands it in.

    `papers` are the papers served (and where their pages are), `parse` reads an editor's upload
    for the preview (the paper part's reader), `publish` hands it to the paper's pipeline on 发布
    (its inbox), `publisher` holds the audio, and `public_url` links a file of public/ that is too
    big to upload.
    """

    papers: Papers
    publisher: Publisher
    parse: ParseFn
    publish: PublishFn
    public_url: Callable[[str], str]
    # More lines for /stats from other parts (the telephone line's calls); none by default.
    more_stats: Callable[[], Sequence[str]] = tuple
    # Voice notes made on first request (the audio part's); by default only recorded ones.
    voice_notes: VoiceNoteSource | None = None
    # What this deployment has already said (the bot being off is said once).
    said: SaidOnce = field(default_factory=SaidOnce)


def _application(settings: BotSettings, options: BotOptions, said: SaidOnce) -> BotApp | None:
    """Return an application without handlers, or None (said once) when there is no token.

    The token is kept out of the logs by the redaction the composition root installs at start-up
    (bot/logs.py), before anything can log it.
    """
    if settings.telegram_token is None:
        said.warning(texts.BOT_OFF)
        return None
    token = settings.telegram_token.get()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(file_base_url(settings.telegram_base_url))
        .concurrent_updates(options.concurrent_updates)
        .post_init(_post_init)
    )
    if options.overall_rate is not None:
        limiter = AIORateLimiter(overall_max_rate=options.overall_rate, overall_time_period=1)
        return builder.rate_limiter(limiter).build()
    return builder.build()


def is_cloud(settings: BotSettings) -> bool:
    """Return whether the bot talks to Telegram's own Bot API server (its smaller file limits)."""
    return settings.telegram_base_url.rstrip("/") == TELEGRAM_CLOUD


def audio_sender(settings: BotSettings, stores: BotStores, neighbours: Neighbours) -> AudioSender:
    """Return the audio sender: files from public/, uploaded once, under the server's size limit."""
    limit = CLOUD_UPLOAD_LIMIT if is_cloud(settings) else LOCAL_UPLOAD_LIMIT
    return AudioSender(neighbours.publisher, stores.file_ids, limit)


def build_application(
    settings: BotSettings,
    stores: BotStores,
    neighbours: Neighbours,
    *,
    options: BotOptions | None = None,
) -> BotApp | None:
    """Return the bot application wired to the store, or None (said once) when there is no token."""
    options = options or options_for(settings)
    app = _application(settings, options, neighbours.said)
    if app is not None:
        register(app, settings, stores, neighbours, options)
    return app


def register(
    app: BotApp,
    settings: BotSettings,
    stores: BotStores,
    neighbours: Neighbours,
    options: BotOptions,
) -> None:
    """Register every handler and the outbox job on app."""
    cloud = is_cloud(settings)
    db, store, assets = stores.db, stores.issues, stores.assets
    papers = neighbours.papers
    subscribers, chats = stores.subscribers, stores.chats
    audio = audio_sender(settings, stores, neighbours)
    deps = ReaderDeps(
        papers,
        chats,
        neighbours.public_url,
        store,
        assets,
        audio.publisher,
        subscribers,
        audio,
        neighbours.voice_notes or StoredVoiceNotes(assets),
    )
    reader = Reader(deps)
    admin = AdminHandlers(
        settings,
        chats,
        store,
        subscribers,
        parse=neighbours.parse,
        publish=neighbours.publish,
        more_stats=neighbours.more_stats,
        download_limit=(20 if cloud else 2000) * 1024 * 1024,
    )
    seen = stores.seen
    if settings.webhook is not None:
        # Only webhook deliveries are retried to another replica; getUpdates hands each update to
        # one consumer. Before anything answers.
        app.add_handler(TypeHandler(Update, OnceGuard(seen)), group=-2)
    app.add_handler(
        TypeHandler(Update, FloodGuard(FloodGate(settings.bot_user_messages_per_minute))), group=-1
    )
    app.add_handler(CommandHandler("stats", admin.stats))
    app.add_handler(MessageHandler(filters.Document.ALL, admin.document))
    app.add_handler(MessageHandler(filters.PHOTO, admin.photo))
    app.add_handler(CallbackQueryHandler(admin.callback, pattern=r"^(pub|drop):"))
    # /读音: before the readers' handlers, which take any other text as a search.
    app.add_handlers(lexicon_handlers(LexiconHandlers(stores.lexicon, admin.is_admin)))
    app.add_handlers(reader_handlers(reader, Listener(deps)))  # their stale-button catch-all last
    app.add_error_handler(_on_error)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            OutboxJob(db, papers, options),
            interval=options.outbox_interval_s,
            first=min(1.0, options.outbox_interval_s),
            name="outbox",
            job_kwargs={"max_instances": 3},
        )
        app.job_queue.run_repeating(
            PruneJob(seen), interval=PRUNE_INTERVAL_S, first=PRUNE_INTERVAL_S, name="prune"
        )
        if settings.has_channel:
            app.job_queue.run_repeating(
                ChannelJob(
                    db, papers, neighbours.public_url, audio, lease_s=settings.channel_lease_s
                ),
                interval=options.channel_interval_s,
                first=min(1.0, options.channel_interval_s),
                name="channel",
                job_kwargs={"max_instances": 3},
            )
    app.bot_data["reader"] = reader
    app.bot_data["admin"] = admin


async def start_embedded(app: BotApp, poll_timeout_s: int = 10) -> None:
    """Start the bot inside a running asyncio loop (`tingbao run`)."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    if app.updater is not None:
        await app.updater.start_polling(timeout=poll_timeout_s, poll_interval=0.0)


async def stop_embedded(app: BotApp) -> None:
    """Stop a bot started by start_embedded; in-flight outbox sends finish first."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


def run_bot(app: BotApp | None, webhook: WebhookSettings | None = None) -> bool:
    """Run the bot until interrupted (`tingbao bot`); return False when there is none (no token).

    Without webhook settings it polls, and PTB's polling start deletes any webhook first, so
    switching back from webhook mode needs nothing more. With them (`--webhook`) our own listener
    (bot/webhook.py: the secret checked before a byte of the body is read, the body capped)
    answers on webhook.listen:port at the URL's path, and setWebhook tells Telegram the URL and
    the secret. The worker wires this entry point and hands in an application from
    build_application.
    """
    if app is None:
        return False
    if webhook is None:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
        return True
    asyncio.run(serve_webhook(app, webhook))
    return True


WEBHOOK_MAX_CONNECTIONS = 40  # what PTB's run_webhook asks Telegram for


async def serve_webhook(
    app: BotApp, webhook: WebhookSettings, stop: asyncio.Event | None = None
) -> None:
    """Answer webhook calls until SIGINT or SIGTERM (or stop), in PTB's run_webhook order.

    Initialize (getMe) and post_init, start the listener, setWebhook with the URL and the secret,
    start the Application; on the way out stop the listener first, then the Application.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    secret = webhook.secret.get()  # redacted from the logs since start-up (bot/logs.py)
    route = WebhookRoute(webhook.path, secret)
    listener = WebhookListener(
        make_webhook_app(route, app.bot, app.update_queue.put), webhook.listen, webhook.port
    )
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await listener.start()
        log.info("Webhook listening on %s:%d%s", webhook.listen, listener.port, webhook.path)
        await app.bot.set_webhook(
            url=webhook.url,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=WEBHOOK_MAX_CONNECTIONS,
            secret_token=secret,
        )
        await app.start()
        await stop.wait()
    finally:
        await listener.stop()
        if app.running:
            await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


@dataclass(frozen=True)
class OnceReport:
    """What `tingbao bot --once` did: the outbox drain, and the channel sync (None: no channel)."""

    outbox: DrainReport
    channel: ChannelReport | None


async def drain_once(
    settings: BotSettings,
    stores: BotStores,
    neighbours: Neighbours,
    options: BotOptions | None = None,
) -> OnceReport | None:
    """Send the due outbox rows and bring the channel up to date once, then return (`tingbao bot
    --once`, like arq's --burst).

    Return None (said once) without a token; raise BotUnavailableError, in one line without the
    token, when the Bot API server cannot be reached or refuses the token.
    """
    options = options or options_for(settings)
    app = _application(settings, options, neighbours.said)  # no handlers: only sending
    if app is None:
        return None
    db = stores.db
    try:
        async with app:  # initialize() asks getMe; shutdown() on the way out
            papers = neighbours.papers
            outbox = await OutboxJob(db, papers, options).drain(app.bot)
            channel = None
            if settings.has_channel:
                audio = audio_sender(settings, stores, neighbours)
                job = ChannelJob(
                    db, papers, neighbours.public_url, audio, lease_s=settings.channel_lease_s
                )
                channel = await job.sync(app.bot)
            return OnceReport(outbox, channel)
    except TelegramError as exc:
        raise unavailable(exc, settings.telegram_base_url) from None
    finally:
        await app.bot.shutdown()  # the Application skips it when initialize() failed
