"""Audio goes up once: later sends use the stored file_id; a new file or a refused id re-uploads.
Audio that cannot go (too big, a 413, a refusal, a timeout) gets an apology and the player page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from aiohttp import web

from tests.bot.conftest import READER, StartBot
from tests.bot.data import put_audio, put_real_mp3, save_issues
from tests.bot.fake_api import Call, FakeBotApi
from tingbao.bot.app import stop_embedded
from tingbao.chat import texts
from tingbao.publish.publisher import LocalPublisher
from tingbao.store.assets import Asset, AssetStore
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore


def voices(api: FakeBotApi) -> list[tuple[bool, str]]:
    """Return (uploaded?, file_id param) of each sendVoice."""
    return [
        ("voice" in c.files, c.params.get("voice", ""))
        for c in api.calls
        if c.method == "sendVoice"
    ]


async def test_one_upload_per_file(
    start_bot: StartBot,
    api: FakeBotApi,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> None:
    issue = save_issues(store)[0]
    article = issue.articles[0]
    put_real_mp3(publisher, assets, article.id, issue.id)  # its voice note is made on request
    bot = await start_bot()
    for chat in (11, 12, 13):  # three people press 收听 at the same moment
        api.push_callback(chat, f"say:{article.id}")
    await api.wait_for(lambda: len(voices(api)) == 3)
    sent = voices(api)
    assert [uploaded for uploaded, _ in sent].count(True) == 1
    reused = {file_id for uploaded, file_id in sent if not uploaded}
    assert len(reused) == 1 and reused.pop().startswith("voice-")

    api.release_polls()
    await stop_embedded(bot.app)  # file ids survive a restart: they are in the database
    api.resume_polls()
    bot = await start_bot()
    await bot.chat(14).press(f"say:{article.id}")
    assert voices(api)[-1][0] is False

    put_real_mp3(publisher, assets, article.id, issue.id, seconds=4)  # re-synthesized
    await bot.chat(15).press(f"say:{article.id}")
    await bot.chat(16).press(f"say:{article.id}")
    assert [uploaded for uploaded, _ in voices(api)[-2:]] == [True, False]


async def test_refused_file_id_is_uploaded_again(
    start_bot: StartBot,
    api: FakeBotApi,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> None:
    issue = save_issues(store)[0]
    put_audio(publisher, assets, issue.id, issue.id, "mp3")
    bot = await start_bot()
    await bot.chat(21).say("收听全刊", expect=2)
    api.faults[22] = ["badfile"]
    await bot.chat(22).say("收听全刊", expect=3)
    audio = [c for c in api.calls if c.method == "sendAudio"]
    assert [("audio" in c.files, c.status) for c in audio] == [
        (True, 200),
        (False, 400),
        (True, 200),
    ]


class FaultyApi(FakeBotApi):
    """The fake Bot API with one more fault: "413", as a proxy in front of Telegram answers an
    upload it finds too large (an HTML page, not JSON)."""

    async def _send(self, call: Call) -> web.StreamResponse:
        queue = self.faults.get(call.chat_id or 0)
        if queue and queue[0] == "413":
            queue.pop(0)
            call.status = 413
            page = "<html><body><h1>413 Request Entity Too Large</h1></body></html>"
            return web.Response(status=413, text=page, content_type="text/html")
        return await super()._send(call)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FaultyApi()
    await server.start()
    yield server
    await server.stop()


async def test_too_big_for_telegram_sends_the_player_page(
    start_bot: StartBot,
    api: FakeBotApi,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> None:
    issue = save_issues(store)[0]
    asset = put_audio(publisher, assets, issue.id, issue.id, "mp3")
    bot = await start_bot()
    bot.app.bot_data["reader"].deps.audio.upload_limit = 10
    assets.put(replace(asset, size=11))
    [sorry] = await bot.chat().say("收听全刊", settle=0.2)
    assert sorry.text == texts.AUDIO_TOO_BIG.format(
        url=f"http://127.0.0.1:8080/issues/{issue.id}.html"
    )
    assert sorry.buttons() == []  # no Mini App from an http page
    assert not any(c.method == "sendAudio" for c in api.calls)


@pytest.mark.parametrize("fault", ["413", "400", "slow"])
async def test_failed_upload_apologises_with_the_player_page(
    start_bot: StartBot,
    api: FakeBotApi,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
    fault: str,
) -> None:
    issue = save_issues(store)[0]
    article = issue.articles[0]
    put_real_mp3(publisher, assets, article.id, issue.id)
    bot = await start_bot()
    bot.app.bot_data["reader"].deps.audio.read_timeout_s = 0.2  # "slow" answers after 1 s
    api.faults[READER] = [fault]
    sent = await bot.chat().press(f"say:{article.id}", expect=2, settle=0.2)
    assert [c.method for c in sent] == ["sendVoice", "sendMessage"]
    assert sent[1].text == texts.AUDIO_FAILED.format(
        url=f"http://127.0.0.1:8080/articles/{article.id}.html"
    )
    [again] = await bot.chat().press(f"say:{article.id}")  # the next press uploads again
    assert again.method == "sendVoice" and again.delivered


async def test_failed_episode_apologises_with_a_mini_app_on_https(
    start_bot: StartBot,
    api: FakeBotApi,
    store: IssueStore,
    assets: AssetStore,
    publisher: LocalPublisher,
) -> None:
    issue = save_issues(store)[0]
    put_audio(publisher, assets, issue.id, issue.id, "mp3")
    await start_bot(public_url=lambda path: f"https://paper.example/{path}")
    api.faults[READER] = ["413"]
    start = len(api.calls)
    api.push_text(READER, "收听全刊")
    await api.wait_for(lambda: len(api.sends(READER, start)) >= 2)
    await asyncio.sleep(0.2)
    episode, sorry = api.sends(READER, start)  # the chapter list is left out
    assert episode.status == 413
    page = f"https://paper.example/issues/{issue.id}.html"
    assert sorry.text == texts.AUDIO_FAILED.format(url=page)
    [[player]] = sorry.json("reply_markup")["inline_keyboard"]
    assert player == {"text": texts.BTN_WEB_PLAYER, "web_app": {"url": page}}


def test_upgraded_file_with_the_same_content_key_is_not_sent_by_the_old_file_id(
    db: Database,
) -> None:
    from tingbao.bot.files import FileIdCache

    cache = FileIdCache(db)
    offline = Asset("a1", "i1", "ogg", "audio/i1/a1.ogg", 1000, "audio/ogg", 3.0, "offline", "k")
    cache.put(offline, "voice", "FILE_OFFLINE")
    upgraded = Asset("a1", "i1", "ogg", "audio/i1/a1.ogg", 1400, "audio/ogg", 3.1, "edge", "k")
    assert cache.get(offline, "voice") == "FILE_OFFLINE"
    assert cache.get(upgraded, "voice") is None
