"""`tingbao bot --webhook`: PTB's webhook server as a child process, against the fake Bot API.

It sets the webhook with the secret, answers updates POSTed with the secret header over HTTP, and
refuses (403) those without it or with a wrong one; `tingbao bot` (polling) deletes the webhook
again. Bad settings end in one line.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bot.fake_api import Call, FakeBotApi, ThreadedFakeBotApi
from tests.webhook import post_webhook
from tingbao.bot.settings import derived_secret, load_bot_settings
from tingbao.cli.main import main
from tingbao.paper.errors import SettingsError

WEBHOOK_URL = "https://news.example.org/telegram"
PATH = "/telegram"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(api: FakeBotApi, **extra: str) -> dict[str, str]:
    """Return the environment of a bot child talking to the fake Bot API."""
    return {
        **os.environ,
        "TINGBAO_TTS": "offline",
        "TINGBAO_BASE_URL": "http://127.0.0.1:8080/",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        **extra,
    }


def start_bot(
    data_dir: Path, env: dict[str, str], *args: str, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `tingbao bot ARGS` in a child process (stderr to log, if given)."""
    command = [sys.executable, "-m", "tingbao.cli.main", "--data-dir", str(data_dir), "-v"]
    if log is None:
        return subprocess.Popen(
            [*command, "bot", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    with log.open("wb") as err:  # the child keeps its own copy of the file
        return subprocess.Popen(
            [*command, "bot", *args], env=env, stdout=subprocess.DEVNULL, stderr=err
        )


def start_webhook_bot(
    api: FakeBotApi, data_dir: Path, port: int, log: Path | None = None, **extra: str
) -> subprocess.Popen[bytes]:
    """Start a `tingbao bot --webhook` replica listening on 127.0.0.1:port."""
    env = bot_env(
        api,
        TELEGRAM_WEBHOOK_URL=WEBHOOK_URL,
        TINGBAO_WEBHOOK_LISTEN="127.0.0.1",
        TINGBAO_WEBHOOK_PORT=str(port),
        **extra,
    )
    return start_bot(data_dir, env, "--webhook", log=log)


def wait(predicate: Callable[[], bool], timeout: float = 30.0, what: str = "the bot") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """Return an update as Telegram POSTs it: a private text message."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "张阿姨"},
        "from": FakeBotApi.user(chat_id),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


def post_update(port: int, update: dict[str, Any], secret: str | None) -> int:
    """POST an update to a webhook server as Telegram would; return the HTTP status."""
    return post_webhook(f"http://127.0.0.1:{port}{PATH}", json.dumps(update).encode(), secret)


def stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@pytest.fixture
def threaded() -> Iterator[ThreadedFakeBotApi]:
    server = ThreadedFakeBotApi()
    with server:
        yield server
    server.loop.close()  # stopped by __exit__; closing it frees its self-pipe


def replies(api: FakeBotApi, chat_id: int) -> list[Call]:
    return [c for c in api.sends(chat_id) if c.method == "sendMessage"]


@pytest.mark.slow
@pytest.mark.subprocess
def test_webhook_checks_the_secret_and_polling_deletes_the_webhook(
    threaded: ThreadedFakeBotApi, tmp_path: Path
) -> None:
    api = threaded.api
    data_dir = tmp_path / "data"
    port = free_port()
    log = tmp_path / "webhook.log"
    child = start_webhook_bot(api, data_dir, port, log=log)
    try:
        wait(lambda: listening(port) and any(c.method == "setWebhook" for c in api.calls))
        [hook] = [c for c in api.calls if c.method == "setWebhook"]
        secret = derived_secret(api.token)  # no TELEGRAM_WEBHOOK_SECRET: derived from the token
        assert hook.params["url"] == WEBHOOK_URL
        assert hook.params["secret_token"] == secret
        allowed = set(hook.json("allowed_updates"))
        assert {"message", "callback_query", "inline_query", "chosen_inline_result"} <= allowed
        assert api.webhook == {"url": WEBHOOK_URL, "secret_token": secret}

        assert post_update(port, text_update(1, 501, "/help"), secret=None) == 403
        assert post_update(port, text_update(2, 502, "/help"), secret="wrong-secret") == 403
        assert post_update(port, text_update(3, 503, "/help"), secret=secret) == 200
        wait(lambda: len(replies(api, 503)) == 1)
        time.sleep(0.5)  # the refused ones would have been answered by now
        assert replies(api, 501) == [] and replies(api, 502) == []
    finally:
        stop(child)
    logged = log.read_text(encoding="utf-8", errors="replace")
    assert "Webhook" in logged  # -v: PTB's debug lines are there …
    assert secret not in logged and api.token not in logged  # … and neither secret is

    # Back to polling: PTB's polling start deletes the webhook, then polls and answers.
    calls_before = len(api.calls)
    child = start_bot(data_dir, bot_env(api))
    try:
        wait(lambda: any(c.method == "deleteWebhook" for c in api.calls[calls_before:]))
        assert api.webhook == {}
        threaded.call(lambda: api.push_text(504, "/help"))
        wait(lambda: len(replies(api, 504)) == 1)
    finally:
        api.release_polls()
        stop(child)


ENV = {"TELEGRAM_BOT_TOKEN": "123456:TEST-token-abcdefghijklmnop"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"TELEGRAM_WEBHOOK_URL": "http://news.example.org/telegram"},
            "is not an https URL; Telegram calls webhooks over https only",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://news.example.org:8080/telegram"},
            "port 8080 is refused by Telegram, which calls webhooks on ports 443, 80, 88 or 8443",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "TELEGRAM_WEBHOOK_SECRET": "has space!"},
            "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "TELEGRAM_WEBHOOK_SECRET": "x" * 257},
            "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters",
        ),
        ({"TINGBAO_WEBHOOK_PORT": "70000"}, "TINGBAO_WEBHOOK_PORT=70000 is not a port"),
        ({"TINGBAO_OUTBOX_LEASE": "20"}, "TINGBAO_OUTBOX_LEASE=20 must be more than 50 seconds"),
        ({"TINGBAO_OUTBOX_RATE": "-1"}, "TINGBAO_OUTBOX_RATE=-1 must be 0 (no limit) or more"),
    ],
)
def test_bad_webhook_settings_are_refused_in_one_line(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_bot_settings({**ENV, **env}, staging_dir=tmp_path)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value) and "has space" not in str(refused.value)


def test_webhook_settings_and_the_secret_every_replica_derives(tmp_path: Path) -> None:
    env = {**ENV, "TELEGRAM_WEBHOOK_URL": "https://news.example.org:8443/hook/tg"}
    webhook = load_bot_settings(env, staging_dir=tmp_path).webhook
    assert webhook is not None
    assert (webhook.path, webhook.listen, webhook.port) == ("/hook/tg", "0.0.0.0", 8443)
    secret = webhook.secret.get()
    assert secret == derived_secret(ENV["TELEGRAM_BOT_TOKEN"])  # same on every replica
    assert len(secret) == 64 and secret not in repr(webhook)
    other = derived_secret("654321:OTHER-token-abcdefghijklmnop")
    assert other != secret
    given = {**env, "TELEGRAM_WEBHOOK_SECRET": "my_Secret-1"}
    chosen = load_bot_settings(given, staging_dir=tmp_path).webhook
    assert chosen is not None and chosen.secret.get() == "my_Secret-1"
    assert load_bot_settings(ENV, staging_dir=tmp_path).webhook is None


def test_webhook_without_its_url_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", ENV["TELEGRAM_BOT_TOKEN"])
    monkeypatch.delenv("TELEGRAM_WEBHOOK_URL", raising=False)
    assert main(["--data-dir", str(tmp_path), "bot", "--webhook"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "tingbao: bot --webhook needs TELEGRAM_WEBHOOK_URL: the https address Telegram calls,"
        " routed to this process (e.g. https://news.example.org/telegram)"
    ]
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://news.example.org:9000/x")
    assert main(["--data-dir", str(tmp_path), "bot", "--webhook"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("tingbao: bad setting: TELEGRAM_WEBHOOK_URL: port 9000 is refused")
