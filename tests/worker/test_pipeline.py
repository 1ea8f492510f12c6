"""The pipeline: inbox handling, idempotence, corrections and the notification outbox."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLE_TXT
from tests.worker.conftest import CountingAudio, World, write_small_issue
from tingbao.audio.errors import AudioFormatError
from tingbao.paper.model import Issue
from tingbao.worker.pipeline import (
    STAGE_AUDIO,
    STAGE_NOTIFIED,
    due_stages,
)


@pytest.mark.parametrize(
    ("done", "due"),
    [
        ({}, [STAGE_AUDIO, STAGE_NOTIFIED]),
        ({STAGE_AUDIO: "h"}, [STAGE_NOTIFIED]),
        ({STAGE_AUDIO: "old"}, [STAGE_AUDIO, STAGE_NOTIFIED]),
        ({STAGE_AUDIO: "h", STAGE_NOTIFIED: "1"}, []),
        ({STAGE_AUDIO: "old", STAGE_NOTIFIED: "1"}, [STAGE_AUDIO]),  # a correction is not news
    ],
)
def test_due_stages(done: dict[str, str], due: list[str]) -> None:
    assert due_stages(done, "h") == due


async def test_drop_processes_everything_once(world: World) -> None:
    inbox = world.settings.inbox_dir
    write_small_issue(inbox)
    report = await world.pipeline.run_inbox()
    issue_id = "jinhongqiao-2021-07-02"
    assert report.stored == [issue_id] and report.audio == [issue_id] and report.site_built
    assert (world.settings.inbox_done_dir / "news-2021-07-02.txt").exists()
    assert not list(inbox.glob("*.txt"))
    assert world.publisher.exists("feed.xml") and world.publisher.exists("index.html")
    assert [r for r in world.outbox_rows()] == [(101, issue_id), (102, issue_id), (103, issue_id)]
    feed = world.publisher.read_bytes("feed.xml").decode()
    assert f"audio/{issue_id}/" in feed  # the enclosure points at the published audio

    # The same file dropped again: stored unchanged, no audio, no build, no second message.
    write_small_issue(inbox)
    again = await world.pipeline.run_inbox()
    assert again.unchanged == [issue_id] and again.stored == []
    assert world.audio.rendered == [issue_id]
    assert len(world.builds) == 1 and not again.site_built
    assert world.notified == [issue_id]
    assert (world.settings.inbox_done_dir / "news-2021-07-02.2.txt").exists()


async def test_corrected_drop_redoes_audio_only_and_keeps_ids(world: World) -> None:
    inbox = world.settings.inbox_dir
    write_small_issue(inbox)
    await world.pipeline.run_inbox()
    before = world.issues.get_issue("jinhongqiao-2021-07-02")
    write_small_issue(inbox, extra="欢迎老人前来。")
    report = await world.pipeline.run_inbox()
    after = world.issues.get_issue(before.id)
    assert report.stored == [before.id]
    assert [a.id for a in after.articles] == [a.id for a in before.articles]
    assert world.audio.rendered == [before.id, before.id]
    assert report.site_built
    assert world.notified == [before.id]  # no second "new issue" message
    assert len(world.outbox_rows()) == 3
    assert world.revised == [before.id]  # the channel is told, once audio and site are rebuilt
    await world.pipeline.reconcile()
    assert world.revised == [before.id]


async def test_a_correction_is_told_only_once_its_audio_is_made(world: World) -> None:
    inbox = world.settings.inbox_dir
    write_small_issue(inbox)
    await world.pipeline.run_inbox()
    assert world.revised == []  # a new issue is announced, not revised
    world.audio.fail = True
    write_small_issue(inbox, extra="欢迎老人前来。")
    await world.pipeline.run_inbox()
    assert world.revised == []  # its posts would point at audio of the old text
    world.audio.fail = False
    await world.pipeline.reconcile()
    assert world.revised == ["jinhongqiao-2021-07-02"]


async def test_bad_file_does_not_stop_good_ones(world: World) -> None:
    inbox = world.settings.inbox_dir
    inbox.mkdir(parents=True)
    (inbox / "a-broken.txt").write_bytes(bytes(range(256)) * 8)
    (inbox / "b-empty.md").write_bytes(b"")
    write_small_issue(inbox, name="c-2021-07-02.txt")
    report = await world.pipeline.run_inbox()
    assert sorted(report.failed) == ["a-broken.txt", "b-empty.md"]
    assert report.stored == ["jinhongqiao-2021-07-02"]
    failed = world.settings.inbox_failed_dir
    reason = (failed / "a-broken.txt.error.txt").read_text(encoding="utf-8")
    assert reason.count("\n") == 1 and "binary" in reason
    assert "empty" in (failed / "b-empty.md.error.txt").read_text(encoding="utf-8")
    assert (failed / "a-broken.txt").exists()


async def test_audio_failure_is_retried_and_not_announced(world: World) -> None:
    write_small_issue(world.settings.inbox_dir)
    world.audio.fail = True
    report = await world.pipeline.run_inbox()
    assert report.audio_failed == ["jinhongqiao-2021-07-02"]
    assert world.notified == []
    assert world.publisher.exists("feed.xml")  # text is published meanwhile
    world.audio.fail = False
    retry = await world.pipeline.reconcile()
    assert retry.audio == ["jinhongqiao-2021-07-02"]
    assert world.notified == ["jinhongqiao-2021-07-02"]


class BadFormatAudio(CountingAudio):
    """An audio maker whose files come out in the wrong format (a bug, not a passing fault)."""

    async def render_issue(self, issue: Issue, *, remove_dropped: bool = True) -> None:
        raise AudioFormatError("tagging changed the audio frames")


async def test_bad_audio_format_is_caught_and_not_announced(world: World) -> None:
    world.work.audio = BadFormatAudio(world.assets, world.publisher)
    write_small_issue(world.settings.inbox_dir)
    report = await world.pipeline.run_inbox()
    assert report.audio_failed == ["jinhongqiao-2021-07-02"]
    assert world.notified == []
    assert world.publisher.exists("feed.xml")


async def test_sample_through_the_pipeline(world: World) -> None:
    world.settings.inbox_dir.mkdir(parents=True)
    (world.settings.inbox_dir / SAMPLE_TXT.name).write_bytes(SAMPLE_TXT.read_bytes())
    report = await world.pipeline.run_inbox()
    assert report.stored == ["jinhongqiao-2020-07-30"]
    index = world.publisher.read_bytes("index.html").decode()
    assert "虹桥镇召开2020年年中工作会议" in index


async def test_back_issues_are_not_announced(world: World) -> None:
    inbox = world.settings.inbox_dir
    write_small_issue(inbox, name="news-2021-07-02.txt")
    write_small_issue(inbox, name="news-2021-06-02.txt", extra="六月。")
    write_small_issue(inbox, name="news-2021-05-02.txt", extra="五月。")
    report = await world.pipeline.run_inbox()
    assert len(report.stored) == 3
    assert world.notified == ["jinhongqiao-2021-07-02"]
    assert {issue for _, issue in world.outbox_rows()} == {"jinhongqiao-2021-07-02"}
    write_small_issue(inbox, name="news-2021-04-02.txt", extra="四月。")  # an old one, later
    await world.pipeline.run_inbox()
    assert world.notified == ["jinhongqiao-2021-07-02"]


async def test_dropped_article_audio_goes_only_after_the_site_stops_linking_it(
    world: World,
) -> None:
    inbox = world.settings.inbox_dir
    write_small_issue(inbox)
    await world.pipeline.run_inbox()
    issue = world.issues.get_issue("jinhongqiao-2021-07-02")
    dropped = issue.articles[1]
    dropped_path = f"audio/{issue.id}/{dropped.id}.mp3"
    seen_during_build: list[bool] = []
    original_build = world.work.build_site

    def build_and_look() -> object:
        seen_during_build.append(world.publisher.exists(dropped_path))
        return original_build()

    world.work.build_site = build_and_look
    text = (world.settings.inbox_done_dir / "news-2021-07-02.txt").read_text(encoding="utf-8")
    shorter = text.split("消夏活动开始")[0] + text[text.index("本报编审团") :]
    (inbox / "news-2021-07-02.txt").write_text(shorter, encoding="utf-8")
    await world.pipeline.run_inbox()
    assert seen_during_build == [True]  # still there while the old feed linked it
    assert not world.publisher.exists(dropped_path)
    assert world.audio.removed == [dropped_path]
    assert dropped_path not in world.publisher.read_bytes("feed.xml").decode()
