"""Leases in the database: one holder at a time, kept alive while it works, taken over when its
holder stops renewing it, given back when done."""

from __future__ import annotations

import asyncio

from tingbao.chat.leases import hold_lease, take_lease
from tingbao.store.engine import Database


def test_one_holder_at_a_time_and_renewal(db: Database) -> None:
    assert take_lease(db, "channel", "a", 60)
    assert not take_lease(db, "channel", "b", 60)
    assert take_lease(db, "channel", "a", 60)  # its holder renews it
    assert take_lease(db, "other", "b", 60)  # names are independent


def test_a_lapsed_lease_is_taken_over(db: Database) -> None:
    assert take_lease(db, "channel", "dead", -1)  # taken, then its holder stopped renewing
    assert take_lease(db, "channel", "b", 60)
    assert not take_lease(db, "channel", "dead", 60)  # the old holder cannot take it back


async def test_a_held_lease_outlives_its_length_while_work_goes_on(db: Database) -> None:
    # Lengths of a second, not less: on a loaded machine (CI) a renewal due every few hundred
    # milliseconds was once late, and the test, not the lease, failed.
    async with hold_lease(db, "channel", "a", 1.0) as lease:
        assert lease is not None
        for _ in range(35):  # 3.5 s of work: more than three lease lengths
            await asyncio.sleep(0.1)
            assert lease.held and not take_lease(db, "channel", "b", 1.0)
        async with hold_lease(db, "channel", "b", 1.0) as other:
            assert other is None
    assert take_lease(db, "channel", "b", 1.0)  # given back: no need to wait for it to lapse


async def test_a_lost_lease_says_so(db: Database) -> None:
    async with hold_lease(db, "channel", "a", 0.3) as lease:
        assert lease is not None
        take_lease(db, "channel", "a", -1)  # it lapses (the process stalled)
        assert take_lease(db, "channel", "b", 60)  # and another took it
        await asyncio.sleep(0.25)
        assert not lease.held
