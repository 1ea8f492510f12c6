"""Long-running modes: `tingbao worker [--once]`, `tingbao build`, and `tingbao run` (everything in
one process: worker, the HTTP server for public/, the bot when a token is set, the phone line
when TINGBAO_SIP_SERVER is set and the WeChat endpoint when WECHAT_TOKEN is set).

Any number of workers may run; one leads (worker/lock.py). `worker` and `run` stand by until they
lead, then start everything they run, beginning with a full pass (inbox and reconcile), which
finishes whatever a dead leader left half-done. A standby `run` serves nothing meanwhile: it takes
over the whole process's work at once. `worker --once` and `build` never wait: while another
worker leads they refuse with one line (that worker does the same work on its own).

SIGTERM or SIGINT stops a leader within seconds, whatever it is doing: the readers' children
(PDF text, OCR) are killed and the file being read stays in the inbox, untouched, for the next
start; the running pass is cancelled; the offline voice's worker processes are killed. Nothing
is half-written: files are published by rename and every stage is redone from the database.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from tingbao.cli.context import open_context
from tingbao.cli.services import make_services
from tingbao.reading import children
from tingbao.store.engine import opening
from tingbao.worker.errors import LeadershipLostError
from tingbao.worker.lock import Elector, lead_now, make_elector, wait_to_lead, watch_lead
from tingbao.worker.pipeline import RunReport
from tingbao.worker.scheduler import RunningJobs, make_scheduler
from tingbao.worker.settings import Settings

log = logging.getLogger("tingbao.worker")
FEEDS = ("feed.xml", "podcast.xml", "atom.xml")
STOP_GRACE_S = 2.0  # how long a cancelled pass may unwind before the voices are stopped under it


def sweep_temp_files(public_dir: Path) -> int:
    """Remove temporary files that a killed writer left behind; return how many."""
    removed = 0
    if public_dir.is_dir():
        for path in public_dir.rglob(".*.tmp"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def prepare(settings: Settings) -> None:
    """Create the data dir's folders and clear what a crash left half-done."""
    folders = [settings.inbox_dir, settings.inbox_done_dir, settings.inbox_failed_dir]
    folders += [settings.paper_inbox(paper) for paper in settings.papers]  # inbox/<slug>/
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    settings.public_dir.mkdir(parents=True, exist_ok=True)
    swept = sweep_temp_files(settings.public_dir)
    if swept:
        log.info("removed %d temporary files left by an interrupted run", swept)


def _summary(report: RunReport) -> str:
    return (
        f"stored {len(report.stored)}, unchanged {len(report.unchanged)}, "
        f"failed {len(report.failed)}, audio made for {len(report.audio)} "
        f"(failed {len(report.audio_failed)}), site {'rebuilt' if report.site_built else 'current'}"
    )


async def run_once(settings: Settings, *, inbox: bool = True) -> RunReport:
    """Do one full pass (inbox, audio, site, outbox) and return what it did; raise
    AlreadyRunningError while another worker leads."""
    with opening(settings.database_url):  # the lock is the first to meet the database
        elector = make_elector(settings.data_dir, settings.database_url)
        lead_now(elector)
    try:
        prepare(settings)
        with open_context(settings) as ctx:
            services = make_services(ctx)
            try:
                pipeline = services.pipeline
                report = await (pipeline.run_inbox() if inbox else pipeline.reconcile())
            finally:
                services.close()
        log.info("pass done: %s", _summary(report))
        return report
    finally:
        elector.release()


def site_urls(settings: Settings) -> list[str]:
    """Return the URLs of the home page and of each paper's feeds."""
    folders = [settings.public_folder(paper) for paper in settings.papers]
    return [settings.feeds.url("")] + [
        settings.feeds.url(folder + name) for folder in folders for name in FEEDS
    ]


