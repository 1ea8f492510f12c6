from __future__ import annotations

from tests.bot.conftest import StartBot


async def test_start_shows_big_buttons(start_bot: StartBot) -> None:
    bot = await start_bot()
    replies = await bot.chat().say("/start")
    assert "您好" in replies[0].text
    labels = [label for label, _ in replies[0].buttons()]
    assert labels == ["最新一期", "收听全刊", "往期", "新闻热线", "订阅提醒"]
