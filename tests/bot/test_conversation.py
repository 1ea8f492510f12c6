"""Conversations with the real Application polling the fake Bot API: every button and keyword."""

from __future__ import annotations

import pytest

from tests.bot.conftest import READER, StartBot
from tests.bot.data import put_audio, put_chapters, put_real_mp3, save_issues
from tests.bot.fake_api import Call, FakeBotApi
from tingbao.audio.voice_notes import NotesAhead, VoiceNotes
from tingbao.bot.app import stop_embedded
from tingbao.chat import texts
from tingbao.chat.subscribers import SubscriberStore
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.worker.settings import Settings


@pytest.mark.parametrize("words", ["最新一期", "最新", "新闻", "/latest"])
async def test_latest_issue_lists_articles(
    start_bot: StartBot, store: IssueStore, words: str
) -> None:
    issue = save_issues(store, 2)[-1]
    bot = await start_bot()
    [reply] = await bot.chat().say(words)
    assert issue.title in reply.text and "2020年7月30日" in reply.text and "共3篇" in reply.text
    labels = [label for label, _ in reply.buttons()]
    assert labels == [f"{n}. {a.title}" for n, a in enumerate(issue.articles, 1)] + ["收听全刊"]


async def test_no_issue_yet(start_bot: StartBot) -> None:
    bot = await start_bot()
    [reply] = await bot.chat().say("最新一期")
    assert reply.text == texts.NO_ISSUE


async def test_article_buttons_next_and_contents(start_bot: StartBot, store: IssueStore) -> None:
    issue = save_issues(store)[0]
    chat = (await start_bot()).chat()
    [toc] = await chat.say("最新一期")
    [first] = await chat.press(toc.data_for("1. "))
    assert first.params["parse_mode"] == "HTML"
    assert f"<b>{issue.articles[0].title}</b>" in first.text
    assert "<b>坚持经济工作“中心居中”</b>" in first.text
    assert [label for label, _ in first.buttons()] == ["🔊 收听", "🐢 慢速收听", "下一篇", "目录"]
    [second] = await chat.press(first.data_for("下一篇"))
    assert issue.articles[1].title in second.text and "决战创全" in second.text
    [third] = await chat.press(second.data_for("下一篇"))
    assert [label for label, _ in third.buttons()] == ["🔊 收听", "🐢 慢速收听", "目录"]
    [back] = await chat.press(third.data_for("目录"))
    assert issue.title in back.text


