"""One bot, two papers, against the fake Bot API: /start asks which paper (big buttons), the choice
is remembered in the database and changed with 换报纸; the latest issue and subscriptions are the
chosen paper's; editors publish to their own papers only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bot.conftest import READER, StartBot
from tests.bot.fake_api import FakeBotApi
from tests.conftest import build_issue
from tingbao.chat import texts
from tingbao.chat.papers import ChatPapers
from tingbao.chat.subscribers import SubscriberStore, enqueue_new_issue
from tingbao.cli.services import bot_papers
from tingbao.paper.model import Issue
from tingbao.paper.settings import PaperSettings
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings, load_settings

A, B = "jinhongqiao", "xinzhuang"
EDITOR_A, EDITOR_B, EDITOR_BOTH = 7001, 7002, 7003
PAPERS_TOML = f"""
[[papers]]
slug = "{A}"
name = "金虹桥"
hotline = "021-64059791"
email = "jinhongqiao@163.com"
admins = [{EDITOR_A}, {EDITOR_BOTH}]

[[papers]]
slug = "{B}"
name = "莘庄"
hotline = "021-54881234"
email = "xinzhuang@example.cn"
admins = [{EDITOR_B}, {EDITOR_BOTH}]
"""


@pytest.fixture
def papers_settings(settings: Settings, api: FakeBotApi) -> Settings:
    path = settings.data_dir.parent / "papers.toml"
    path.write_text(PAPERS_TOML, encoding="utf-8")
    env = {
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "DATABASE_URL": settings.database_url,
        "TINGBAO_PAPERS": str(path),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
    }
    return load_settings(env, data_dir=settings.data_dir)


def save_both(store: IssueStore) -> tuple[Issue, Issue]:
    a, b = build_issue(paper=A), build_issue(paper=B)
    store.save_issue(a)
    store.save_issue(b)
    return a, b


@dataclass(frozen=True)
class Parsed:
    issue: Issue
    warnings: tuple[str, ...] = ()


def parse_for_paper(path: Path, paper: PaperSettings) -> Parsed:
    return Parsed(build_issue(paper=paper.slug))


async def test_start_asks_and_the_choice_is_remembered(
    start_bot: StartBot, papers_settings: Settings, store: IssueStore, db: Database
) -> None:
    a, b = save_both(store)
    chat = (await start_bot(papers_settings)).chat()
    [asked] = await chat.say("/start")
    assert asked.text == texts.CHOOSE_PAPER
    assert asked.buttons() == [("金虹桥", f"paper:{A}"), ("莘庄", f"paper:{B}")]
    [unchosen] = await chat.say("最新一期")
    assert unchosen.text == texts.CHOOSE_PAPER  # nothing to show before a paper is chosen
    [chosen] = await chat.press(f"paper:{B}")
    assert "《莘庄》" in chosen.text and (texts.BTN_CHANGE_PAPER, "") in chosen.buttons()
    assert ChatPapers(db, bot_papers(papers_settings)).chosen(READER) == papers_settings.papers[1]
    [latest] = await chat.say("最新一期")
    assert latest.data_for(texts.BTN_LISTEN_ISSUE) == f"all:{b.id}"
    [greeting] = await chat.say("/start")
    assert "《莘庄》" in greeting.text  # not asked again
    [help_text] = await chat.say("帮助")
    assert texts.HELP_CHANGE_PAPER in help_text.text

    [again] = await chat.say(texts.BTN_CHANGE_PAPER)
    assert again.text == texts.CHOOSE_PAPER
    await chat.press(f"paper:{A}")
    [latest] = await chat.say("最新一期")
    assert latest.data_for(texts.BTN_LISTEN_ISSUE) == f"all:{a.id}"
    [hotline, _card] = await chat.say("热线", expect=2)
    assert "《金虹桥》" in hotline.text


async def test_subscriptions_are_per_paper(
    start_bot: StartBot,
    papers_settings: Settings,
    store: IssueStore,
    db: Database,
    api: FakeBotApi,
) -> None:
    a, b = save_both(store)
    chat = (await start_bot(papers_settings)).chat()
    [asked] = await chat.say("订阅提醒")
    assert asked.text == texts.CHOOSE_PAPER
    await chat.press(f"paper:{B}")
    [done] = await chat.say("订阅提醒")
    assert done.text == texts.SUBSCRIBED
    subscribers = SubscriberStore(db)
    assert subscribers.is_active(READER, B) and not subscribers.is_active(READER, A)
    assert enqueue_new_issue(db, a.id) == 0
    assert enqueue_new_issue(db, b.id) == 1
    start = len(api.calls)
    await api.wait_for(lambda: len(api.sends(READER, start)) >= 1)  # the outbox job sends it
    [announced] = api.sends(READER, start)
    assert announced.text.startswith("新一期《莘庄》")  # named after its own paper
    await chat.say(texts.BTN_CHANGE_PAPER)
    await chat.press(f"paper:{A}")
    [not_yet] = await chat.say("退订")
    assert not_yet.text == texts.NOT_SUBSCRIBED  # the reader follows 莘庄, not 金虹桥
    assert subscribers.is_active(READER, B)


async def test_an_editor_publishes_to_their_own_paper_only(
    start_bot: StartBot, papers_settings: Settings
) -> None:
    bot = await start_bot(papers_settings, parse=parse_for_paper)
    inbox = papers_settings.inbox_dir
    [preview_b] = await bot.chat(EDITOR_B).upload("b.txt", "莘庄稿件".encode())
    assert [label for label, _ in preview_b.buttons()] == ["发布", "取消"]
    # The editor of 金虹桥 presses the 莘庄 editor's 发布: refused, nothing published.
    [refused] = await bot.chat(EDITOR_A).press(preview_b.data_for("发布"))
    assert refused.text == texts.NOT_ADMIN_COMMAND
    assert not (inbox / B).exists()
    [preview_a] = await bot.chat(EDITOR_A).upload("a.txt", "金虹桥稿件".encode())
    await bot.chat(EDITOR_A).press(preview_a.data_for("发布"))
    assert [p.name for p in (inbox / A).iterdir()] == ["a.txt"]
    await bot.chat(EDITOR_B).press(preview_b.data_for("发布"))
    assert [p.read_text() for p in (inbox / B).iterdir()] == ["莘庄稿件"]


async def test_an_editor_of_two_papers_is_asked_which(
    start_bot: StartBot, papers_settings: Settings
) -> None:
    chat = (await start_bot(papers_settings, parse=parse_for_paper)).chat(EDITOR_BOTH)
    [asked] = await chat.upload("c.txt", "稿件".encode())
    assert asked.text == texts.ADMIN_CHOOSE_PAPER
    assert [data for _, data in asked.buttons()] == [f"paper:{A}", f"paper:{B}"]
    await chat.press(f"paper:{B}")
    [preview] = await chat.upload("c.txt", "稿件".encode())
    await chat.press(preview.data_for("发布"))
    assert [p.name for p in (papers_settings.inbox_dir / B).iterdir()] == ["c.txt"]
    assert not (papers_settings.inbox_dir / A).exists()


async def test_stats_count_the_editors_own_paper(
    start_bot: StartBot, papers_settings: Settings, store: IssueStore, db: Database
) -> None:
    _a, b = save_both(store)
    SubscriberStore(db).add_many([1, 2, 3], paper=B)
    SubscriberStore(db).add_many([4], paper=A)
    enqueue_new_issue(db, b.id)  # three rows, all for 莘庄
    bot = await start_bot(papers_settings)
    [stats] = await bot.chat(EDITOR_A).say("/stats")
    assert stats.text.startswith("《金虹桥》\n订阅人数：1（")
    assert deliveries(stats.text) == 0  # 莘庄's outbox is not this editor's
    [theirs] = await bot.chat(EDITOR_B).say("/stats")
    assert theirs.text.startswith("《莘庄》\n订阅人数：3（") and deliveries(theirs.text) == 3


def deliveries(stats: str) -> int:
    """Return the outbox rows /stats counts, in whatever state (the outbox job runs meanwhile)."""
    line = stats.split("\n")[2]  # 提醒发送：已送达…，待发送…，发送中…，…
    return sum(int(n) for n in re.findall(r"\d+", line))
