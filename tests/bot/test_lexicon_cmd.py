"""Editors fix readings from the bot: /读音 adds, changes and lists, /读音删 removes; the Latin
aliases do the same; readers are refused; bad input gets a reason and an example."""

from __future__ import annotations

import itertools
import time

from tests.bot.conftest import ADMIN, READER, Chat, StartBot
from tests.bot.fake_api import Call, FakeBotApi
from tingbao.bot.lexicon import listing
from tingbao.chat import texts
from tingbao.chinese.lexicon import DEFAULT_ENTRIES, Entry, Lexicon
from tingbao.store.engine import Database
from tingbao.store.lexicon import LexiconStore

_ids = itertools.count(10_000)


async def say_plain(api: FakeBotApi, chat_id: int, text: str, expect: int = 1) -> list[Call]:
    """Send text as Telegram does a "/读音" message: no bot_command entity (the fake server marks
    every "/…" as one, Telegram only /[a-z0-9_]+)."""
    start = len(api.calls)
    message = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "编辑"},
        "from": FakeBotApi.user(chat_id),
        "text": text,
    }
    api.push({"message": message})
    await api.wait_for(lambda: len(api.sends(chat_id, start)) >= expect)
    return api.sends(chat_id, start)


async def test_an_editor_adds_a_reading_and_the_store_has_it(
    start_bot: StartBot, bot_db: Database
) -> None:
    bot = await start_bot()
    [done] = await say_plain(bot.api, ADMIN, "/读音 单晓明 善晓明")
    assert done.text == (
        "记下了：“单晓明”读作“善晓明”（shàn xiǎo míng）。\n含这个词的文章会重新朗读。"
    )
    store = LexiconStore(bot_db)
    [row] = store.rows()
    assert (row.word, row.homophone, row.pinyin) == ("单晓明", "善晓明", "shan4 xiao3 ming2")
    assert row.updated_by == f"telegram:{ADMIN}"
    before = store.version()
    # Pinyin alone (tone marks), with the fake's command entity, and "@bot" naming this bot.
    [changed] = await bot.chat(ADMIN).say("/读音@tingbao_bot 闵行 mǐn háng")
    assert "“闵行”读作" in changed.text and "（mǐn háng）" in changed.text
    assert store.lexicon().get("闵行") == Entry("闵行", "抿航", "min3 hang2")
    assert store.version() != before


async def test_the_latin_aliases_add_and_remove(start_bot: StartBot, bot_db: Database) -> None:
    chat = (await start_bot()).chat(ADMIN)
    [done] = await chat.say("/duyin 曾丽 增丽 zeng1 li4")
    assert done.text.startswith("记下了：“曾丽”读作“增丽”（zēng lì）")
    assert LexiconStore(bot_db).lexicon().get("曾丽") == Entry("曾丽", "增丽", "zeng1 li4")
    [removed] = await chat.say("/duyin_del 曾丽")
    assert removed.text == texts.LEXICON_REMOVED.format(word="曾丽")
    assert LexiconStore(bot_db).rows() == []


async def test_an_editor_lists_the_entries_with_the_shipped_ones_marked(
    start_bot: StartBot, bot_db: Database
) -> None:
    LexiconStore(bot_db).add(Entry("单晓明", "善晓明", "shan4 xiao3 ming2"))
    bot = await start_bot()
    [listed] = await say_plain(bot.api, ADMIN, "/读音")
    lines = listed.text.splitlines()
    assert lines[0] == f"读音表（共{len(DEFAULT_ENTRIES) + 1}条）："
    assert "莘庄 → 新庄  xīn zhuāng（默认）" in lines
    assert "单 → 善  shàn（姓，只在人名里）（默认）" in lines
    assert "单晓明 → 善晓明  shàn xiǎo míng" in lines
    assert listed.text.endswith(texts.LEXICON_USAGE)
    [one] = await say_plain(bot.api, ADMIN, "/读音 莘庄")
    assert one.text == "“莘庄”现在读作“新庄”（xīn zhuāng）。"


