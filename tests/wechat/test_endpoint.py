"""The account's message endpoint, spoken to as WeChat does: real signed requests (plaintext and
safe mode, made with wechatpy's crypto) to a real listener on 127.0.0.1, answered from a real
store. Each reply kind a follower can get, the handshake, retries, bad signatures, rotated keys,
hostile bodies and the five-second deadline."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Any

import aiohttp
import pytest
import xmltodict

from tests.conftest import build_issue
from tests.wechat.follower import Follower, Reply, WechatServer, message_xml
from tingbao.chat.papers import Papers
from tingbao.feeds.http_guard import HttpListener
from tingbao.paper.model import Issue
from tingbao.paper.settings import PaperSettings, Secret
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import ARTICLE_MP3_SLOW, ISSUE_MP3, Asset, AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.wechat import texts as wx
from tingbao.wechat.conversation import Answer, Card, Conversation, ConversationDeps, Text
from tingbao.wechat.endpoint import MAX_BODY_BYTES, Endpoint, LateSender
from tingbao.wechat.followers import AnsweredStore, FollowerStore
from tingbao.wechat.replies import reply_xml
from tingbao.wechat.settings import WechatSettings
from tingbao.wechat.wire import Incoming
from tingbao.worker.settings import Settings

TOKEN = "endpoint-token-5d1c"
APPID = "wx6c0b0e1d2a3f4b5c"
BASE = "http://127.0.0.1:8080/"
TITLES = ("虹桥镇召开年中工作会议", "精神文明建设推进大会召开", "垃圾分类进小区")


def new_aes_key() -> str:
    """Return a fresh EncodingAESKey (43 characters)."""
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


class CountingConversation(Conversation):
    """The real conversation, counting what it answers (and, given, slow to answer)."""

    def __init__(self, deps: ConversationDeps, delay_s: float = 0.0) -> None:
        super().__init__(deps)
        self.answered: list[Incoming] = []
        self.delay_s = delay_s

    def answer(self, message: Incoming) -> Answer:
        time.sleep(self.delay_s)
        self.answered.append(message)
        return super().answer(message)


Start = Callable[..., Awaitable[tuple[WechatServer, CountingConversation]]]


def stored_issue(store: IssueStore, assets: AssetStore, publisher: LocalPublisher) -> Issue:
    """Store the latest issue, a slow reading of its first article and its episode."""
    store.save_issue(build_issue(published=date(2020, 6, 30), titles=("上一期的文章",)))
    issue = build_issue(titles=TITLES)
    store.save_issue(issue)
    first = issue.articles[0]
    for owner, role in ((first.id, ARTICLE_MP3_SLOW), (issue.id, ISSUE_MP3)):
        path = f"audio/{issue.id}/{owner}-{role}.mp3"
        publisher.write_bytes(path, b"ID3 fake mp3")
        assets.put(Asset(owner, issue.id, role, path, 12, "audio/mpeg", 60.0, "offline", "k"))
    return issue


@pytest.fixture
async def start(
    db: Database, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> AsyncIterator[Start]:
    listeners: list[HttpListener] = []

    async def start_endpoint(
        *,
        aes_key: str | None = None,
        previous: str | None = None,
        papers: Papers | None = None,
        delay_s: float = 0.0,
        deadline_s: float = 4.0,
        late: LateSender | None = None,
    ) -> tuple[WechatServer, CountingConversation]:
        settings = WechatSettings(
            token=Secret(TOKEN),
            aes_key=Secret(aes_key) if aes_key else None,
            aes_key_previous=Secret(previous) if previous else None,
            appid=APPID,
        )
        deps = ConversationDeps(
            papers=papers or Papers((PaperSettings(),)),
            store=store,
            assets=assets,
            followers=FollowerStore(db),
            public_url=lambda path: BASE + path,
            verified=late is not None,
        )
        conversation = CountingConversation(deps, delay_s)
        endpoint = Endpoint(settings, conversation, AnsweredStore(db), late, deadline_s)
        listener = HttpListener(endpoint.app(), "127.0.0.1", 0)
        await listener.start()
        listeners.append(listener)
        url = f"http://127.0.0.1:{listener.port}/wechat"
        return WechatServer(url, TOKEN, aes_key, APPID), conversation

    yield start_endpoint
    for listener in listeners:
        await listener.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def issue(store: IssueStore, assets: AssetStore, publisher: LocalPublisher) -> Issue:
    return stored_issue(store, assets, publisher)


def article_url(article_id: str) -> str:
    return f"{BASE}articles/{article_id}.html"


# The handshake and signatures ----------------------------------------------------------------


async def test_handshake_echoes_only_a_signed_check(
    start: Start, session: aiohttp.ClientSession
) -> None:
    server, _ = await start()
    query = server.query("nonce1", "1700000000", echostr="5837397750212337745")
    async with session.get(server.url, params=query) as response:
        assert response.status == 200
        assert await response.text() == "5837397750212337745"
    wrong = {**query, "signature": "0" * 40}
    async with session.get(server.url, params=wrong) as response:
        assert response.status == 403
    async with session.get(server.url, params={"echostr": "1"}) as response:
        assert response.status == 403


async def test_an_unsigned_message_is_refused_and_not_read(
    start: Start, session: aiohttp.ClientSession, issue: Issue, db: Database
) -> None:
    server, conversation = await start()
    xml = message_xml("oStranger", "text", 1, 1, Content="最新")
    forged = {"signature": "f" * 40, "timestamp": "1", "nonce": "x"}
    reply = await server.post(session, xml, query=forged)
    assert reply.status == 403
    assert conversation.answered == []
    assert FollowerStore(db).count() == 0


# What a follower gets ------------------------------------------------------------------------


async def test_following_gets_a_welcome_and_the_latest_issue(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    server, _ = await start()
    reply = await Follower(server, session).event("subscribe")
    assert reply.kind == "text"
    assert "欢迎关注《金虹桥》" in reply.text
    for n, article in enumerate(issue.articles, 1):
        assert f'{n}. <a href="{article_url(article.id)}">{article.title}</a>' in reply.text
    assert wx.ISSUE_FOOT in reply.text


@pytest.mark.parametrize("said", ["最新", "最新一期", "目录", "本期", "看报"])
async def test_asking_for_the_latest_issue_lists_its_articles_as_links(
    start: Start, session: aiohttp.ClientSession, issue: Issue, said: str
) -> None:
    server, _ = await start()
    reply = await Follower(server, session).say(said)
    assert reply.text.startswith(f"{issue.title}\n共3篇")
    assert all(article_url(a.id) in reply.text for a in issue.articles)


async def test_the_menu_and_speech_ask_as_typing_does(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    server, _ = await start()
    follower = Follower(server, session)
    typed = await follower.say("最新一期")
    clicked = await follower.event("CLICK", "latest")
    spoken = await follower.speak("最新一期。")
    assert typed.text == clicked.text == spoken.text
    hotline = await follower.event("CLICK", "hotline")
    assert "021-64059791" in hotline.text
    listen = await follower.event("CLICK", "listen")
    assert listen.kind == "news"
    assert listen.card["Url"] == f"{BASE}issues/{issue.id}.html"


async def test_a_number_gives_the_article_card_and_slow_gives_its_slow_reading(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    server, _ = await start()
    follower = Follower(server, session)
    assert (await follower.say("慢")).text == wx.SLOW_WHICH  # no article yet
    await follower.say("最新")
    card = await follower.say("1")
    assert card.kind == "news"
    first = issue.articles[0]
    assert card.card["Title"] == first.title
    assert card.card["Url"] == article_url(first.id)
    assert card.card["PicUrl"] == f"{BASE}static/cover.png"
    assert first.summary[:10] in card.card["Description"]
    slow = await follower.say("慢")
    assert slow.kind == "news"
    assert slow.card["Url"] == f"{BASE}audio/{issue.id}/{first.id}-mp3_slow.mp3"
    spoken = await follower.speak("第二篇。")
    assert spoken.card["Title"] == issue.articles[1].title
    assert (await follower.say("慢")).text == "语音正在制作，请稍后再试。"  # not made yet
    assert (await follower.say("9")).text == wx.NO_SUCH_NUMBER.format(number=9, count=3)
    titled = await follower.say("垃圾分类进小区")
    assert titled.card["Title"] == "垃圾分类进小区"


async def test_back_issues_hotline_and_search(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    server, _ = await start()
    follower = Follower(server, session)
    archive = await follower.say("往期")
    assert f"{BASE}issues/{issue.id}.html" in archive.text
    assert "jinhongqiao-2020-06-30" in archive.text
    for said in ("热线", "电话多少", "投稿", "地址"):
        text = (await follower.say(said)).text
        assert "021-64059791" in text and "jinhongqiao@163.com" in text, said
        assert "闵行区吴中路1136号608室" in text
    found = await follower.say("搜 精神文明")
    assert found.text.startswith("找到1篇和“精神文明”有关的文章")
    assert article_url(issue.articles[1].id) in found.text
    ranked = await follower.say("搜 年中工作")  # a title hit first, then the newest
    assert ranked.text.startswith("找到4篇")
    assert ranked.text.index(article_url(issue.articles[0].id)) < ranked.text.index("2. ")
    plain = await follower.say("会上强调")  # words no title holds: a search
    assert plain.text.startswith("找到4篇和“会上强调”有关的文章")
    nothing = await follower.say("火星探测器")
    assert nothing.text == wx.NOTHING_FOUND.format(query="火星探测器")
    assert (await follower.say("搜")).text.startswith("请在“搜”后面写要找的词")


async def test_everything_else_gets_a_helpful_answer_never_silence(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    server, _ = await start()
    follower = Follower(server, session)
    for kind, fields in (
        ("image", {"PicUrl": "http://x/y.jpg", "MediaId": "m"}),
        ("location", {"Location_X": "31.2", "Location_Y": "121.4", "Label": "虹桥"}),
        ("link", {"Title": "t", "Description": "d", "Url": "http://x"}),
        ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}),
        ("miniprogrampage", {"Title": "t"}),
    ):
        assert (await follower.send(kind, **fields)).text == wx.OTHER_KIND, kind
    assert (await follower.send("voice", MediaId="m", Format="amr")).text == (wx.VOICE_WITHOUT_TEXT)
    assert (await follower.say("帮助")).text.startswith("这样用")
    for event in ("unsubscribe", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH", "some_new_event"):
        reply = await follower.event(event, "k")
        assert (reply.status, reply.body) == (200, "success"), event


async def test_several_papers_are_chosen_once(
    start: Start, session: aiohttp.ClientSession, issue: Issue, store: IssueStore
) -> None:
    other = PaperSettings(slug="xinzhuang", name="莘庄报")
    store.save_issue(replace(build_issue(paper="xinzhuang", titles=("莘庄的新闻",))))
    server, _ = await start(papers=Papers((PaperSettings(), other), folders=True))
    follower = Follower(server, session)
    welcome = await follower.event("subscribe")
    assert "1. 《金虹桥》" in welcome.text and "2. 《莘庄报》" in welcome.text
    assert (await follower.say("最新")).text.startswith(wx.CHOOSE_PAPER)
    chosen = await follower.say("2")
    assert chosen.text.startswith(wx.PAPER_CHOSEN.format(paper="莘庄报"))
    assert "莘庄的新闻" in chosen.text and f"{BASE}xinzhuang/articles/" in chosen.text
    assert (await follower.say("1")).card["Title"] == "莘庄的新闻"  # now an article
    assert (await follower.say("换报纸")).text.startswith(wx.CHOOSE_PAPER)


# Retries, safe mode and hostile bodies -------------------------------------------------------


async def test_a_retry_gets_the_same_reply_and_is_answered_once(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    server, conversation = await start(delay_s=0.3)
    follower = Follower(server, session)
    xml = message_xml(follower.openid, "text", 1700000000, 424242, Content="最新")
    first, overlapping = await asyncio.gather(server.post(session, xml), server.post(session, xml))
    later = await server.post(session, xml)
    assert first.text and first.body == overlapping.body == later.body
    assert len(conversation.answered) == 1
    event = message_xml(follower.openid, "event", 1700000001, None, Event="subscribe")
    replies = [await server.post(session, event) for _ in range(3)]
    assert len({r.body for r in replies}) == 1
    assert len(conversation.answered) == 2


async def test_safe_mode_replies_encrypted_and_accepts_the_previous_key(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    old, new = new_aes_key(), new_aes_key()
    server, conversation = await start(aes_key=new, previous=old)
    reply = await Follower(server, session).say("热线")
    assert "<Encrypt>" in reply.body and "021-64059791" not in reply.body
    assert "021-64059791" in reply.text
    rotated = await server.post(
        session, message_xml("oOld", "text", 2, 77, Content="最新"), aes_key=old
    )
    assert rotated.text.startswith(issue.title)  # encrypted back with the key it came in
    stranger = await server.post(
        session, message_xml("oX", "text", 3, 78, Content="最新"), aes_key=new_aes_key()
    )
    assert (stranger.status, stranger.body) == (200, "success")
    assert len(conversation.answered) == 2


async def test_a_wrong_msg_signature_is_refused(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    key = new_aes_key()
    server, conversation = await start(aes_key=key)
    query = {**server.query("n", "1"), "encrypt_type": "aes", "msg_signature": "0" * 40}
    body = "<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>"
    reply = await server.post(session, body, query=query)
    assert (reply.status, reply.body) == (200, "success")
    assert conversation.answered == []


@pytest.mark.parametrize(
    "body",
    [
        "not xml at all",
        "<xml><FromUserName>x</FromUserName>",  # cut short
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<xml><ToUserName>&b;</ToUserName><FromUserName>f</FromUserName>"
        "<MsgType>text</MsgType><Content>&b;</Content></xml>",
        '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        "<xml><MsgType>text</MsgType><Content>最新</Content></xml>",  # no sender
        "<xml><FromUserName>f</FromUserName><MsgType>text</MsgType><MsgId>x1</MsgId></xml>",
        "<other><MsgType>text</MsgType></other>",
    ],
    ids=["text", "cut", "entities", "external", "no-sender", "bad-id", "not-xml-root"],
)
async def test_bodies_that_are_not_messages_get_the_empty_reply(
    start: Start,
    session: aiohttp.ClientSession,
    issue: Issue,
    body: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "tingbao.wechat")
    server, conversation = await start()
    reply = await server.post(session, body)
    assert (reply.status, reply.body) == (200, "success")
    assert conversation.answered == []
    assert "refused a body" in caplog.text
    assert TOKEN not in caplog.text


async def test_huge_and_broken_bodies_never_fail_the_server(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    server, _ = await start()
    query = server.query("n", "1")
    async with session.post(server.url, params=query, data=b"<" * (MAX_BODY_BYTES + 1)) as r:
        assert r.status == 413
    async with session.post(server.url, params=query, data=b"\xff\xfe<xml>") as r:
        assert (r.status, await r.text()) == (200, "success")
    # Text that would end the reply's CDATA early, echoed in the answer: the reply stays XML.
    weird = message_xml("o1", "text", 1, 5, Content="").replace(
        "<Content><![CDATA[]]></Content>", "<Content>火星 x]]&gt;y&lt;a&gt;</Content>"
    )
    reply = await server.post(session, weird)
    assert reply.status == 200 and reply.kind == "text"


def test_paper_text_cannot_end_the_replys_cdata() -> None:
    message = Incoming(sender="o1", account="gh", kind="text")
    for answer in (Text("标题]]><Content>x</Content>\x01"), Card("a]]>b", "c", "http://u]]>")):
        fields = xmltodict.parse(reply_xml(answer, message, 1))["xml"]
        shown = fields.get("Content") or fields["Articles"]["item"]["Title"]
        assert "]]＞" in shown and "\x01" not in shown


async def test_an_answer_past_the_deadline(
    start: Start, session: aiohttp.ClientSession, issue: Issue
) -> None:
    server, _ = await start(delay_s=0.5, deadline_s=0.1)
    reply = await Follower(server, session).say("最新")
    assert reply.text == wx.BUSY  # an account that may not send messages later
    sent: list[tuple[str, Any]] = []
    done = asyncio.Event()

    async def late(message: Incoming, answer: Answer) -> None:
        sent.append((message.sender, answer))
        done.set()

    server, _ = await start(delay_s=0.5, deadline_s=0.1, late=late)
    follower = Follower(server, session, openid="oLate")
    started = time.monotonic()
    reply = await follower.say("热线")
    assert (reply.body, time.monotonic() - started < 0.45) == ("success", True)
    await asyncio.wait_for(done.wait(), 5)
    assert sent[0][0] == "oLate" and "021-64059791" in sent[0][1].body


def test_replies_hold_no_secret(settings: Settings) -> None:
    wechat = WechatSettings(token=Secret(TOKEN), aes_key=Secret(new_aes_key()), appid=APPID)
    assert TOKEN not in repr(wechat) and TOKEN not in str(wechat)


__all__ = ["Reply"]
