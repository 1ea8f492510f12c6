"""Exceptions raised by the WeChat part's API calls, each keeping WeChat's errcode.

PaperError (paper/errors.py)
 └── WechatError              base: `errcode` (None when WeChat never answered), `call`
      ├── WechatUnreachableError   no answer: the network, a timeout, an HTTP error status
      └── WechatApiError           WeChat answered with an errcode it documents
           ├── InvalidTokenError        40001, 40014, 42001: the access token is invalid or expired
           ├── OutsideWindowError       45015: a customer-service message more than 48 hours
           │                            after the follower's last message
           ├── QuotaError               45009 (daily API quota), 45028 (no mass-send quota left),
           │                            45066 (the same clientmsgid retried too soon)
           └── AlreadySentError         45065: a mass send with this clientmsgid was made already
                                        (`msg_id` is the earlier send's)

Messages are one line: the call, WeChat's code and words, and what to do. They never hold the
AppSecret or an access token (both travel in requests, never in what is raised here).
"""

from __future__ import annotations

import re

from tingbao.paper.errors import PaperError

INVALID_TOKEN = frozenset({40001, 40014, 42001})
OUTSIDE_WINDOW = 45015
QUOTA = frozenset({45009, 45028, 45066})
ALREADY_SENT = 45065

_HINTS = {
    40001: "the token is refreshed once; check WECHAT_SECRET if it keeps happening",
    40125: "WECHAT_SECRET is wrong: copy the AppSecret from 公众平台 → 基本配置",
    40013: "WECHAT_APPID is wrong: copy the AppID from 公众平台 → 基本配置",
    40164: "add this server's public IP to the IP whitelist in 公众平台 → 基本配置",
    45015: "customer-service messages are allowed only within 48 hours of the follower's message",
    45009: "the daily API quota is used up; it is tried again later",
    45028: "no mass-send quota left (订阅号: once a day; 服务号: four a month); tried again later",
    45066: "the same mass send was retried too soon; tried again later",
    48001: "the account may not call this API: WECHAT_VERIFIED=1 needs a verified account",
}
_TOKEN_IN_TEXT = re.compile(r"(access_token|secret)=[^&\s]*")


def _clean(text: str) -> str:
    """Return text on one line, any access_token=… or secret=… masked."""
    line = " ".join(str(text).split())
    return _TOKEN_IN_TEXT.sub(r"\1=***", line)[:300]


class WechatError(PaperError):
    """Base of every error of the WeChat part's API calls."""

    def __init__(self, call: str, errcode: int | None, errmsg: str) -> None:
        self.call = call
        self.errcode = errcode
        self.errmsg = _clean(errmsg)
        hint = _HINTS.get(errcode) if errcode is not None else None
        code = f"errcode {errcode}: " if errcode is not None else ""
        tail = f" ({hint})" if hint else ""
        super().__init__(f"WeChat API {call} failed: {code}{self.errmsg}{tail}")


class WechatUnreachableError(WechatError):
    """WeChat (or WECHAT_API_BASE_URL) did not answer, or answered with an HTTP error."""


class WechatApiError(WechatError):
    """WeChat answered with an errcode; the generic one when no narrower class fits."""


class InvalidTokenError(WechatApiError):
    """The access token was refused: invalidated by a new one, or expired."""


class OutsideWindowError(WechatApiError):
    """A customer-service message outside the 48 hours after the follower's last message."""


class QuotaError(WechatApiError):
    """Over a quota: the daily API calls, the account type's mass sends, or a mass send retried
    too soon; the same call may succeed later."""


class AlreadySentError(WechatApiError):
    """A mass send with this clientmsgid was made already; `msg_id` is the earlier one's."""

    def __init__(self, call: str, errcode: int | None, errmsg: str, msg_id: str = "") -> None:
        super().__init__(call, errcode, errmsg)
        self.msg_id = msg_id


def api_error(call: str, errcode: int, errmsg: str, msg_id: str = "") -> WechatApiError:
    """Return the narrowest error for WeChat's answer errcode to call."""
    if errcode in INVALID_TOKEN:
        return InvalidTokenError(call, errcode, errmsg)
    if errcode == OUTSIDE_WINDOW:
        return OutsideWindowError(call, errcode, errmsg)
    if errcode in QUOTA:
        return QuotaError(call, errcode, errmsg)
    if errcode == ALREADY_SENT:
        return AlreadySentError(call, errcode, errmsg, msg_id)
    return WechatApiError(call, errcode, errmsg)