def test_a_long_list_is_split_below_telegrams_limit() -> None:
    many = [Entry(f"莘庄{n:03d}", f"新庄{n:03d}", "xin1 zhuang1") for n in range(400)]
    messages = listing(Lexicon([*DEFAULT_ENTRIES, *many]))
    assert len(messages) > 1
    assert all(len(m.encode("utf-16-le")) // 2 <= 4096 for m in messages)
    lines = "\n".join(messages).splitlines()
    assert sum(" → " in line for line in lines) == len(DEFAULT_ENTRIES) + 400


async def test_an_editor_removes_a_shipped_entry_and_it_stays_removed(
    start_bot: StartBot, bot_db: Database
) -> None:
    bot = await start_bot()
    [removed] = await say_plain(bot.api, ADMIN, "/读音删 莘庄")
    assert removed.text == "已删除“莘庄”的读音。\n含这个词的文章会重新朗读。"
    store = LexiconStore(bot_db)
    assert store.lexicon().get("莘庄") is None and [r.removed for r in store.rows()] == [True]
    [again] = await say_plain(bot.api, ADMIN, "/读音删 莘庄")
    assert again.text == "读音表里没有“莘庄”。"
    [listed] = await say_plain(bot.api, ADMIN, "/读音")
    assert "莘庄 →" not in listed.text
    [usage] = await say_plain(bot.api, ADMIN, "/读音删")
    assert usage.text == texts.LEXICON_REMOVE_USAGE


async def test_readers_are_refused_and_nothing_changes(
    start_bot: StartBot, bot_db: Database
) -> None:
    bot = await start_bot()
    reader = bot.chat(READER)
    for said in ("/读音 莘庄 深庄", "/读音", "/读音删 莘庄"):
        [refusal] = await say_plain(bot.api, READER, said)
        assert refusal.text == texts.NOT_ADMIN_COMMAND
    for said in ("/duyin 莘庄 深庄", "/duyin_del 莘庄"):
        [refusal] = await reader.say(said)
        assert refusal.text == texts.NOT_ADMIN_COMMAND
    assert LexiconStore(bot_db).rows() == []


async def test_bad_input_gets_a_reason_and_an_example(
    start_bot: StartBot, bot_db: Database
) -> None:
    bot = await start_bot()
    example = "\n比如：/读音 莘庄 新庄，或 /读音 莘庄 xin1 zhuang1"
    cases = {
        "/读音 莘庄 xin zhuang": "拼音要带声调。",
        "/读音 莘庄 xin1": "拼音要一个字一个音节。",
        "/读音 莘庄 xin9 zhuang1": "“xin9”不是正确的拼音，声调写1到5。",
        "/读音 莘庄 新庄 shen1 zhuang1": "同音字读作 xīn zhuāng，和拼音对不上。只写一种也行。",
        "/读音 abc xin1": "“abc”里没有汉字。",
        "/读音 莘庄 新!": "读法只能写同音的汉字或拼音。",
    }
    for said, reason in cases.items():
        [answer] = await say_plain(bot.api, ADMIN, said)
        assert answer.text == f"没有记下：{reason}{example}", said
    [unknown] = await say_plain(bot.api, ADMIN, "/读音 甲乙丙")
    assert unknown.text == "读音表里没有“甲乙丙”。\n" + texts.LEXICON_USAGE
    assert LexiconStore(bot_db).rows() == []


async def test_other_messages_still_reach_the_reader_handlers(
    start_bot: StartBot, bot_db: Database
) -> None:
    """ "/读音xyz" is not the command, and "/读音@other_bot" is for another bot: the first goes
    on to the readers' search, the second gets no answer from this bot."""
    bot = await start_bot()
    [search] = await say_plain(bot.api, ADMIN, "/读音xyz")
    assert search.text != texts.NOT_ADMIN_COMMAND and "记下了" not in search.text
    start = len(bot.api.calls)
    await say_plain(bot.api, ADMIN, "/读音@other_bot 莘庄 新庄", expect=0)
    [help_] = await Chat(bot.api, ADMIN).say("/help")
    assert all("记下了" not in c.text for c in bot.api.sends(ADMIN, start))
    assert help_.text.startswith("点下面的按钮就行")
    assert LexiconStore(bot_db).rows() == []


async def test_hidden_characters_and_markup_are_refused_in_chinese_and_echoed_escaped(
    start_bot: StartBot, bot_db: Database
) -> None:
    bot = await start_bot()
    example = "\n比如：/读音 莘庄 新庄，或 /读音 莘庄 xin1 zhuang1"
    cases = {
        "/读音 莘\x1b[31m庄 新庄": "里面有看不见的控制字符（\\x1b），请删掉后重新输入。",
        "/读音 莘庄 新\x07庄": "里面有看不见的控制字符（\\x07），请删掉后重新输入。",
        "/读音 莘庄\ue000 新庄": "里面有显示不出来的特殊字符（\\ue000），请删掉后重新输入。",
        "/读音 <speak>莘庄 新庄": "词和读法里不能有符号 <，请只写汉字或拼音。",
        "/读音 [[莘庄]] 新庄": "词和读法里不能有符号 [，请只写汉字或拼音。",
        "/读音 &lt;莘庄 新庄": "词和读法里不能有符号 &，请只写汉字或拼音。",
    }
    for said, reason in cases.items():
        [answer] = await say_plain(bot.api, ADMIN, said)
        assert answer.text == f"没有记下：{reason}{example}", said
    assert LexiconStore(bot_db).rows() == []
    # An entry stored before words were checked is listed, asked for and removed escaped.
    LexiconStore(bot_db).add(Entry("莘\x1b庄", "新\x1b庄", "xin1 zhuang1"))
    [listed] = await say_plain(bot.api, ADMIN, "/读音")
    assert "莘\\x1b庄 → 新\\x1b庄  xīn zhuāng" in listed.text.splitlines()
    [one] = await say_plain(bot.api, ADMIN, "/读音 莘\x1b庄")
    assert one.text == "“莘\\x1b庄”现在读作“新\\x1b庄”（xīn zhuāng）。"
    [removed] = await say_plain(bot.api, ADMIN, "/读音删 莘\x1b庄")
    assert removed.text == texts.LEXICON_REMOVED.format(word="莘\\x1b庄")
    [missing] = await say_plain(bot.api, ADMIN, "/读音删 莘\x07庄")
    assert missing.text == "读音表里没有“莘\\x07庄”。"
    assert not any("\x1b" in call.text or "\x07" in call.text for call in bot.api.sends(ADMIN))
