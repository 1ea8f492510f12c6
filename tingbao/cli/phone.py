"""The telephone line in a tingbao process: `tingbao phone`, and the line `tingbao run` starts when
TINGBAO_SIP_SERVER is set.

The line answers from a PhoneLibrary (phone_library.py): the newest issues' audio at 8 kHz and
every prompt spoken in advance. It is prepared before the line registers and again every inbox
interval, so a new or corrected issue is on the line within a minute of its audio, and no call
ever waits for speech. The registrar is probed first (phone/line.py), so a wrong
TINGBAO_SIP_SERVER is one line at once, not after the library is made; `tingbao phone` says a
LineError in one line (cli/main.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from tingbao.audio.engines import Engines, make_synthesizers
from tingbao.cli.context import Context, open_context
from tingbao.phone.library import PhoneLibrary
from tingbao.phone.line import probe_registrar, run_line
from tingbao.worker.settings import Settings

log = logging.getLogger("tingbao.phone")


def build_phone_library(ctx: Context, engines: Engines) -> PhoneLibrary:
    """Return the library of the first paper (one line serves one paper)."""
    settings = ctx.settings
    paper = settings.working_papers[0]
    return PhoneLibrary(
        paper,
        settings.audio.for_paper(paper.slug),
        engines,
        ctx.issues,
        ctx.assets,
        ctx.publisher,
        settings.data_dir / "phone",
        lexicon=ctx.lexicon.lexicon,
    )


async def keep_prepared(library: PhoneLibrary, stop: asyncio.Event, interval_s: float) -> None:
    """Prepare the library every interval until stop is set (a failure is logged and retried)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        if stop.is_set():
            return
        try:
            made = await library.prepare()
        except Exception:  # a periodic job's top level: a failure must never stop the line
            log.exception("phone: preparing the newest issue failed; the line keeps the last one")
            continue
        if made:
            log.info("phone: %d new files for the line", made)


async def serve_phone(ctx: Context, engines: Engines, stop: asyncio.Event) -> None:
    """Prepare the library, then answer calls and keep the library current until stop is set.
    A registrar that does not resolve or refuses is a LineError before anything is prepared."""
    settings = ctx.settings
    server = settings.phone.sip_server
    if server is not None:
        await asyncio.to_thread(probe_registrar, server, settings.phone.sip_user)
    library = build_phone_library(ctx, engines)
    made = await library.prepare()
    log.info("phone: library ready (%d files made)", made)
    refresh = asyncio.create_task(keep_prepared(library, stop, settings.inbox_interval_s))
    try:
        await run_line(settings.phone, library, ctx.db, stop)
    finally:
        refresh.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresh


async def run_phone(settings: Settings) -> None:
    """`tingbao phone`: the line alone, until SIGINT or SIGTERM."""
    if not settings.phone.enabled:
        log.warning("phone line off: set TINGBAO_SIP_SERVER (host:port of the registrar)")
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    engines = make_synthesizers(settings.audio)
    try:
        with open_context(settings) as ctx:
            await serve_phone(ctx, engines, stop)
    finally:
        engines.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
