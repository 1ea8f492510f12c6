"""The clock: APScheduler 3 says when to look; the database says what is left to do.

misfire_grace_time=None and coalesce=True: after downtime (or a blocked loop) a job whose runs
were missed runs once, not once per missed run and never not at all. max_instances=1: a slow pass
is never overlapped by the next. One scheduler per deployment: job state lives in memory only,
and start-up runs the inbox and reconcile at once, so nothing depends on the scheduler's memory.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from tingbao.paper.settings import Settings

log = logging.getLogger("tingbao.worker")

JOB_DEFAULTS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}

Job = Callable[[], Awaitable[object]]


def logged(name: str, job: Job) -> Callable[[], Awaitable[None]]:
    """Wrap a job so a failure is logged with its name and the schedule goes on."""

    async def run() -> None:
        try:
            await job()
        except Exception:  # a job must never kill the clock; the failure is logged in full
            log.exception("scheduled job %s failed; it runs again at its next time", name)

    run.__name__ = name
    return run


def make_scheduler(
    settings: Settings,
    inbox: Job,
    reconcile: Job,
    upgrade: Job,
    now: Callable[[], datetime] | None = None,
) -> AsyncIOScheduler:
    """Return a scheduler (not started) with the inbox, reconcile and upgrade jobs."""
    scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS)
    start = now() if now else datetime.now().astimezone()
    scheduler.add_job(
        logged("inbox", inbox),
        "interval",
        seconds=settings.inbox_interval_s,
        id="inbox",
        name="inbox",
        next_run_time=start,  # start-up: look at the inbox and reconcile at once
    )
    scheduler.add_job(
        logged("reconcile", reconcile),
        "interval",
        seconds=settings.reconcile_interval_s,
        id="reconcile",
        name="reconcile",
    )
    if settings.tts == "auto":
        scheduler.add_job(
            logged("upgrade", upgrade),
            "interval",
            seconds=settings.upgrade_interval_s,
            id="upgrade",
            name="upgrade",
        )
    return scheduler
