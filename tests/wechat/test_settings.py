"""The account's settings: what turns the endpoint on, what each mode needs, bad values in one
line."""

from __future__ import annotations

import pytest

from tingbao.paper.errors import SettingsError
from tingbao.wechat.settings import load_wechat_settings

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as 公众平台 shows it


def test_nothing_set_is_off_and_a_token_turns_the_endpoint_on() -> None:
    off = load_wechat_settings({})
    assert (off.on, off.safe_mode, off.can_call_api) == (False, False, False)
    assert off.missing() == ["WECHAT_TOKEN"]
    on = load_wechat_settings({"WECHAT_TOKEN": "tok", "TINGBAO_WECHAT_PORT": "9001"})
    assert (on.on, on.missing(), on.listen_port, on.listen_host) == (True, [], 9001, "127.0.0.1")


def test_safe_mode_and_a_verified_account_say_what_they_still_need() -> None:
    safe = load_wechat_settings({"WECHAT_TOKEN": "t", "WECHAT_AES_KEY": KEY})
    assert safe.safe_mode and safe.missing() == ["WECHAT_APPID"]
    verified = load_wechat_settings({"WECHAT_TOKEN": "t", "WECHAT_VERIFIED": "1"})
    assert verified.missing() == ["WECHAT_APPID", "WECHAT_SECRET"]
    assert not verified.can_call_api
    whole = load_wechat_settings(
        {"WECHAT_TOKEN": "t", "WECHAT_VERIFIED": "1", "WECHAT_APPID": "wx1", "WECHAT_SECRET": "s"}
    )
    assert whole.can_call_api and whole.missing() == []
    assert "s" not in repr(whole.secret)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"WECHAT_AES_KEY": "too-short"}, "WECHAT_AES_KEY is not an EncodingAESKey"),
        ({"WECHAT_AES_KEY_PREVIOUS": KEY + "x"}, "WECHAT_AES_KEY_PREVIOUS is not"),
        ({"WECHAT_APPID": "wx 1"}, "WECHAT_APPID is not an AppID"),
        ({"WECHAT_VERIFIED": "maybe"}, "WECHAT_VERIFIED='maybe' must be 0 or 1"),
        ({"WECHAT_API_BASE_URL": "ftp://x"}, "must start with https://"),
        ({"TINGBAO_WECHAT_PORT": "http"}, "TINGBAO_WECHAT_PORT='http' is not a whole number"),
    ],
)
def test_bad_values_are_one_line(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError, match=None) as raised:
        load_wechat_settings(env)
    assert says in str(raised.value) and "\n" not in str(raised.value)
    assert KEY not in str(raised.value)
