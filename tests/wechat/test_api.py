"""The API client against the fake WeChat server, through the real wechatpy client: the shared
token, its renewal, WeChat's error codes, the menu, and no secret in any log line or error."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.wechat.fake_api import SECRET, FakeWechatApi
from tingbao.paper.errors import PaperError
from tingbao.paper.settings import Secret
from tingbao.store.engine import Database
from tingbao.wechat.api import REFRESH_AHEAD_S, WechatApi
from tingbao.wechat.errors import (
    AlreadySentError,
    InvalidTokenError,
    OutsideWindowError,
    QuotaError,
    WechatApiError,
    WechatUnreachableError,
    api_error,
)
from tingbao.wechat.menu import HOTLINE, LATEST, LISTEN, set_menu
from tingbao.wechat.settings import WechatSettings

OPENID = "oABCD1234567890abcdefghijklm"


class Clock:
    """A settable UTC clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_one_fetch_serves_every_replica(
    wechat_api: WechatApi, wechat_settings: WechatSettings, db: Database, fake_wechat: FakeWechatApi
) -> None:
    other = WechatApi(wechat_settings, db, holder="replica-2")
    wechat_api.send_text(OPENID, "你好")
    other.send_text(OPENID, "再见")
    fetches = fake_wechat.fetches()
    assert [c.path for c in fetches] == ["stable_token"]  # never /cgi-bin/token
    assert fetches[0].body["force_refresh"] is False
    used = {c.query["access_token"] for c in fake_wechat.made("message/custom/send")}
    assert used == {fake_wechat.issued[0]}
    assert [m["text"]["content"] for m in fake_wechat.custom] == ["你好", "再见"]


