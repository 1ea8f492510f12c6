"""`tingbao wechat` in a child process, as a deployment runs it: a verified account in safe mode
with the fake WeChat API, answering real signed requests; its menu; one line for bad settings;
no secret in its log; and a kill -9 in the middle of a mass send that sends nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import update

from tests.bot.test_webhook import free_port, listening, wait
from tests.conftest import build_issue
from tests.wechat.fake_api import APPID, SECRET, FakeWechatApi
from tests.wechat.follower import Follower, WechatServer
from tests.wechat.test_endpoint import new_aes_key
from tingbao.store.engine import Database
from tingbao.store.issues import IssueStore
from tingbao.wechat.mass import queue_mass_send
from tingbao.wechat.tables import MassSendRow
from tingbao.worker.settings import Settings

pytestmark = pytest.mark.subprocess

TOKEN = "child-endpoint-token-93be"


def wechat_env(fake: FakeWechatApi, port: int, aes_key: str, **extra: str) -> dict[str, str]:
    """Return the environment of a `tingbao wechat` child: a verified account in safe mode."""
    return {
        **os.environ,
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "TINGBAO_BASE_URL": "http://127.0.0.1:8080/",
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_AES_KEY": aes_key,
        "WECHAT_APPID": APPID,
        "WECHAT_SECRET": SECRET,
        "WECHAT_VERIFIED": "1",
        "WECHAT_API_BASE_URL": fake.base_url,
        "TINGBAO_WECHAT_PORT": str(port),
        "TINGBAO_INBOX_INTERVAL": "1",  # the mass send looks every second
        **extra,
    }


def tingbao(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tingbao.cli.main", "--data-dir", str(data_dir), "-v", *args]


@pytest.fixture
def child_log(tmp_path: Path) -> Path:
    return tmp_path / "wechat.log"


@pytest.fixture
def started(
    settings: Settings, db: Database, child_log: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Children started by a test; each is stopped at the end."""
    children: list[subprocess.Popen[bytes]] = []
    yield children
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def start_child(
    settings: Settings, env: dict[str, str], log: Path, children: list[subprocess.Popen[bytes]]
) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        child = subprocess.Popen(
            tingbao(settings.data_dir, "wechat"), env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    children.append(child)
    return child


async def ask(server: WechatServer, said: str) -> str:
    async with aiohttp.ClientSession() as session:
        return (await Follower(server, session).say(said)).text


def test_the_endpoint_answers_in_safe_mode_and_logs_no_secret(
    settings: Settings,
    db: Database,
    fake_wechat: FakeWechatApi,
    child_log: Path,
    started: list[subprocess.Popen[bytes]],
) -> None:
    issue = build_issue()
    IssueStore(db).save_issue(issue)
    port, key = free_port(), new_aes_key()
    start_child(settings, wechat_env(fake_wechat, port, key), child_log, started)
    wait(lambda: listening(port), what="tingbao wechat")
    server = WechatServer(f"http://127.0.0.1:{port}/wechat", TOKEN, key, APPID)
    latest = asyncio.run(ask(server, "最新一期"))
    assert latest.startswith(issue.title) and issue.articles[0].title in latest
    assert "021-64059791" in asyncio.run(ask(server, "电话多少"))
    started[0].send_signal(signal.SIGTERM)
    assert started[0].wait(timeout=15) == 0
    log = child_log.read_text()
    assert "wechat: answering at http://127.0.0.1" in log and "safe mode, verified" in log
    for secret in (TOKEN, key, SECRET):
        assert secret not in log


def test_the_menu_is_set_and_bad_settings_are_one_line(
    settings: Settings, fake_wechat: FakeWechatApi
) -> None:
    env = wechat_env(fake_wechat, free_port(), new_aes_key())
    done = subprocess.run(
        tingbao(settings.data_dir, "wechat", "--menu"), env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert [b["name"] for b in fake_wechat.menu["button"]] == ["最新一期", "收听整期", "新闻热线"]
    for broken, says in (
        ({"WECHAT_TOKEN": ""}, "wechat is off: set WECHAT_TOKEN"),
        ({"WECHAT_AES_KEY": "short"}, "WECHAT_AES_KEY is not an EncodingAESKey"),
        ({"WECHAT_SECRET": ""}, "wechat needs WECHAT_SECRET"),
    ):
        done = subprocess.run(
            tingbao(settings.data_dir, "wechat"), env={**env, **broken}, capture_output=True
        )
        lines = done.stderr.decode().strip().splitlines()
        assert done.returncode == 1 and len(lines) == 1 and says in lines[0], lines


def test_a_kill_during_a_mass_send_sends_nothing_twice(
    settings: Settings,
    db: Database,
    fake_wechat: FakeWechatApi,
    child_log: Path,
    started: list[subprocess.Popen[bytes]],
) -> None:
    issue = build_issue()
    IssueStore(db).save_issue(issue)
    queue_mass_send(db, issue.id, issue.paper)
    port, key = free_port(), new_aes_key()
    env = wechat_env(fake_wechat, port, key)
    # Killed (SIGKILL) right after WeChat accepted the send, before it is recorded as sent.
    crashed = start_child(settings, {**env, "TINGBAO_FAULT": "wechat.sent"}, child_log, started)
    assert crashed.wait(timeout=60) == -signal.SIGKILL
    assert len(fake_wechat.deliveries) == 1
    with db.session() as session:  # the claim's lease runs out (300 s in real life)
        session.execute(update(MassSendRow).values(due_at=datetime.now(UTC) - timedelta(seconds=1)))
    start_child(settings, env, child_log, started)
    wait(lambda: _state(db, issue.id) == "sent", what="the mass send to be recorded")
    assert len(fake_wechat.deliveries) == 1  # WeChat said 45065: that clientmsgid went already
    assert [c.errcode for c in fake_wechat.made("message/mass/sendall")] == [0, 45065]


def _state(db: Database, issue_id: str) -> str:
    with db.session() as session:
        row = session.get(MassSendRow, issue_id)
        return row.state if row is not None else ""


def test_run_answers_wechat_when_a_token_is_set(
    settings: Settings, child_log: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    """`tingbao run` (plaintext mode, not verified) answers /wechat beside the worker."""
    port = free_port()
    env = {
        **os.environ,
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "WECHAT_TOKEN": TOKEN,
        "TINGBAO_WECHAT_PORT": str(port),
        "TINGBAO_HTTP_PORT": str(free_port()),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    with child_log.open("ab") as err:
        child = subprocess.Popen(
            tingbao(settings.data_dir, "run"), env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    started.append(child)
    wait(lambda: listening(port), timeout=60, what="tingbao run's WeChat endpoint")
    server = WechatServer(f"http://127.0.0.1:{port}/wechat", TOKEN)
    assert asyncio.run(ask(server, "最新")) == "还没有报纸发布，请过几天再来看看。"
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 0, child_log.read_text()
    assert "plaintext mode" in child_log.read_text() and TOKEN not in child_log.read_text()
