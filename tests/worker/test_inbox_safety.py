"""One bad file never stops the paper: a failing issue, a file still being written, undated and
far-future issues, oversize files, links and pipes, names with newlines, a flood of files."""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import time
from pathlib import Path

import pytest

from tests.worker.conftest import SMALL_ISSUE, World, write_small_issue
from tingbao.paper.model import Issue
from tingbao.store.engine import Database
from tingbao.worker.pipeline import STAGE_AUDIO
from tingbao.worker.settings import Settings

OTHER_ISSUE = """金虹桥
老旧小区加装电梯
8月1日，三个小区的加装电梯工程开工。
预计年底完工。
"""


class TagBugAudio:
    """Wraps the counting audio maker: one issue's audio raises as the ID3 tagger once did."""

    def __init__(self, inner: object, bad: str) -> None:
        self.inner = inner
        self.bad = bad
        self.tried: list[str] = []

    async def render_issue(self, issue: Issue, *, remove_dropped: bool = True) -> None:
        self.tried.append(issue.id)
        if issue.id == self.bad:
            raise ValueError("bytes must be in range(0, 256)")
        await self.inner.render_issue(issue, remove_dropped=remove_dropped)  # type: ignore[attr-defined]

    def remove_dropped(self, issue: Issue) -> list[str]:
        return self.inner.remove_dropped(issue)  # type: ignore[attr-defined,no-any-return]

    async def upgrade_offline(self) -> int:
        return 0


def error_line(failed: Path, name: str) -> str:
    return (failed / f"{name}.error.txt").read_text(encoding="utf-8")


async def test_one_issue_failing_does_not_block_the_others(world: World) -> None:
    bad = "jinhongqiao-2021-07-02"
    audio = TagBugAudio(world.audio, bad)
    world.work.audio = audio
    write_small_issue(world.settings.inbox_dir, "news-2021-07-02.txt")
    (world.settings.inbox_dir / "news-2021-08-01.txt").write_text(OTHER_ISSUE, encoding="utf-8")

    report = await world.pipeline.run_inbox()

    assert sorted(report.stored) == [bad, "jinhongqiao-2021-08-01"]
    assert report.audio == ["jinhongqiao-2021-08-01"] and report.audio_failed == [bad]
    assert report.site_built and "jinhongqiao-2021-08-01" in world.notified
    feed = (world.settings.public_dir / "feed.xml").read_text(encoding="utf-8")
    assert "老旧小区加装电梯" in feed  # the later issue reached the feed
    [failure] = world.issues.failures(bad)
    assert failure.stage == STAGE_AUDIO and "bytes must be in range" in failure.reason
    assert failure.attempts == 1

    again = await world.pipeline.reconcile()  # retried at the next pass, still alone
    assert again.audio_failed == [bad] and world.issues.failures(bad)[0].attempts == 2
    audio.bad = ""  # fixed (a new release): the next pass makes it and clears the failure
    fixed = await world.pipeline.reconcile()
    assert fixed.audio == [bad] and world.issues.failures() == []


async def test_a_file_still_being_written_waits_for_the_next_pass(
    settings: Settings, db: Database
) -> None:
    world = World(settings.with_overrides(inbox_settle_s=0.3), db)
    path = settings.inbox_dir / "news-2021-07-02.txt"
    half = len(SMALL_ISSUE) // 3
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(SMALL_ISSUE[:half], encoding="utf-8")  # the first write of a slow upload

    def upload_goes_on(seconds: float) -> None:
        with path.open("a", encoding="utf-8") as out:  # the second write, while the pass waits
            out.write(SMALL_ISSUE[half:])
        time.sleep(seconds)

    world.pipeline.sleep = upload_goes_on
    first = await world.pipeline.run_inbox()
    assert first.stored == [] and first.failed == [] and first.waiting == [path.name]
    assert path.exists() and not (settings.inbox_dir / "done").exists()

    world.pipeline.sleep = time.sleep  # the upload is over
    second = await world.pipeline.run_inbox()
    assert second.stored == ["jinhongqiao-2021-07-02"]
    issue = world.issues.get_issue("jinhongqiao-2021-07-02")
    assert [a.title for a in issue.articles] == ["社区食堂开张", "消夏活动开始"]