async def test_listen_says_it_is_coming_then_sends_the_mp3_when_no_voice_note_can_be_made(
    start_bot: StartBot, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> None:
    issue = save_issues(store)[0]
    article = issue.articles[0]
    chat = (await start_bot()).chat()
    [pending] = await chat.press(f"say:{article.id}")
    assert pending.text == texts.AUDIO_PENDING
    put_audio(publisher, assets, article.id, issue.id, "mp3")  # not decodable: no voice note
    [mp3] = await chat.press(f"say:{article.id}")
    assert mp3.method == "sendAudio" and mp3.params["title"] == article.title
    assert assets.get(article.id, "ogg") is None


async def test_the_first_listener_gets_a_voice_note_made_from_the_mp3(
    start_bot: StartBot,
    api: FakeBotApi,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> None:
    issue = save_issues(store)[0]
    article = issue.articles[0]
    mp3 = put_real_mp3(publisher, assets, article.id, issue.id)
    chat = (await start_bot()).chat()
    [voice] = await chat.press(f"say:{article.id}")
    assert voice.method == "sendVoice" and voice.files["voice"][:4] == b"OggS"
    assert voice.params["caption"] == article.title and voice.params["duration"] == "3"
    actions = [c.params.get("action") for c in api.calls if c.method == "sendChatAction"]
    assert actions == ["record_voice"]  # the listener sees it being made
    note = assets.get(article.id, "ogg")
    assert note is not None and note.path == mp3.path.removesuffix(".mp3") + ".ogg"
    assert note.loudness_lufs is not None and note.true_peak_dbtp is not None
    assert publisher.read_bytes(note.path) == voice.files["voice"]
    # The next listener gets the same note by its file_id: nothing made or uploaded again.
    [again] = await chat.press(f"say:{article.id}")
    assert again.method == "sendVoice" and not again.files
    assert assets.get(article.id, "ogg") == note
    actions = [c.params.get("action") for c in api.calls if c.method == "sendChatAction"]
    assert actions == ["record_voice"]


async def test_the_newest_issues_notes_are_made_ahead_so_no_listener_waits(
    start_bot: StartBot,
    api: FakeBotApi,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> None:
    """The worker queues a published issue's notes (NotesAhead): each listener's 收听 then
    finds its note made; the bot makes none and shows no "recording" meanwhile."""
    issue = save_issues(store)[0]
    for article in issue.articles:
        put_real_mp3(publisher, assets, article.id, issue.id, seconds=1.0)
    ahead = NotesAhead(VoiceNotes(assets, publisher))
    try:
        ahead.start([a.id for a in issue.articles])
        ahead.start([a.id for a in issue.articles])  # the next pass: queued once
        await ahead.wait()
    finally:
        ahead.close()
    made = {a.id: assets.get(a.id, "ogg") for a in issue.articles}
    assert all(note is not None for note in made.values())
    chat = (await start_bot()).chat()
    for article in issue.articles:
        [voice] = await chat.press(f"say:{article.id}")
        assert voice.method == "sendVoice" and voice.files["voice"][:4] == b"OggS"
    assert not [c for c in api.calls if c.method == "sendChatAction"]
    assert {a.id: assets.get(a.id, "ogg") for a in issue.articles} == made  # none made again


async def test_slow_listening_sends_slow_mp3_with_title_and_performer(
    start_bot: StartBot, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> None:
    issue = save_issues(store)[0]
    article = issue.articles[1]
    chat = (await start_bot()).chat()
    [pending] = await chat.press(f"slow:{article.id}")
    assert pending.text == texts.AUDIO_PENDING
    put_audio(publisher, assets, article.id, issue.id, "mp3_slow")
    [slow] = await chat.press(f"slow:{article.id}")
    assert slow.method == "sendAudio"
    assert slow.params["title"] == article.title and slow.params["performer"] == "金虹桥"
    assert slow.files["audio"].startswith(b"fake mp3_slow")


@pytest.mark.parametrize("words", ["收听全刊", "听", "/listen"])
async def test_whole_issue_episode_and_chapters(
    start_bot: StartBot,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
    words: str,
) -> None:
    issue = save_issues(store)[0]
    chat = (await start_bot()).chat()
    [pending] = await chat.say(words)
    assert pending.text == texts.ISSUE_AUDIO_PENDING
    put_audio(publisher, assets, issue.id, issue.id, "mp3")
    put_chapters(publisher, assets, issue)
    episode, chapters = await chat.say(words, expect=2)
    assert episode.method == "sendAudio" and episode.params["title"] == issue.title
    assert chapters.text.splitlines() == [
        "全刊目录：",
        f"00:00  {issue.articles[0].title}",
        f"01:01  {issue.articles[1].title}",
        f"02:03  {issue.articles[2].title}",
    ]


async def test_whole_issue_button_under_contents(
    start_bot: StartBot, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> None:
    issue = save_issues(store)[0]
    put_audio(publisher, assets, issue.id, issue.id, "mp3")
    chat = (await start_bot()).chat()
    [toc] = await chat.say("最新")
    episode, chapters = await chat.press(toc.data_for("收听全刊"), expect=2)
    assert episode.method == "sendAudio"
    assert chapters.text.startswith("全刊目录") and "1. " in chapters.text  # no chapters file


@pytest.mark.parametrize("words", ["往期", "/archive"])
async def test_archive_is_paged(start_bot: StartBot, store: IssueStore, words: str) -> None:
    issues = save_issues(store, 7)
    chat = (await start_bot()).chat()
    [page1] = await chat.say(words)
    assert "第1页，共2页" in page1.text
    labels = [label for label, _ in page1.buttons()]
    assert len(labels) == 6 and labels[-1] == "下一页"
    assert labels[0] == "金虹桥 2020年7月30日"  # the title has the date: shown once
    assert all(label.count("2020年") == 1 for label in labels[:-1])
    [page2] = await chat.press(page1.data_for("下一页"))
    assert page2.method == "editMessageText" and "第2页，共2页" in page2.text
    assert [label for label, _ in page2.buttons()][-1] == "上一页"
    [old] = await chat.press(page2.data_for(issues[0].published.strftime("%Y年%-m月%-d日")))
    assert issues[0].title in old.text


async def test_search_command_and_plain_words(start_bot: StartBot, store: IssueStore) -> None:
    save_issues(store, 2)
    chat = (await start_bot()).chat()
    [usage] = await chat.say("/search")
    assert usage.text == texts.SEARCH_USAGE
    [hits] = await chat.say("/search 垃圾分类")
    assert "找到2篇" in hits.text
    assert [label for label, _ in hits.buttons()] == [
        "垃圾分类进小区（2020年7月30日）",
        "垃圾分类进小区（2020年7月23日）",
    ]
    [none] = await chat.say("/search 火星")
    assert none.text == "没有找到和“火星”有关的文章。"
    [plain] = await chat.say("精神文明")
    assert "找到2篇" in plain.text
    [unknown] = await chat.say("火星")
    assert unknown.text == texts.NOT_UNDERSTOOD


@pytest.mark.parametrize("words", ["新闻热线", "热线", "电话", "投稿", "/hotline"])
async def test_hotline_text_and_contact_card(
    start_bot: StartBot, store: IssueStore, words: str
) -> None:
    save_issues(store)
    chat = (await start_bot()).chat()
    text, card = await chat.say(words, expect=2)
    assert "021-64059791" in text.text and "jinhongqiao@163.com" in text.text
    assert "吴中路1136号" in text.text
    assert card.method == "sendContact" and card.params["phone_number"] == "+862164059791"
    assert card.params["first_name"] == "金虹桥"


async def test_hotline_falls_back_to_settings(start_bot: StartBot, bot_settings: Settings) -> None:
    paper = bot_settings.paper.__class__(hotline="021-1234567")
    chat = (await start_bot(bot_settings.with_overrides(paper=paper))).chat()
    text, card = await chat.say("热线", expect=2)
    assert "021-1234567" in text.text and card.params["phone_number"] == "+86211234567"


async def test_subscribe_and_unsubscribe(start_bot: StartBot, bot_db: Database) -> None:
    subscribers = SubscriberStore(bot_db)
    chat = (await start_bot()).chat()
    [done] = await chat.say("订阅提醒")
    assert done.text == texts.SUBSCRIBED and subscribers.is_active(READER)
    [again] = await chat.say("订阅")
    assert again.text == texts.ALREADY_SUBSCRIBED
    [gone] = await chat.press(again.data_for("退订"))
    assert gone.text == texts.UNSUBSCRIBED and not subscribers.is_active(READER)
    [not_sub] = await chat.say("/unsubscribe")
    assert not_sub.text == texts.NOT_SUBSCRIBED
    await chat.say("/subscribe")
    [gone2] = await chat.say("退订")
    assert gone2.text == texts.UNSUBSCRIBED


@pytest.mark.parametrize("words", ["帮助", "/help"])
async def test_help(start_bot: StartBot, words: str) -> None:
    [reply] = await (await start_bot()).chat().say(words)
    assert reply.text == texts.HELP and len(reply.buttons()) == 5


@pytest.mark.parametrize(
    "data", ["art:../../etc/passwd", "art:a1234", "toc:x" * 30, "rm:-rf", "page:-1", "iss:../x"]
)
async def test_bad_callback_data_is_refused(
    start_bot: StartBot, store: IssueStore, api: FakeBotApi, data: str
) -> None:
    save_issues(store)
    chat = (await start_bot()).chat()
    start = len(api.calls)
    api.push_callback(READER, data)
    await api.wait_for(lambda: any(c.method == "answerCallbackQuery" for c in api.calls[start:]))
    [answer] = [c for c in api.calls[start:] if c.method == "answerCallbackQuery"]
    assert answer.params["text"] == texts.STALE_BUTTON
    assert api.sends(READER, start) == [] and chat.chat_id == READER


async def test_unknown_ids_in_valid_shape(start_bot: StartBot, store: IssueStore) -> None:
    save_issues(store)
    chat = (await start_bot()).chat()
    [gone] = await chat.press("art:a00000000000")
    assert gone.text == texts.NO_ARTICLE
    [stale] = await chat.press("iss:jinhongqiao-1999-01-01")
    assert stale.text == texts.STALE_BUTTON


async def test_flood_limit_per_user(
    start_bot: StartBot, bot_settings: Settings, api: FakeBotApi
) -> None:
    bot = await start_bot(bot_settings.with_overrides(bot_user_messages_per_minute=3))
    chat = bot.chat()
    for _ in range(3):
        await chat.say("帮助", settle=0)
    [warning] = await chat.say("帮助")
    assert warning.text == texts.TOO_FAST
    start = len(api.calls)
    api.push_text(READER, "帮助")
    other = await bot.chat(2002).say("帮助")  # others are not held back
    assert other[0].text == texts.HELP
    assert api.sends(READER, start) == []


HTTPS = "https://paper.example/"


async def test_deep_link_to_an_article_card(start_bot: StartBot, store: IssueStore) -> None:
    issue = save_issues(store)[0]
    article = issue.articles[1]
    chat = (await start_bot()).chat()
    [card] = await chat.say(f"/start art-{article.id}")
    assert card.text.splitlines()[:2] == [f"<b>{article.title}</b>", "《金虹桥》2020年7月30日"]
    assert [label for label, _ in card.buttons()] == ["🔊 收听", "🐢 慢速收听", "📖 阅读全文"]
    [full] = await chat.press(card.data_for("阅读全文"))
    assert "决战创全" in full.text


async def test_deep_link_to_a_slow_reading(
    start_bot: StartBot, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> None:
    issue = save_issues(store)[0]
    article = issue.articles[0]
    put_audio(publisher, assets, article.id, issue.id, "mp3_slow")
    [slow] = await (await start_bot()).chat().say(f"/start slow-{article.id}")
    assert slow.method == "sendAudio" and slow.files["audio"].startswith(b"fake mp3_slow")


@pytest.mark.parametrize("payload", ["slow-a00000000000", "art-a00000000000", "hello", "art-../x"])
async def test_unknown_deep_links_greet(
    start_bot: StartBot, store: IssueStore, payload: str
) -> None:
    save_issues(store)
    [greeting] = await (await start_bot()).chat().say(f"/start {payload}")
    assert greeting.text == texts.WELCOME.format(paper="金虹桥")


def web_apps(call: Call) -> list[str]:
    """Return the URLs of the Mini App buttons under a message."""
    rows = (call.json("reply_markup") or {}).get("inline_keyboard") or []
    return [b["web_app"]["url"] for row in rows for b in row if "web_app" in b]


async def test_mini_app_where_a_listener_meets_audio_on_https(
    start_bot: StartBot, store: IssueStore, assets: AssetStore, publisher: LocalPublisher
) -> None:
    issue = save_issues(store)[0]
    article = issue.articles[0]
    put_audio(publisher, assets, issue.id, issue.id, "mp3")
    chat = (await start_bot(public_url=lambda path: HTTPS + path)).chat()
    episode, chapters = await chat.say("收听全刊", expect=2)
    assert web_apps(episode) == []
    assert web_apps(chapters) == [f"{HTTPS}issues/{issue.id}.html"]
    assert chapters.data_for("在 Telegram 里收听") == ""  # a Mini App, not a callback
    [card] = await chat.say(f"/start art-{article.id}")
    assert web_apps(card) == [f"{HTTPS}articles/{article.id}.html"]
    [text] = await chat.press(f"art:{article.id}")
    assert web_apps(text) == []  # not under every message: only where audio is met


async def test_no_mini_app_on_http_or_in_groups(
    start_bot: StartBot,
    api: FakeBotApi,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> None:
    issue = save_issues(store)[0]
    put_audio(publisher, assets, issue.id, issue.id, "mp3")
    http_bot = await start_bot()
    _episode, chapters = await http_bot.chat().say("收听全刊", expect=2)
    assert chapters.json("reply_markup") is None
    api.release_polls()
    await stop_embedded(http_bot.app)
    api.resume_polls()
    bot = await start_bot(public_url=lambda path: HTTPS + path)
    _episode, private_chapters = await bot.chat().say("收听全刊", expect=2)
    assert len(web_apps(private_chapters)) == 1
    _episode, group_chapters = await bot.chat(-1009).say("收听全刊", expect=2)
    assert web_apps(group_chapters) == []
