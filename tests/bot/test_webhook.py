"""`tingbao bot --webhook`: our webhook listener as a child process, against the fake Bot API.

It sets the webhook with the secret, answers updates POSTed with the secret header over HTTP, and
refuses (403) those without it or with a wrong one, before reading their body; a body over 1 MB is
413, one that is not an update 400, and the listener keeps serving; `tingbao bot` (polling)
deletes the webhook again. Bad settings end in one line.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import Bot, Update

from tests.bot.fake_api import Call, FakeBotApi, ThreadedFakeBotApi
from tests.http_probe import post_unread, slow_header_closed_after
from tests.webhook import SECRET_HEADER, post_webhook
from tingbao.bot.settings import derived_secret, load_bot_settings
from tingbao.bot.webhook import MAX_BODY_BYTES, WebhookListener, WebhookRoute, make_webhook_app
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
        "TINGBAO_OFFLINE_VOICE": "espeak",
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


# Our listener (bot/webhook.py): the secret before the body, the body capped, bad bodies 400.

SECRET = "s3cret_-X"


@pytest.fixture
async def listener() -> AsyncIterator[tuple[WebhookListener, list[Update]]]:
    delivered: list[Update] = []

    async def deliver(update: Update) -> None:
        delivered.append(update)

    route = WebhookRoute(PATH, SECRET)
    app = make_webhook_app(route, Bot(ENV["TELEGRAM_BOT_TOKEN"]), deliver)
    running = WebhookListener(app, "127.0.0.1", 0, header_timeout_s=1.0)
    await running.start()
    yield running, delivered
    await running.stop()


async def post_raw(port: int, body: bytes, secret: str | None = SECRET) -> int:
    url = f"http://127.0.0.1:{port}{PATH}"
    return await asyncio.to_thread(post_webhook, url, body, secret)


def deep(depth: int) -> bytes:
    return b'{"update_id": 7, "x": ' + b"[" * depth + b"]" * depth + b"}"


BAD_BODIES = {
    "malformed JSON": b'{"update_id": 5, "message": ',
    "bad UTF-8": b'{"update_id": 5, "x": "\xff\xfe"}',
    "UTF-16": json.dumps({"update_id": 5}).encode("utf-16"),
    "10,000-deep nesting": deep(10_000),
    "update_id beyond 64 bits": b'{"update_id": 18446744073709551616}',
    "update_id of 5,000 digits": b'{"update_id": ' + b"9" * 5000 + b"}",
    "a chat id beyond 64 bits": json.dumps(
        text_update(5, 2**64, "/help"), separators=(",", ":")
    ).encode(),
    "update_id a string": b'{"update_id": "5"}',
    "update_id negative": b'{"update_id": -1}',
    "no update_id": b'{"message": {}}',
    "not an object": b"[1, 2, 3]",
    "NaN": b'{"update_id": 5, "x": NaN}',
    "empty": b"",
    "a message that is a string": b'{"update_id": 5, "message": "hi"}',
    "a date beyond the calendar": json.dumps(
        {
            **text_update(5, 1, "hi"),
            "message": {**text_update(5, 1, "hi")["message"], "date": 2**62},
        }
    ).encode(),
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
async def test_bad_bodies_with_the_secret_are_400_and_the_listener_keeps_serving(
    listener: tuple[WebhookListener, list[Update]], name: str
) -> None:
    running, delivered = listener
    assert await post_raw(running.port, BAD_BODIES[name]) == 400
    assert delivered == []
    assert await post_raw(running.port, json.dumps(text_update(9, 77, "/help")).encode()) == 200
    [update] = delivered
    assert update.update_id == 9 and update.effective_chat is not None
    assert update.effective_chat.id == 77


async def test_the_secret_is_checked_first_and_the_body_is_capped(
    listener: tuple[WebhookListener, list[Update]],
) -> None:
    running, delivered = listener
    good = json.dumps(text_update(3, 5, "/help")).encode()
    assert await post_raw(running.port, good, secret=None) == 403
    assert await post_raw(running.port, good, secret="wrong") == 403
    assert await post_raw(running.port, good, secret=SECRET + "x") == 403
    assert await post_raw(running.port, BAD_BODIES["malformed JSON"], secret="wrong") == 403
    # Over 1 MB: refused by its Content-Length before a byte of it is read.
    big = b'{"update_id": 4, "x": "' + b"y" * MAX_BODY_BYTES + b'"}'
    status, answered, _sent = await asyncio.to_thread(
        post_unread, running.port, PATH, len(big), {SECRET_HEADER: SECRET}
    )
    assert status == 413 and answered is not None and answered < 2
    # Sent in chunks without a length: refused once it has grown past the cap.
    async with aiohttp.ClientSession() as http:

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(40):
                yield b"y" * 64 * 1024

        try:
            async with http.post(
                f"http://127.0.0.1:{running.port}{PATH}",
                data=chunks(),
                headers={SECRET_HEADER: SECRET},
            ) as response:
                assert response.status == 413
        except aiohttp.ClientOSError:
            pass  # closed while still sending: refused all the same
    assert delivered == []
    assert await post_raw(running.port, good) == 200 and len(delivered) == 1
    # Not the path, not POST: nothing read.
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{running.port}{PATH}") as response:
            assert response.status == 405
        async with http.post(f"http://127.0.0.1:{running.port}/other", data=good) as response:
            assert response.status == 404


async def test_a_slow_header_to_the_listener_is_cut_at_the_deadline(
    listener: tuple[WebhookListener, list[Update]],
) -> None:
    running, delivered = listener
    stalled = asyncio.create_task(asyncio.to_thread(slow_header_closed_after, running.port, 5))
    await asyncio.sleep(0.2)
    assert await post_raw(running.port, json.dumps(text_update(8, 6, "hi")).encode()) == 200
    seconds = await stalled
    assert seconds is not None and 0.5 <= seconds <= 3.0, seconds
    assert len(delivered) == 1


def rss_kb(pid: int) -> int:
    """Return a process's resident set size in kB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_50_mb_stranger_costs_the_listener_no_memory_and_bad_bodies_no_500(
    threaded: ThreadedFakeBotApi, tmp_path: Path
) -> None:
    api = threaded.api
    port = free_port()
    log = tmp_path / "webhook.log"
    child = start_webhook_bot(api, tmp_path / "data", port, log=log)
    try:
        wait(lambda: listening(port) and any(c.method == "setWebhook" for c in api.calls))
        secret = derived_secret(api.token)
        assert post_update(port, text_update(1, 601, "/help"), secret=secret) == 200
        wait(lambda: len(replies(api, 601)) == 1)
        time.sleep(0.5)
        before = rss_kb(child.pid)
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_kb(child.pid))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            size = 50 * 1024 * 1024
            status, answered, sent = post_unread(port, PATH, size, {})
            wrong = post_unread(port, PATH, size, {SECRET_HEADER: "wrong"})
        finally:
            done.set()
            sampler.join()
        assert status == 403 and answered is not None and answered < 1.0, (status, answered)
        assert wrong[0] == 403 and wrong[1] is not None and wrong[1] < 1.0, wrong
        grown_kb = peak[0] - before
        print(f"RSS {before} kB before, peak {peak[0]} kB: +{grown_kb} kB; body taken {sent} B")
        assert grown_kb < 8 * 1024, grown_kb

        for name, body in BAD_BODIES.items():
            url = f"http://127.0.0.1:{port}{PATH}"
            assert post_webhook(url, body, secret) == 400, name
        assert post_update(port, text_update(2, 602, "/help"), secret=secret) == 200
        wait(lambda: len(replies(api, 602)) == 1)  # still serving, and answering
        assert child.poll() is None
    finally:
        stop(child)
    logged = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in logged and "Error handling request" not in logged
    assert secret not in logged and api.token not in logged
