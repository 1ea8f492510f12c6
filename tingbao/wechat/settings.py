"""The WeChat official account's settings (公众号 服务器配置 and developer credentials).

WECHAT_TOKEN (the 服务器配置 token; a secret) turns the message endpoint on; WECHAT_AES_KEY (the
43-character EncodingAESKey) turns on safe mode, with WECHAT_AES_KEY_PREVIOUS accepted during a
rotation; WECHAT_APPID and WECHAT_SECRET are the developer credentials the API calls need;
WECHAT_VERIFIED=1 says the account may call the API (mass send, menu, customer-service messages);
WECHAT_API_BASE_URL points the API client elsewhere (tests: a fake server); the endpoint listens on
TINGBAO_WECHAT_LISTEN:TINGBAO_WECHAT_PORT at /wechat.

Loaded once by the worker's `load_settings`; see README.md ("WeChat official account").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import Secret, env_int

WECHAT_API = "https://api.weixin.qq.com"
PATH = "/wechat"
_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")
_APPID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class WechatSettings:
    """The account: its endpoint's token and keys, its API credentials, where we listen."""

    token: Secret | None = None  # None: the endpoint is off
    aes_key: Secret | None = None  # None: plaintext mode
    aes_key_previous: Secret | None = None  # the key before a rotation, still accepted
    appid: str = ""
    secret: Secret | None = None  # the AppSecret
    api_base_url: str = WECHAT_API
    verified: bool = False  # may call the API: mass send, menu, customer-service messages
    listen_host: str = "127.0.0.1"
    listen_port: int = 8090

    @property
    def on(self) -> bool:
        """Return whether the message endpoint is configured."""
        return self.token is not None

    @property
    def safe_mode(self) -> bool:
        """Return whether messages come encrypted (EncodingAESKey set)."""
        return self.aes_key is not None

    @property
    def can_call_api(self) -> bool:
        """Return whether the API may be called: a verified account with its credentials."""
        return self.verified and bool(self.appid) and self.secret is not None

    def missing(self) -> list[str]:
        """Return the settings the endpoint (and, when verified, the API) still needs."""
        needed = [] if self.token is not None else ["WECHAT_TOKEN"]
        if (self.safe_mode or self.verified) and not self.appid:
            needed.append("WECHAT_APPID")
        if self.verified and self.secret is None:
            needed.append("WECHAT_SECRET")
        return needed


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    value = (env.get(name) or "").strip()
    return Secret(value) if value else None


def _aes_key(env: Mapping[str, str], name: str) -> Secret | None:
    key = _secret(env, name)
    if key is not None and not _AES_KEY.fullmatch(key.get()):
        raise SettingsError(
            f"{name} is not an EncodingAESKey: copy the 43 letters and digits shown in "
            "公众平台 → 设置与开发 → 基本配置"
        )
    return key


def load_wechat_settings(env: Mapping[str, str]) -> WechatSettings:
    """Read the account's settings from the environment (nothing set: the endpoint is off)."""
    appid = (env.get("WECHAT_APPID") or "").strip()
    if appid and not _APPID.fullmatch(appid):
        raise SettingsError("WECHAT_APPID is not an AppID: copy it from 公众平台 → 基本配置")
    verified = (env.get("WECHAT_VERIFIED") or "0").strip().lower()
    if verified not in ("0", "1", "false", "true", "no", "yes", ""):
        raise SettingsError(f"WECHAT_VERIFIED={verified!r} must be 0 or 1")
    base = (env.get("WECHAT_API_BASE_URL") or WECHAT_API).strip().rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise SettingsError(f"WECHAT_API_BASE_URL={base!r} must start with https://")
    return WechatSettings(
        token=_secret(env, "WECHAT_TOKEN"),
        aes_key=_aes_key(env, "WECHAT_AES_KEY"),
        aes_key_previous=_aes_key(env, "WECHAT_AES_KEY_PREVIOUS"),
        appid=appid,
        secret=_secret(env, "WECHAT_SECRET"),
        api_base_url=base,
        verified=verified in ("1", "true", "yes"),
        listen_host=(env.get("TINGBAO_WECHAT_LISTEN") or "127.0.0.1").strip(),
        listen_port=env_int(env, "TINGBAO_WECHAT_PORT", 8090, minimum=1),
    )