async def run_forever(
    settings: Settings, *, serve: bool, bot: bool, demo_samples: Path | None = None
) -> None:
    """Stand by until this process leads, then run the scheduler (and optionally the web server
    and bot) until SIGINT or SIGTERM.

    Raises LeadershipLostError when the lock is lost while leading: the process ends rather than
    work beside a new leader (restarted, it stands by).
    """
    with opening(settings.database_url):
        elector = make_elector(settings.data_dir, settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if await wait_to_lead(elector, stop):
            lost = await lead(
                settings, elector, stop, serve=serve, bot=bot, demo_samples=demo_samples
            )
            if lost is not None:
                raise lost
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        elector.release()


async def lead(
    settings: Settings,
    elector: Elector,
    stop: asyncio.Event,
    *,
    serve: bool,
    bot: bool,
    demo_samples: Path | None,
) -> LeadershipLostError | None:
    """Run everything as the leader until `stop` is set (None) or the lock is lost (the error).

    The bot, the phone line, WeChat and the web server are imported here, not by the module:
    `tingbao build` and `worker --once` start without their libraries."""
    from tingbao.bot.app import start_embedded, stop_embedded
    from tingbao.cli.phone import serve_phone
    from tingbao.cli.services import build_bot
    from tingbao.cli.wechat import serve_wechat
    from tingbao.feeds.server import public_server

    prepare(settings)
    if demo_samples is not None:
        copy_samples(demo_samples, settings)
    with open_context(settings) as ctx:
        services = make_services(ctx, notes_ahead=True)
        pipeline = services.pipeline
        server = public_server(settings.feeds, settings.public_dir) if serve else None
        app = build_bot(settings, ctx.db, ctx.publisher) if bot else None
        first_pass = asyncio.Event()

        async def inbox_job() -> None:
            report = await pipeline.run_inbox()
            if not first_pass.is_set():
                first_pass.set()
                log.info("first pass done: %s", _summary(report))
                if server is not None:
                    for url in site_urls(settings):
                        print(f"  {url}", flush=True)

        running = RunningJobs()
        scheduler = make_scheduler(
            settings, inbox_job, pipeline.reconcile, pipeline.upgrade, running=running
        )
        watcher = asyncio.create_task(watch_lead(elector))
        stopping = asyncio.create_task(stop.wait())
        hang_up = asyncio.Event()
        phone = None
        if settings.phone.enabled:  # TINGBAO_SIP_SERVER: the telephone line too
            phone = asyncio.create_task(serve_phone(ctx, services.engines, hang_up))
            phone.add_done_callback(said_if_failed("the phone line"))
        wechat = None
        if settings.wechat.on:  # WECHAT_TOKEN: the official account's endpoint too
            wechat = asyncio.create_task(serve_wechat(ctx, hang_up))
            wechat.add_done_callback(said_if_failed("the WeChat endpoint"))
        try:
            if server is not None:
                await server.start()
                log.info("serving %s at %s", settings.public_dir, settings.feeds.url(""))
            if app is not None:
                await start_embedded(app)
                log.info("bot started")
            scheduler.start()
            await asyncio.wait({watcher, stopping}, return_when=asyncio.FIRST_COMPLETED)
            lost = watcher.result() if watcher.done() else None
            if lost is not None:
                log.error("leader: %s; stopping so that a standby can lead", lost)
            else:
                log.info("stopping")
            return lost
        finally:
            # Stop the work at once, readers first: a killed child leaves its file in the inbox.
            killed = children.cancel()
            if killed:
                log.info(
                    "stopped %d reading child process(es); their files stay in the inbox", killed
                )
            for task in (watcher, stopping):
                task.cancel()
            if not await running.stop(STOP_GRACE_S):
                log.info(
                    "a scheduled job is still unwinding after %g s; stopping anyway", STOP_GRACE_S
                )
            scheduler.shutdown(wait=False)
            hang_up.set()
            for line in (phone, wechat):
                if line is not None:
                    await asyncio.gather(line, return_exceptions=True)
            if app is not None:
                await stop_embedded(app)
            if server is not None:
                await server.stop()
            services.close()


def said_if_failed(name: str) -> Callable[[asyncio.Task[None]], None]:
    """Return a done-callback that logs, in one line, why a service of `run` stopped early (a
    port in use, a registrar that refuses): the rest of `run` goes on without it."""

    def said(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.error("%s stopped: %s", name, why)

    return said


def copy_samples(samples: Path, settings: Settings) -> int:
    """Put the sample issues into the inbox unless they were processed already; return how many."""
    copied = 0
    for sample in sorted(samples.glob("*")):
        if not sample.is_file() or sample.name.startswith("."):
            continue
        if (settings.inbox_done_dir / sample.name).exists() or (
            settings.inbox_dir / sample.name
        ).exists():
            continue
        shutil.copyfile(sample, settings.inbox_dir / sample.name)
        copied += 1
    return copied
