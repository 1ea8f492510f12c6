"""The worker's side of the channel: the newest issue is queued for the channel once it is
published whole, a correction raises its revision, a back issue is never queued."""

from __future__ import annotations

from sqlalchemy import select

from tests.worker.conftest import CountingAudio, write_small_issue
from tingbao.chat.channel_store import ChannelIssueRow
from tingbao.cli.context import open_context
from tingbao.cli.services import make_services
from tingbao.worker.settings import Settings


def channel_rows(settings: Settings) -> list[tuple[str, str, int]]:
    with open_context(settings) as ctx, ctx.db.session() as session:
        query = select(ChannelIssueRow.issue_id, ChannelIssueRow.channel, ChannelIssueRow.revision)
        return [(r[0], r[1], r[2]) for r in session.execute(query).all()]


async def run_pass(settings: Settings) -> None:
    with open_context(settings) as ctx:
        services = make_services(ctx)
        try:
            for work in services.pipeline.papers:
                work.audio = CountingAudio(ctx.assets, ctx.publisher)
            await services.pipeline.run_inbox()
        finally:
            services.close()


async def test_new_issue_then_correction_then_back_issue(settings: Settings) -> None:
    settings = settings.with_overrides(channel="@jinhongqiao_news")
    inbox = settings.inbox_dir
    write_small_issue(inbox)
    await run_pass(settings)
    issue_id = "jinhongqiao-2021-07-02"
    assert channel_rows(settings) == [(issue_id, "@jinhongqiao_news", 1)]
    write_small_issue(inbox, extra="欢迎老人前来。")  # a correction
    await run_pass(settings)
    assert channel_rows(settings) == [(issue_id, "@jinhongqiao_news", 2)]
    write_small_issue(inbox, name="news-2021-06-02.txt")  # an older issue imported late
    await run_pass(settings)
    assert channel_rows(settings) == [(issue_id, "@jinhongqiao_news", 2)]


async def test_no_channel_queues_nothing(settings: Settings) -> None:
    write_small_issue(settings.inbox_dir)
    await run_pass(settings)
    assert channel_rows(settings) == []