async def test_undated_issues_of_a_day_are_two_and_a_correction_replaces_its_own(
    world: World,
) -> None:
    inbox = world.settings.inbox_dir
    write_small_issue(inbox, "第10期.txt")
    (inbox / "第11期.txt").write_text(OTHER_ISSUE.replace("8月1日，", ""), encoding="utf-8")
    first = await world.pipeline.run_inbox()
    assert len(first.stored) == 2 and len(set(first.stored)) == 2
    assert world.issues.count_issues() == 2
    [small] = [
        i for i in first.stored if world.issues.get_issue(i).articles[0].title == "社区食堂开张"
    ]
    before = world.issues.get_issue(small)

    # The same issue corrected (a paragraph fixed, a title changed), under another file name.
    write_small_issue(inbox, "第10期-改.txt", extra="周末休息。")
    text = (inbox / "第10期-改.txt").read_text(encoding="utf-8").replace("消夏活动开始", "消夏活动")
    (inbox / "第10期-改.txt").write_text(text, encoding="utf-8")
    second = await world.pipeline.run_inbox()
    assert second.stored == [small] and world.issues.count_issues() == 2
    after = world.issues.get_issue(small)
    assert after.articles[0].id == before.articles[0].id  # unchanged title, same id
    assert "周末休息。" in after.articles[0].body_text


async def test_impossible_and_far_future_dates(world: World) -> None:
    inbox = world.settings.inbox_dir
    write_small_issue(inbox, "news-2099-12-31.txt")
    write_small_issue(inbox, "news-2021-02-30.txt")
    report = await world.pipeline.run_inbox()
    assert report.failed == ["news-2099-12-31.txt"]
    line = error_line(inbox / "failed", "news-2099-12-31.txt")
    assert "2099-12-31" in line and "31 days after today" in line and line.count("\n") == 1
    [stored] = report.stored
    assert not stored.startswith("jinhongqiao-2099") and world.issues.count_issues() == 1


async def test_an_oversize_file_is_refused_without_being_read(
    settings: Settings, db: Database
) -> None:
    world = World(settings.with_overrides(max_input_bytes=1024 * 1024), db)
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    huge = inbox / "news-2021-07-09.txt"
    with huge.open("wb") as out:
        out.truncate(1536 * 1024 * 1024)  # 1.5 GB, sparse: reading it would take 1.5 GB
    write_small_issue(inbox)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    report = await world.pipeline.run_inbox()
    took = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert report.failed == [huge.name] and report.stored == ["jinhongqiao-2021-07-02"]
    assert "1536.0 MB, over the 1 MB limit" in error_line(inbox / "failed", huge.name)
    assert grown_mb < 200 and took < 20


async def test_links_and_pipes_are_refused_and_moved_themselves(
    world: World, tmp_path: Path
) -> None:
    inbox = world.settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (inbox / "news-2021-07-05.txt").symlink_to(secret)
    os.mkfifo(inbox / "news-2021-07-06.txt")
    write_small_issue(inbox)

    report = await asyncio.wait_for(world.pipeline.run_inbox(), timeout=30)  # a FIFO never blocks

    assert sorted(report.failed) == ["news-2021-07-05.txt", "news-2021-07-06.txt"]
    assert report.stored == ["jinhongqiao-2021-07-02"]
    failed = inbox / "failed"
    assert (failed / "news-2021-07-05.txt").is_symlink()  # the link moved, not its target
    assert secret.read_text(encoding="utf-8").startswith("root:")
    assert "symbolic link" in error_line(failed, "news-2021-07-05.txt")
    assert "not a regular file" in error_line(failed, "news-2021-07-06.txt")
    assert world.issues.count_issues() == 1
    public = world.settings.public_dir
    assert not any("root:x:0" in p.read_text(errors="replace") for p in public.rglob("*.xml"))


async def test_a_newline_in_a_file_name_cannot_split_a_log_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = world.settings.inbox_dir
    write_small_issue(inbox, "news\nERROR forged-2021-07-02.txt")
    (inbox / "bad\nline.doc").write_bytes(b"\xd0\xcf\x11\xe0 not a doc")
    with caplog.at_level(logging.INFO, logger="tingbao.worker"):
        report = await world.pipeline.run_inbox()
    assert report.stored == ["jinhongqiao-2021-07-02"] and report.failed == ["bad\nline.doc"]
    lines = [
        r.getMessage()
        for r in caplog.records
        if "news" in r.getMessage() or "bad" in r.getMessage()
    ]
    assert lines and all("\n" not in line for line in lines)
    assert any("'news\\nERROR forged-2021-07-02.txt'" in line for line in lines)


async def test_a_pass_reads_for_at_most_an_interval_and_the_rest_wait(
    settings: Settings, db: Database
) -> None:
    world = World(settings.with_overrides(inbox_interval_s=0), db)
    for day in ("01", "02", "03"):
        path = write_small_issue(settings.inbox_dir, f"news-2021-07-{day}.txt", extra=day)
        stamp = time.time() - 100 + int(day)  # oldest first
        os.utime(path, (stamp, stamp))
    first = await world.pipeline.run_inbox()
    assert first.stored == ["jinhongqiao-2021-07-01"]
    assert first.waiting == ["news-2021-07-02.txt", "news-2021-07-03.txt"]
    assert first.site_built  # what was stored is published without waiting for the rest
    second = await world.pipeline.run_inbox()
    assert second.stored == ["jinhongqiao-2021-07-02"]