def test_replicas_starting_together_fetch_once(
    wechat_settings: WechatSettings, db: Database, fake_wechat: FakeWechatApi
) -> None:
    replicas = [WechatApi(wechat_settings, db, holder=f"replica-{n}") for n in range(4)]
    tokens: list[str] = []
    start = threading.Barrier(len(replicas))

    def fetch(api: WechatApi) -> None:
        start.wait()
        tokens.append(api.access_token())

    threads = [threading.Thread(target=fetch, args=(api,)) for api in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(fake_wechat.fetches()) == 1
    assert set(tokens) == {fake_wechat.issued[0]}


def test_token_is_renewed_ahead_of_its_expiry(
    wechat_settings: WechatSettings, db: Database, fake_wechat: FakeWechatApi
) -> None:
    clock = Clock()
    api = WechatApi(wechat_settings, db, holder="replica-1", clock=clock)
    api.access_token()
    clock.now += timedelta(seconds=7200 - REFRESH_AHEAD_S - 60)
    api.access_token()
    assert len(fake_wechat.fetches()) == 1  # still well within its life
    clock.now += timedelta(seconds=120)  # inside the last five minutes
    api.access_token()
    assert len(fake_wechat.fetches()) == 2
    assert fake_wechat.fetches()[1].body["force_refresh"] is False


def test_a_refused_token_is_renewed_once_and_the_call_made_again(
    wechat_api: WechatApi, wechat_settings: WechatSettings, db: Database, fake_wechat: FakeWechatApi
) -> None:
    wechat_api.send_text(OPENID, "一")
    fake_wechat.revoke_tokens()  # as a /cgi-bin/token call elsewhere does
    wechat_api.send_text(OPENID, "二")
    sends = fake_wechat.made("message/custom/send")
    assert [c.errcode for c in sends] == [0, 40001, 0]
    assert [c.body["force_refresh"] for c in fake_wechat.fetches()] == [False, True]
    # The other replica reads the renewed token: no fetch of its own.
    WechatApi(wechat_settings, db, holder="replica-2").send_text(OPENID, "三")
    assert len(fake_wechat.fetches()) == 2
    assert [m["text"]["content"] for m in fake_wechat.custom] == ["一", "二", "三"]


def test_a_token_refused_again_is_an_error_after_one_retry(
    wechat_api: WechatApi, fake_wechat: FakeWechatApi
) -> None:
    fake_wechat.token_life_s = 0  # every token is expired when used: 42001
    with pytest.raises(InvalidTokenError) as caught:
        wechat_api.send_text(OPENID, "你好")
    assert caught.value.errcode == 42001
    assert [c.errcode for c in fake_wechat.made("message/custom/send")] == [42001, 42001]


def test_outside_the_48_hours_is_outside_window_error(
    wechat_api: WechatApi, fake_wechat: FakeWechatApi
) -> None:
    fake_wechat.outside_window.add(OPENID)
    with pytest.raises(OutsideWindowError) as caught:
        wechat_api.send_news(OPENID, "标题", "第一行", "https://example.org/a.html")
    error = caught.value
    assert isinstance(error, PaperError)
    assert error.errcode == 45015
    assert "\n" not in str(error) and "45015" in str(error)


def test_a_news_card_is_sent(wechat_api: WechatApi, fake_wechat: FakeWechatApi) -> None:
    wechat_api.send_news(OPENID, "标题", "第一行", "https://example.org/a.html", "https://p/c.jpg")
    (message,) = fake_wechat.custom
    assert message["touser"] == OPENID and message["msgtype"] == "news"
    assert message["news"]["articles"] == [
        {
            "title": "标题",
            "description": "第一行",
            "url": "https://example.org/a.html",
            "picurl": "https://p/c.jpg",
        }
    ]


def test_the_menu_is_three_click_buttons(wechat_api: WechatApi, fake_wechat: FakeWechatApi) -> None:
    set_menu(wechat_api)
    assert fake_wechat.menu == {
        "button": [
            {"type": "click", "name": "最新一期", "key": LATEST},
            {"type": "click", "name": "收听整期", "key": LISTEN},
            {"type": "click", "name": "新闻热线", "key": HOTLINE},
        ]
    }
    assert (LATEST, LISTEN, HOTLINE) == ("latest", "listen", "hotline")  # the endpoint's keys


def test_a_wrong_secret_says_what_to_fix(
    wechat_settings: WechatSettings, db: Database, fake_wechat: FakeWechatApi
) -> None:
    wrong = replace(wechat_settings, secret=Secret("not-the-secret-0000"))
    with pytest.raises(WechatApiError) as caught:
        WechatApi(wrong, db, holder="replica-1").send_text(OPENID, "你好")
    assert caught.value.errcode == 40125
    assert "WECHAT_SECRET" in str(caught.value)
    assert "not-the-secret-0000" not in str(caught.value)


def test_an_api_that_does_not_answer_is_unreachable(
    wechat_api: WechatApi, wechat_settings: WechatSettings, db: Database, fake_wechat: FakeWechatApi
) -> None:
    token = wechat_api.access_token()
    gone = replace(wechat_settings, api_base_url="http://127.0.0.1:9")  # discard: refused
    with pytest.raises(WechatUnreachableError) as caught:
        WechatApi(gone, db, holder="replica-2", timeout=2.0).send_text(OPENID, "你好")
    assert caught.value.errcode is None
    assert token not in str(caught.value) and "access_token" not in str(caught.value)


def test_no_secret_or_token_in_logs_or_errors(
    wechat_api: WechatApi, fake_wechat: FakeWechatApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")
    errors: list[str] = []
    wechat_api.send_text(OPENID, "你好")
    fake_wechat.revoke_tokens()
    set_menu(wechat_api)
    fake_wechat.outside_window.add(OPENID)
    try:
        wechat_api.send_text(OPENID, "你好")
    except OutsideWindowError as exc:
        errors.append(str(exc))
    assert errors
    assert "access_token=***" in caplog.text  # urllib3's request lines were logged, masked
    assert len(fake_wechat.issued) == 2
    for secret in (SECRET, *fake_wechat.issued):
        assert secret not in caplog.text
        assert all(secret not in error for error in errors)


@pytest.mark.parametrize(
    ("errcode", "kind"),
    [
        (40001, InvalidTokenError),
        (42001, InvalidTokenError),
        (45015, OutsideWindowError),
        (45009, QuotaError),
        (45028, QuotaError),
        (45066, QuotaError),
        (45065, AlreadySentError),
        (40164, WechatApiError),
    ],
)
def test_each_errcode_is_its_error_on_one_line(errcode: int, kind: type[WechatApiError]) -> None:
    error = api_error("menu/create", errcode, "bad\nthing access_token=TOKEN-123&x=1 rid: 5")
    assert type(error) is kind and error.errcode == errcode
    assert "TOKEN-123" not in str(error) and "\n" not in str(error)
    assert str(error).startswith(f"WeChat API menu/create failed: errcode {errcode}: bad thing")
