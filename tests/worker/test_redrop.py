"""Nothing published twice: the same issue dropped again under another name or without a date
is the stored issue (moved to done/, nothing stored, made or announced); a corrected file
replaces its issue; an undated corrected file corrects the stored issue it mostly matches. Each
case runs with subscribers present and counts the "new issue" messages queued."""

from __future__ import annotations

import logging

import pytest

from tests.worker.conftest import World

ISSUE = """金虹桥
社区食堂开张
虹桥镇第一家社区食堂开张，每天供应午餐，老人八折。
食堂由居委会和街道共同开办，菜单每周更换。
消夏活动开始
社区消夏活动开始，活动持续一个月。
本报编审团:
刘芬
投稿邮箱:news@example.cn
新闻热线:021-64059791
"""
FIRST = "news-2021-07-02.txt"
FIRST_ID = "jinhongqiao-2021-07-02"
SUBSCRIBERS = 3  # World adds three


def drop(world: World, name: str, text: str = ISSUE) -> None:
    inbox = world.settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_text(text, encoding="utf-8")


async def stored_first(world: World) -> None:
    drop(world, FIRST)
    report = await world.pipeline.run_inbox()
    assert report.stored == [FIRST_ID] and len(world.outbox_rows()) == SUBSCRIBERS


@pytest.mark.parametrize(
    "name",
    ["news-2021-07-09.txt", "扫描件.txt", "news-2021-07-02-重发.txt"],
    ids=["renamed-other-date", "undated", "renamed-same-date"],
)
async def test_the_same_issue_again_is_that_issue(
    world: World, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    await stored_first(world)
    drop(world, name, ISSUE.replace("本报编审团", "\n本报编审团"))  # spacing aside, the same
    with caplog.at_level(logging.INFO, "tingbao.worker"):
        report = await world.pipeline.run_inbox()
    assert report.stored == [] and report.unchanged == [FIRST_ID]
    assert world.issues.count_issues() == 1
    assert world.audio.rendered == [FIRST_ID] and world.notified == [FIRST_ID]
    assert len(world.outbox_rows()) == SUBSCRIBERS  # no second message to anyone
    assert (world.settings.inbox_done_dir / name).exists()
    said = [r.getMessage() for r in caplog.records if name in r.getMessage()]
    assert len(said) == 1 and FIRST_ID in said[0], said


async def test_a_corrected_file_of_the_same_date_replaces_it(world: World) -> None:
    await stored_first(world)
    drop(world, FIRST, ISSUE.replace("老人八折。", "老人八折，周末休息。"))
    report = await world.pipeline.run_inbox()
    assert report.stored == [FIRST_ID] and world.issues.count_issues() == 1
    assert "周末休息" in world.issues.get_issue(FIRST_ID).articles[0].body_text
    assert len(world.outbox_rows()) == SUBSCRIBERS
    assert world.revised == [FIRST_ID]


async def test_an_undated_corrected_file_corrects_the_issue_it_matches(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await stored_first(world)
    before = world.issues.get_issue(FIRST_ID)
    corrected = ISSUE.replace("老人八折。", "老人八折，周末休息。").replace(
        "消夏活动开始", "消夏活动今起开始"
    )
    drop(world, "改正版.txt", corrected)
    with caplog.at_level(logging.INFO, "tingbao.worker"):
        report = await world.pipeline.run_inbox()
    assert report.stored == [FIRST_ID] and world.issues.count_issues() == 1
    after = world.issues.get_issue(FIRST_ID)
    assert after.published == before.published
    assert after.articles[0].id == before.articles[0].id  # an unchanged title keeps its id
    assert "周末休息" in after.articles[0].body_text
    assert len(world.outbox_rows()) == SUBSCRIBERS
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and FIRST_ID in r.message]
    assert len(warned) == 1 and "改正版.txt" in warned[0].message


async def test_an_undated_new_issue_is_new_and_announced(world: World) -> None:
    await stored_first(world)
    drop(
        world,
        "第11期.txt",
        "金虹桥\n老旧小区加装电梯\n三个小区的加装电梯工程开工，预计年底完工。\n",
    )
    report = await world.pipeline.run_inbox()
    assert len(report.stored) == 1 and report.stored != [FIRST_ID]
    assert world.issues.count_issues() == 2
    assert len(world.outbox_rows()) == 2 * SUBSCRIBERS
