"""A follower as WeChat's servers speak for them: real signed requests (plaintext or safe mode,
made with wechatpy's crypto) to a running endpoint, and the replies read back."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import xmltodict
from wechatpy.crypto import WeChatCrypto

from tingbao.wechat.wire import signature_of

ACCOUNT = "gh_5f2a8c0d7e11"
_ids = itertools.count(6_000_000_000_000_000_001)


@dataclass(frozen=True)
class Reply:
    """What came back: the status, the raw body, and the reply's fields (decrypted)."""

    status: int
    body: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.fields.get("MsgType", "")) if self.fields else ""

    @property
    def text(self) -> str:
        return str(self.fields.get("Content", ""))

    @property
    def card(self) -> dict[str, str]:
        item = self.fields["Articles"]["item"]
        return dict(item[0] if isinstance(item, list) else item)


def message_xml(openid: str, kind: str, created: int, msg_id: int | None, **fields: str) -> str:
    """Return a message's XML as WeChat posts it."""
    parts = [
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{created}</CreateTime>",
        f"<MsgType><![CDATA[{kind}]]></MsgType>",
        *(f"<{name}><![CDATA[{value}]]></{name}>" for name, value in fields.items()),
    ]
    if msg_id is not None:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class WechatServer:
    """Where the endpoint answers and what WeChat knows of it (token, key, AppID)."""

    url: str  # http://127.0.0.1:port/wechat
    token: str
    aes_key: str | None = None  # set: safe mode
    appid: str = "wx6c0b0e1d2a3f4b5c"

    def query(self, nonce: str, timestamp: str, **more: str) -> dict[str, str]:
        return {
            "signature": signature_of(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            **more,
        }

    async def post(
        self,
        session: aiohttp.ClientSession,
        xml: str,
        *,
        query: dict[str, str] | None = None,
        aes_key: str | None = None,
    ) -> Reply:
        """Post a message (encrypted with aes_key or the server's key in safe mode)."""
        timestamp, nonce = str(int(time.time())), f"n{next(_ids) % 10**9}"
        key = aes_key or self.aes_key
        params = query if query is not None else self.query(nonce, timestamp)
        body = xml
        crypto = WeChatCrypto(self.token, key, self.appid) if key else None
        if crypto is not None and query is None:
            envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
            body = (
                f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
            )
            params = {**params, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
        async with session.post(self.url, params=params, data=body.encode()) as response:
            text = await response.text()
            return Reply(response.status, text, self._fields(text, crypto))

    def _fields(self, text: str, crypto: WeChatCrypto | None) -> dict[str, Any]:
        if not text.startswith("<xml>"):
            return {}
        fields = dict(xmltodict.parse(text)["xml"])
        if crypto is not None and "Encrypt" in fields:
            plain = crypto.decrypt_message(
                text, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
            )
            fields = dict(xmltodict.parse(plain)["xml"])
        return fields


@dataclass
class Follower:
    """One follower sending messages through WeChat to the endpoint."""

    server: WechatServer
    session: aiohttp.ClientSession
    openid: str = "oQx1f0Follower0000000000001"

    async def send(self, kind: str, msg_id: int | None = None, **fields: str) -> Reply:
        created = int(time.time())
        number = next(_ids) if msg_id is None and kind != "event" else msg_id
        return await self.server.post(
            self.session, message_xml(self.openid, kind, created, number, **fields)
        )

    async def say(self, text: str) -> Reply:
        return await self.send("text", Content=text)

    async def speak(self, recognised: str) -> Reply:
        return await self.send("voice", MediaId="media-1", Format="amr", Recognition=recognised)

    async def event(self, name: str, key: str = "") -> Reply:
        fields = {"Event": name, **({"EventKey": key} if key else {})}
        return await self.send("event", **fields)
