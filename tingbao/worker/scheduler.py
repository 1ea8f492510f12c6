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

from tingbao.worker.settings import Settings

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
    jobs: list[tuple[str, Job, int, datetime | None]] = [
        # start-up: look at the inbox (and so reconcile) at once
        ("inbox", inbox, settings.inbox_interval_s, start),
        ("reconcile", reconcile, settings.reconcile_interval_s, None),
    ]
    if settings.audio.tts == "auto":
        jobs.append(("upgrade", upgrade, settings.upgrade_interval_s, None))
    for name, job, seconds, first in jobs:
        options: dict[str, Any] = {"next_run_time": first} if first is not None else {}
        scheduler.add_job(
            logged(name, job), "interval", seconds=seconds, id=name, name=name, **options
        )
    return scheduler
