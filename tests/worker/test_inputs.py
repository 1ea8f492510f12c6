"""The printed paper through the inbox: a multi-column print PDF, a Word manuscript and an undated
file dropped together are each stored as the right issue; nothing is refused for want of a date."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from tests.reading.printissue import make_print_issue
from tests.reading.test_docx import para, write_docx
from tests.worker.conftest import World, write_small_issue
from tingbao.reading import formats
from tingbao.reading.dates import today
from tingbao.reading.formats import InputFormat
from tingbao.store.engine import Database
from tingbao.worker.settings import Settings


async def test_print_pdf_docx_and_undated_file_through_the_inbox(world: World) -> None:
    inbox = world.settings.inbox_dir
    inbox.mkdir(parents=True)
    printed = make_print_issue(inbox / "金虹桥-2024-09-10.pdf")
    write_docx(
        inbox / "manuscript-2024-10-01.docx",
        [
            para("重阳节敬老活动温暖人心", "Title"),
            para("10月1日，社区为八十岁以上老人送去重阳糕和慰问品。"),
            para("志愿者还上门为独居老人打扫卫生、检查水电。"),
        ],
    )
    undated = inbox / "第10期.txt"
    undated.write_text(
        "社区举办读书分享会\n\n近日，社区图书室举办读书分享会，居民们畅谈读书心得。\n"
    )
    # Copied with its old modification time kept (cp -p): it still arrived today.
    written = datetime(2024, 11, 3, 10, 0, tzinfo=timezone(timedelta(hours=8))).timestamp()
    os.utime(undated, (written, written))
    arrived = today()

    report = await world.pipeline.run_inbox()

    dated = ["jinhongqiao-2024-09-10", "jinhongqiao-2024-10-01"]
    [undated_id] = [i for i in report.stored if i not in dated]
    assert sorted(report.stored) == sorted([*dated, undated_id])
    # An undated issue's id is the day received and a key from its titles (model.py).
    assert undated_id.startswith(f"jinhongqiao-{arrived.isoformat()}-")
    assert report.failed == []
    paper = world.issues.get_issue("jinhongqiao-2024-09-10")
    assert [a.title for a in paper.articles] == [t.title for t in printed.articles]
    assert paper.articles[0].captions == tuple(printed.articles[0].captions)
    assert paper.contact.hotline == "021-64059791"
    word = world.issues.get_issue("jinhongqiao-2024-10-01")
    assert [a.title for a in word.articles] == ["重阳节敬老活动温暖人心"]
    received = world.issues.get_issue(undated_id)
    assert received.published == arrived  # the day it reached the inbox


def broken_reader(*_: object) -> None:
    raise RuntimeError("a bug in a reader")


async def test_a_reader_bug_fails_that_file_only(settings: Settings, db: Database) -> None:
    broken = InputFormat("broken", "a broken file", (".brk",), "坏", f"{__name__}:broken_reader")
    world = World(settings.with_overrides(formats=(*formats.FORMATS, broken)), db)
    inbox = world.settings.inbox_dir
    inbox.mkdir(parents=True)
    (inbox / "a-2024-09-10.brk").write_bytes(b"x")
    write_small_issue(inbox, name="b-2021-07-02.txt")
    report = await world.pipeline.run_inbox()
    assert report.failed == ["a-2024-09-10.brk"] and report.stored == ["jinhongqiao-2021-07-02"]
    reason = (world.settings.inbox_failed_dir / "a-2024-09-10.brk.error.txt").read_text("utf-8")
    assert "internal error" in reason and reason.count("\n") == 1
