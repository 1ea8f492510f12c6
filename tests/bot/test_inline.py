"""Inline mode against the fake Bot API: `@bot 词` lists articles, an empty query the latest issue,
pages of at most 50, and the audio itself once Telegram has it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.bot.conftest import READER, StartBot
from tests.bot.data import put_audio, save_issues
from tests.bot.fake_api import FakeBotApi
from tests.conftest import build_issue
from tingbao.bot.files import FileIdCache
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore


async def ask(api: FakeBotApi, query: str, offset: str = "") -> tuple[list[dict[str, Any]], str]:
    """Type `@bot query` and return the answer's results and next_offset."""
    query_id = api.push_inline_query(READER, query, offset)
    await api.wait_for(lambda: bool(api.answers(query_id)))
    [answer] = api.answers(query_id)
    assert answer.params["cache_time"] == "30" and answer.params["is_personal"] == "false"
    return answer.json("results"), answer.params.get("next_offset", "")


async def test_query_lists_matching_articles_as_cards(
    start_bot: StartBot, api: FakeBotApi, store: IssueStore
) -> None:
    issues = save_issues(store, 2)
    await start_bot()
    results, next_offset = await ask(api, "垃圾分类")
    assert next_offset == ""
    assert [r["title"] for r in results] == ["垃圾分类进小区"] * 2
    newest = issues[-1].articles[2]
    card = results[0]
    assert card["type"] == "article" and card["id"] == newest.id
    assert card["description"] == "2020年7月30日 7月27日，虹桥镇召开2020年年中工作会议。"
    content = card["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["message_text"].splitlines()[:2] == [
        "<b>垃圾分类进小区</b>",
        "《金虹桥》2020年7月30日",
    ]
    [[link]] = card["reply_markup"]["inline_keyboard"]
    assert link == {
        "text": "📖 网页阅读",
        "url": f"http://127.0.0.1:8080/articles/{newest.id}.html",
    }
    assert results[1]["description"].startswith("2020年7月23日")
    assert (await ask(api, "火星"))[0] == []


async def test_empty_query_lists_the_latest_issue(
    start_bot: StartBot, api: FakeBotApi, store: IssueStore
) -> None:
    issues = save_issues(store, 2)
    await start_bot()
    results, _ = await ask(api, "")
    assert [r["id"] for r in results] == [a.id for a in issues[-1].articles]


async def test_at_most_fifty_results_then_the_next_page(
    start_bot: StartBot, api: FakeBotApi, store: IssueStore
) -> None:
    for n in range(30):  # 60 articles mention the lift
        published = date(2020, 7, 30) - timedelta(days=7 * n)
        paragraphs = ("居民区里加装电梯。", "新闻热线021-64059791。")
        store.save_issue(build_issue(published=published, paragraphs=paragraphs))
    await start_bot()
    first, next_offset = await ask(api, "电梯")
    assert len(first) == 50 and next_offset == "50"
    rest, last_offset = await ask(api, "电梯", next_offset)
    assert len(rest) == 10 and last_offset == ""
    assert len({r["id"] for r in first + rest}) == 60
    odd, _ = await ask(api, "电梯", "not-ours")  # an offset we never gave: from the start
    assert [r["id"] for r in odd] == [r["id"] for r in first]


async def test_known_audio_is_shared_itself(
    start_bot: StartBot,
    api: FakeBotApi,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
    bot_db: Database,
) -> None:
    issue = save_issues(store)[0]
    with_mp3, with_voice, without = issue.articles
    cache = FileIdCache(bot_db)
    cache.put(put_audio(publisher, assets, with_mp3.id, issue.id, "mp3"), "audio", "AUDIO-1")
    cache.put(put_audio(publisher, assets, with_voice.id, issue.id, "ogg"), "voice", "VOICE-1")
    put_audio(publisher, assets, without.id, issue.id, "mp3")  # never sent: no file_id yet
    await start_bot()
    results, _ = await ask(api, "")
    by_id = {r["id"]: r for r in results}
    audio, voice, card = by_id[with_mp3.id], by_id[with_voice.id], by_id[without.id]
    assert audio["type"] == "audio" and audio["audio_file_id"] == "AUDIO-1"
    assert audio["caption"].startswith(f"<b>{with_mp3.title}</b>") and audio["parse_mode"] == "HTML"
    assert audio["reply_markup"]["inline_keyboard"][0][0]["url"].endswith(f"{with_mp3.id}.html")
    assert voice["type"] == "voice" and voice["voice_file_id"] == "VOICE-1"
    assert voice["title"] == with_voice.title
    assert card["type"] == "article"


async def test_query_syntax_is_just_words(
    start_bot: StartBot, api: FakeBotApi, store: IssueStore
) -> None:
    save_issues(store)
    await start_bot()
    # Operators and quotes are words like any other (no article has "or", "near", "title"),
    # and a query of punctuation alone matches nothing: each is answered, none is an error.
    for hostile in ['垃圾分类" OR *', "NEAR(垃圾 分类)", "{title}: 垃圾", "*", '"']:
        assert (await ask(api, hostile))[0] == []
    assert [r["title"] for r in (await ask(api, '垃圾分类" *'))[0]] == ["垃圾分类进小区"]
