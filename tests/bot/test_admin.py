"""Editors publish by sending a document; everyone else is politely refused."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from tests.bot.conftest import ADMIN, READER, StartBot
from tests.bot.data import save_issues
from tests.bot.fake_api import FakeBotApi
from tests.conftest import SAMPLE_TXT, build_issue
from tests.reading.pdfgen import write_issue_pdf
from tests.reading.printvariant import make_variant
from tests.reading.scans import phone_photo
from tests.reading.test_docx import write_docx
from tests.reading.test_picture import REGIONS, page
from tingbao.bot.admin import LAYOUT_PAGES
from tingbao.chat import texts
from tingbao.chat.papers import ChatPapers
from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.cli.services import bot_neighbours, bot_papers
from tingbao.paper.errors import UndecodableError
from tingbao.paper.model import Issue
from tingbao.paper.settings import PaperSettings
from tingbao.phone.records import CallRecords
from tingbao.publish.publisher import LocalPublisher
from tingbao.reading.docx import OLE_MAGIC
from tingbao.reading.reader import PagesSeen, ReadResult
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings


@dataclass(frozen=True)
class FakeParsed:
    issue: Issue
    warnings: tuple[str, ...] = ()


def fake_parse(path: Path, paper: PaperSettings) -> FakeParsed:
    if path.read_bytes().startswith(b"\xff"):
        raise UndecodableError("the file is neither UTF-8 nor GB18030 text")
    return FakeParsed(build_issue(), ("没有找到出版日期，用了文件名里的日期",))


async def test_admin_previews_then_publishes_into_inbox(
    start_bot: StartBot, bot_settings: Settings
) -> None:
    chat = (await start_bot(parse=fake_parse)).chat(ADMIN)
    [preview] = await chat.upload("金虹桥 2020-07.txt", "标题\n正文".encode())
    assert "2020年7月30日" in preview.text and "虹桥镇召开2020年年中工作会议" in preview.text
    assert "021-64059791" in preview.text and "没有找到出版日期" in preview.text
    assert [label for label, _ in preview.buttons()] == ["发布", "取消"]
    [done] = await chat.press(preview.data_for("发布"))
    assert done.text.startswith("已交给发布流程：金虹桥_2020-07.txt")
    inbox = bot_settings.inbox_dir
    assert [p.name for p in inbox.iterdir()] == ["金虹桥_2020-07.txt"]
    assert (inbox / "金虹桥_2020-07.txt").read_text() == "标题\n正文"
    [again] = await chat.press(preview.data_for("发布"))
    assert again.text == texts.UPLOAD_EXPIRED  # published once only


async def test_admin_cancels(start_bot: StartBot, bot_settings: Settings) -> None:
    chat = (await start_bot(parse=fake_parse)).chat(ADMIN)
    [preview] = await chat.upload("issue.md", b"# x")
    [cancelled] = await chat.press(preview.data_for("取消"))
    assert cancelled.text == texts.CANCELLED
    assert not bot_settings.inbox_dir.exists() or not any(bot_settings.inbox_dir.iterdir())
    assert not any((bot_settings.data_dir / "bot" / "staging").iterdir())


async def test_admin_gets_reasons_for_bad_files(start_bot: StartBot) -> None:
    chat = (await start_bot(parse=fake_parse)).chat(ADMIN)
    [wrong_type] = await chat.upload("issue.xlsx", b"PK")
    assert wrong_type.text == texts.BAD_DOC_TYPE
    [unreadable] = await chat.upload("issue.txt", b"\xff\xfe\x00garbage")
    assert unreadable.text == "读不出这个文件：认不出文字编码，请另存为 UTF-8 文本再发。"


async def test_admin_preview_with_the_real_reader(start_bot: StartBot) -> None:
    chat = (await start_bot()).chat(ADMIN)
    [preview] = await chat.upload("jinhongqiao-2020-07.txt", SAMPLE_TXT.read_bytes())
    assert "虹桥镇召开2020年年中工作会议" in preview.text
    assert "021-64059791" in preview.text or "jinhongqiao" in preview.text
    assert [label for label, _ in preview.buttons()] == ["发布", "取消"]


async def test_publish_callback_injected(start_bot: StartBot) -> None:
    published: list[str] = []

    async def publish(path: Path, paper: PaperSettings) -> str:
        published.append(path.read_text())
        return "第7期"

    chat = (await start_bot(parse=fake_parse, publish=publish)).chat(ADMIN)
    [preview] = await chat.upload("a.txt", "内容".encode())
    [done] = await chat.press(preview.data_for("发布"))
    assert published == ["内容"] and "第7期" in done.text


async def test_readers_are_refused_politely(
    start_bot: StartBot, api: FakeBotApi, store: IssueStore, bot_settings: Settings
) -> None:
    save_issues(store)
    bot = await start_bot(parse=fake_parse)
    reader = bot.chat(READER)
    [refusal] = await reader.upload("news.txt", b"hello")
    assert refusal.text.startswith("谢谢您！") and "jinhongqiao@163.com" in refusal.text
    [stats] = await reader.say("/stats")
    assert stats.text == texts.NOT_ADMIN_COMMAND
    # A reader replaying an editor's button is refused and nothing is published.
    [preview] = await bot.chat(ADMIN).upload("a.txt", b"x")
    start = len(api.calls)
    api.push_callback(READER, preview.data_for("发布"))
    await api.wait_for(lambda: any(c.method == "answerCallbackQuery" for c in api.calls[start:]))
    assert not bot_settings.inbox_dir.exists() or not any(bot_settings.inbox_dir.iterdir())


async def test_empty_admin_list_admits_nobody(start_bot: StartBot, bot_settings: Settings) -> None:
    bot = await start_bot(bot_settings.with_overrides(admins=frozenset()), parse=fake_parse)
    [refusal] = await bot.chat(ADMIN).upload("a.txt", b"x")
    assert refusal.text.startswith("谢谢您！")
    [stats] = await bot.chat(ADMIN).say("/stats")
    assert stats.text == texts.NOT_ADMIN_COMMAND


async def test_stats_for_editors(start_bot: StartBot, store: IssueStore, bot_db: Database) -> None:
    issue = save_issues(store)[0]
    subscribers = SubscriberStore(bot_db)
    subscribers.add_many([1, 2, 3])
    subscribers.unsubscribe(3)
    enqueue_new_issue(bot_db, issue.id)
    bot = await start_bot()
    await bot.api.wait_for(lambda: subscribers.outbox_counts()["sent"] == 2)
    [stats] = await bot.chat(ADMIN).say("/stats")
    assert stats.text.startswith("订阅人数：2（共3人订阅过）")
    assert "已送达2" in stats.text and f"最新一期 {issue.title}：已送达2，待发送0" in stats.text


async def test_stats_show_the_phone_lines_calls(
    start_bot: StartBot, store: IssueStore, bot_db: Database
) -> None:
    issue = save_issues(store)[0]
    records = CallRecords(bot_db, b"key")
    for caller in ("+8621111", "+8621111", "+8621222"):
        call_id, _hash = records.started(caller)
        records.listened(call_id, issue.articles[0].id, issue.id, slow=False)
        records.ended(call_id, "caller_hung_up", keys=2)
    bot = await start_bot()
    [stats] = await bot.chat(ADMIN).say("/stats")
    today = datetime.now(UTC).date()
    assert "电话热线（近7天）：共3通" in stats.text
    assert f"{today.month}月{today.day}日：3通，2位来电者" in stats.text
    assert f"最常收听：1. {issue.articles[0].title}（3次）" in stats.text
    assert "+8621111" not in stats.text


def test_uploads_staged_before_a_restart_are_swept(settings: Settings, db: Database) -> None:
    from tingbao.bot.admin import AdminHandlers

    leftover = settings.data_dir / "bot" / "staging" / "abc123" / "old.txt"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("旧稿", encoding="utf-8")
    neighbours = bot_neighbours(settings, LocalPublisher(settings.public_dir))
    AdminHandlers(
        settings.bot,
        ChatPapers(db, bot_papers(settings)),
        IssueStore(db),
        SubscriberStore(db),
        neighbours.parse,
        neighbours.publish,
    )
    assert not leftover.parent.exists()


def layout_parse(pages: int) -> Callable[[Path, PaperSettings], ReadResult]:
    """Return a parse function whose result has a layout of `pages` drawn pages."""

    def parse(path: Path, paper: PaperSettings) -> ReadResult:
        drawn = tuple(page(n) for n in range(1, pages + 1))
        return ReadResult(build_issue(), (), PagesSeen("pdf", "a PDF", drawn, REGIONS))

    return parse


async def test_admin_preview_shows_what_was_read_where(start_bot: StartBot) -> None:
    chat = (await start_bot(parse=layout_parse(1))).chat(ADMIN)
    picture, preview = await chat.upload("第10期.pdf", b"%PDF-1.4", expect=2)
    assert picture.method == "sendPhoto"
    assert picture.params["caption"] == "版面识别：第1页（编号为阅读顺序）"
    assert picture.files["photo"].startswith(b"\x89PNG")
    assert "虹桥镇召开2020年年中工作会议" in preview.text
    assert [label for label, _ in preview.buttons()] == ["发布", "取消"]


async def test_admin_preview_of_many_pages_sends_the_first_ones(start_bot: StartBot) -> None:
    chat = (await start_bot(parse=layout_parse(6))).chat(ADMIN)
    group, preview = await chat.upload("第10期.pdf", b"%PDF-1.4", expect=2)
    assert group.method == "sendMediaGroup"
    media = group.json("media")
    assert [m["type"] for m in media] == ["photo"] * LAYOUT_PAGES
    assert media[0]["caption"] == "版面识别：第1—4页，共6页（编号为阅读顺序）"
    assert all("caption" not in m for m in media[1:])
    assert len(group.files) == LAYOUT_PAGES
    assert all(data.startswith(b"\x89PNG") for data in group.files.values())
    assert preview.buttons()


async def test_admin_preview_goes_out_when_the_picture_is_refused(
    start_bot: StartBot, api: FakeBotApi
) -> None:
    chat = (await start_bot(parse=layout_parse(1))).chat(ADMIN)
    api.faults[ADMIN] = ["400"]  # Telegram refuses the photo
    refused, preview = await chat.upload("第10期.pdf", b"%PDF-1.4", expect=2)
    assert refused.method == "sendPhoto" and not refused.delivered
    assert preview.delivered and [label for label, _ in preview.buttons()] == ["发布", "取消"]


async def test_admin_preview_of_a_pdf_with_the_real_reader(
    start_bot: StartBot, tmp_path: Path
) -> None:
    pdf = write_issue_pdf(build_issue(), tmp_path / "jinhongqiao-2020-07-30.pdf")  # one page
    chat = (await start_bot()).chat(ADMIN)
    picture, preview = await chat.upload(pdf.name, pdf.read_bytes(), expect=2)
    assert picture.method == "sendPhoto"
    assert picture.params["caption"] == "版面识别：第1页（编号为阅读顺序）"
    drawn = Image.open(io.BytesIO(picture.files["photo"]))
    assert drawn.width == 1200 and drawn.height > 1600  # an A4 page, and the legend
    assert "虹桥镇召开2020年年中工作会议" in preview.text
    assert [label for label, _ in preview.buttons()] == ["发布", "取消"]


async def test_admin_preview_of_a_word_file(start_bot: StartBot, tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "x.docx",
        [("社区新闻", "Title", False), ("9月8日，居民区开展垃圾分类宣传活动。", None, False)],
    )
    chat = (await start_bot()).chat(ADMIN)
    [preview] = await chat.upload("第10期.docx", path.read_bytes())
    assert "1. 社区新闻" in preview.text
    assert "按收到的日期发布" in preview.text  # no date anywhere: the day it was received


async def test_admin_hears_why_a_word_file_is_refused(start_bot: StartBot) -> None:
    chat = (await start_bot()).chat(ADMIN)
    locked = OLE_MAGIC + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le")
    [refusal] = await chat.upload("第10期.docx", locked)
    assert refusal.text == "读不出这个文件：Word 文件设了密码，请去掉密码再发。"


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_admin_sends_a_phone_photo_of_a_page(start_bot: StartBot, tmp_path: Path) -> None:
    """A photo sent as a Telegram photo (not a file) is read by OCR, pictured and previewed."""
    make_variant(tmp_path / "page.pdf")
    photo = phone_photo(tmp_path / "page.pdf", tmp_path / "page.jpg")
    chat = (await start_bot()).chat(ADMIN)
    picture, preview = await chat.photo(photo.read_bytes(), (1715, 2383), expect=2)
    assert picture.method == "sendPhoto"
    assert picture.params["caption"] == "版面识别：第1页（编号为阅读顺序）"
    assert "家庭医生走进社区开展义诊" in preview.text
    assert texts.PHOTO_COMPRESSED in preview.text
    assert [label for label, _ in preview.buttons()] == ["发布", "取消"]


async def test_readers_photos_are_refused_politely(start_bot: StartBot) -> None:
    reader = (await start_bot()).chat(READER)
    [refusal] = await reader.photo(b"\xff\xd8\xff", (100, 100))
    assert "只收编辑部的稿件" in refusal.text
