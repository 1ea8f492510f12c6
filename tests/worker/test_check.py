"""`tingbao check` against reachable (fake) and unreachable edge-tts and Bot API servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.audio.fake_edge import FakeEdge
from tests.bot.fake_api import FakeBotApi
from tingbao.cli.check import healthy, run_checks
from tingbao.cli.main import main
from tingbao.paper.settings import Secret
from tingbao.worker.settings import Settings


async def test_edge_mode_is_healthy_when_the_service_answers(settings: Settings) -> None:
    server = FakeEdge()
    runner = await server.start()
    try:
        checks = await run_checks(settings.with_overrides(tts="edge"), edge_url=server.url)
    finally:
        await runner.cleanup()
    by_name = {c.name: c for c in checks}
    assert by_name["edge-tts"].ok and by_name["edge-tts"].detail == "reachable"
    assert "offline voice" not in by_name
    assert healthy(checks)


async def test_auto_mode_stays_healthy_on_the_offline_voice(settings: Settings) -> None:
    nowhere = "ws://127.0.0.1:9/nothing-listens-here"
    checks = await run_checks(settings.with_overrides(tts="auto"), edge_url=nowhere)
    by_name = {c.name: c for c in checks}
    assert not by_name["edge-tts"].ok and not by_name["edge-tts"].required
    assert by_name["offline voice"].ok
    assert healthy(checks)
    edge_only = await run_checks(settings.with_overrides(tts="edge"), edge_url=nowhere)
    assert not healthy(edge_only)


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


def with_bot(settings: Settings, base_url: str, token: str) -> Settings:
    return settings.with_overrides(telegram_token=Secret(token), telegram_base_url=base_url)


async def test_bot_without_a_token_is_off_and_not_required(settings: Settings) -> None:
    checks = await run_checks(settings, voices=False)
    bot = {c.name: c for c in checks}["bot"]
    assert bot.ok and not bot.required and bot.detail == "off (no TELEGRAM_BOT_TOKEN)"
    assert healthy(checks)


async def test_bot_is_healthy_when_get_me_answers(settings: Settings, bot_api: FakeBotApi) -> None:
    checks = await run_checks(with_bot(settings, bot_api.base_url, bot_api.token), voices=False)
    by_name = {c.name: c for c in checks}
    assert by_name["bot"].ok and by_name["bot"].required
    assert by_name["bot"].detail == "@tingbao_bot answers getMe"
    assert by_name["database"].detail == "0 issues stored, outbox: 0 pending, 0 sending"
    assert healthy(checks)
    assert [c.method for c in bot_api.calls] == ["getMe"]


@pytest.mark.parametrize("fault", ["unreachable", "bad token"])
async def test_bot_failure_is_one_clear_line_without_the_token(
    settings: Settings, bot_api: FakeBotApi, fault: str
) -> None:
    if fault == "unreachable":
        token, base_url = bot_api.token, "http://127.0.0.1:9/bot"
        expected = "cannot reach 127.0.0.1:9: "
    else:
        token, base_url = "654321:WRONG-token-abcdefghijklmnop", bot_api.base_url
        expected = f"127.0.0.1:{bot_api.port} refused the token (TELEGRAM_BOT_TOKEN is wrong"
    checks = await run_checks(with_bot(settings, base_url, token), voices=False, bot_timeout_s=2)
    bot = {c.name: c for c in checks}["bot"]
    assert not bot.ok and bot.required and not healthy(checks)
    assert bot.detail.startswith(expected), bot.detail
    assert "\n" not in bot.detail and token.split(":")[1] not in bot.detail


async def test_check_command_names_the_bot_and_never_prints_the_token(
    settings: Settings,
    bot_api: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TINGBAO_TTS", "offline")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", bot_api.token)
    monkeypatch.setenv("TELEGRAM_BASE_URL", bot_api.base_url)
    argv = ["--data-dir", str(settings.data_dir), "check", "--no-voice"]
    status = await asyncio.to_thread(main, argv)
    captured = capsys.readouterr()
    assert status == 0, captured.out + captured.err
    assert "ok   bot: @tingbao_bot answers getMe" in captured.out.splitlines()
    assert captured.out.strip().endswith("healthy")
    assert bot_api.token.split(":")[1] not in captured.out + captured.err
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "654321:WRONG-token-abcdefghijklmnop")
    status = await asyncio.to_thread(main, argv)
    captured = capsys.readouterr()
    assert status == 1
    [line] = [x for x in captured.out.splitlines() if x.startswith("FAIL bot: ")]
    assert "refused the token" in line and "WRONG-token" not in captured.out + captured.err
    assert captured.out.strip().endswith("unhealthy")
