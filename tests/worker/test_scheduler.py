"""The clock: start-up runs at once, and downtime across scheduled times runs a job once."""

from __future__ import annotations

import asyncio
import time

from tingbao.worker.scheduler import JOB_DEFAULTS, make_scheduler
from tingbao.worker.settings import Settings


def test_job_defaults_never_drop_a_late_run() -> None:
    assert JOB_DEFAULTS == {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


async def test_downtime_across_scheduled_times_runs_the_job_once(settings: Settings) -> None:
    runs: list[float] = []

    async def inbox() -> None:
        runs.append(time.monotonic())

    async def idle() -> None:
        return None

    fast = settings.with_overrides(inbox_interval_s=2, reconcile_interval_s=3600)
    scheduler = make_scheduler(fast, inbox, idle, idle)
    scheduler.start()
    try:
        await asyncio.sleep(0.3)
        assert len(runs) == 1  # start-up run
        time.sleep(4.3)  # the process is frozen: two scheduled times (2 s and 4 s) pass
        await asyncio.sleep(0.3)
        assert len(runs) == 2  # one catch-up run, not two and not none
    finally:
        scheduler.shutdown(wait=False)


async def test_a_failing_job_does_not_stop_the_clock(settings: Settings) -> None:
    calls: list[int] = []

    async def broken() -> None:
        calls.append(1)
        raise RuntimeError("boom")

    async def idle() -> None:
        return None

    fast = settings.with_overrides(inbox_interval_s=1, reconcile_interval_s=3600)
    scheduler = make_scheduler(fast, broken, idle, idle)
    scheduler.start()
    try:
        await asyncio.sleep(1.5)
        assert len(calls) == 2
        assert scheduler.get_job("inbox") is not None
    finally:
        scheduler.shutdown(wait=False)


def test_upgrade_job_only_when_audio_can_fall_back(settings: Settings) -> None:
    async def idle() -> None:
        return None

    def ids(mode: str) -> list[str]:
        scheduler = make_scheduler(settings.with_overrides(tts=mode), idle, idle, idle)
        return sorted(job.id for job in scheduler.get_jobs())

    assert ids("offline") == ["inbox", "reconcile"]
    assert ids("edge") == ["inbox", "reconcile"]
    assert ids("auto") == ["inbox", "reconcile", "upgrade"]
