"""The clock: APScheduler 3 says when to look; the database says what is left to do.

misfire_grace_time=None and coalesce=True: after downtime (or a blocked loop) a job whose runs
were missed runs once, not once per missed run and never not at all. max_instances=1: a slow pass
is never overlapped by the next. One scheduler per deployment: job state lives in memory only,
and start-up runs the inbox and reconcile at once, so nothing depends on the scheduler's memory.

Stopping (SIGTERM) does not wait for a pass to finish: `RunningJobs.stop` cancels the jobs that
are running and waits a few seconds for them to unwind. Every stage is idempotent and redone at
the next start, so a cancelled pass loses only the work it was doing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from tingbao.paper.errors import ReadingCancelledError
from tingbao.worker.settings import Settings

log = logging.getLogger("tingbao.worker")

JOB_DEFAULTS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}

Job = Callable[[], Awaitable[object]]


class RunningJobs:
    """The scheduled jobs running now, so that stopping can cancel them and wait for them."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False

    async def stop(self, timeout_s: float) -> bool:
        """Cancel the running jobs (and any that start from now on) and wait up to timeout_s
        for them to end; return whether they all did."""
        self.stopping = True
        tasks = set(self.tasks)
        for task in tasks:
            task.cancel()
        if not tasks:
            return True
        _, pending = await asyncio.wait(tasks, timeout=timeout_s)
        return not pending


def logged(
    name: str, job: Job, running: RunningJobs | None = None
) -> Callable[[], Awaitable[None]]:
    """Wrap a job so a failure is logged with its name and the schedule goes on; with running,
    the job can be stopped (its cancellation while stopping is the end of it, not a failure)."""

    async def run() -> None:
        task = asyncio.current_task()
        if running is not None:
            if running.stopping:
                return
            if task is not None:
                running.tasks.add(task)
        try:
            await job()
        except asyncio.CancelledError:
            if running is None or not running.stopping:
                raise
            log.info("scheduled job %s stopped: the worker is stopping", name)
        except ReadingCancelledError:
            # The reader's child was killed because the process is stopping: the file stays.
            log.info("scheduled job %s stopped while reading; the file stays in the inbox", name)
        except Exception:  # a job must never kill the clock; the failure is logged in full
            log.exception("scheduled job %s failed; it runs again at its next time", name)
        finally:
            if running is not None and task is not None:
                running.tasks.discard(task)

    run.__name__ = name
    return run


def make_scheduler(
    settings: Settings,
    inbox: Job,
    reconcile: Job,
    upgrade: Job,
    now: Callable[[], datetime] | None = None,
    running: RunningJobs | None = None,
) -> AsyncIOScheduler:
    """Return a scheduler (not started) with the inbox, reconcile and upgrade jobs (tracked in
    running, when given, so that they can be stopped)."""
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
            logged(name, job, running), "interval", seconds=seconds, id=name, name=name, **options
        )
    return scheduler
