"""Fixtures for the WeChat part: a fake WeChat API server (on its own thread, so the
synchronous client and child processes can use it), the settings pointing at it, and the API
client on the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.wechat.fake_api import APPID, SECRET, FakeWechatApi, ThreadedFakeWechatApi
from tingbao.paper.settings import Secret
from tingbao.store.engine import Database
from tingbao.wechat.api import WechatApi
from tingbao.wechat.settings import WechatSettings


@pytest.fixture
def wechat_server() -> Iterator[ThreadedFakeWechatApi]:
    """The fake WeChat API serving on 127.0.0.1 (`.api` is the FakeWechatApi)."""
    server = ThreadedFakeWechatApi()
    with server:
        yield server


@pytest.fixture
def fake_wechat(wechat_server: ThreadedFakeWechatApi) -> FakeWechatApi:
    """The fake WeChat API: its `base_url`, recorded `calls`, `deliveries`, `menu`."""
    return wechat_server.api


@pytest.fixture
def wechat_settings(fake_wechat: FakeWechatApi) -> WechatSettings:
    """A verified account whose API is the fake."""
    return WechatSettings(
        token=Secret("endpoint-token-5d1c"),
        appid=APPID,
        secret=Secret(SECRET),
        api_base_url=fake_wechat.base_url,
        verified=True,
    )


@pytest.fixture
def wechat_api(wechat_settings: WechatSettings, db: Database) -> WechatApi:
    """The API client of one replica, on the test database."""
    return WechatApi(wechat_settings, db, holder="replica-1", timeout=5.0)
