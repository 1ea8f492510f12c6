"""What arrives from WeChat and what goes back: signatures, the safe-mode envelope, the message.

Every request carries signature = sha1(sorted([token, timestamp, nonce])); in safe mode the POST
body is an envelope whose Encrypt field is AES-256-CBC with msg_signature over it too (wechatpy's
crypto does the work). A body is parsed only after defusedxml has found no DTD and no entity in
it, so no entity expansion or external entity reaches wechatpy's parser.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from tingbao.paper.settings import Secret
from tingbao.wechat.settings import WechatSettings


class RefusedBody(ValueError):
    """A body that is not a WeChat message: not XML, a DTD, an envelope that does not open."""


@dataclass(frozen=True)
class Incoming:
    """One message or event from a follower, as the conversation needs it."""

    sender: str  # the follower's OpenID
    account: str  # the account's own id (ToUserName), the reply's sender
    kind: str  # text | voice | event | image | location | link | video | … | unknown
    text: str = ""  # typed text, or the recognised speech of a voice message
    event: str = ""  # subscribe | unsubscribe | click | view | … (events only)
    key: str = ""  # a click event's EventKey
    msg_id: int = 0
    created: int = 0  # CreateTime, seconds

    @property
    def key_for_retries(self) -> str:
        """Return what WeChat's retries of this message share: MsgId; for an event, the sender
        and time (WeChat's rule), with the event and its key so two taps in one second differ."""
        if self.msg_id:
            return f"m:{self.msg_id}"
        return f"e:{self.sender}:{self.created}:{self.event}:{self.key}"[:120]


def signature_of(token: str, *parts: str) -> str:
    """Return WeChat's signature: sha1 of the sorted token, timestamp, nonce (and Encrypt)."""
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return str(signer.signature)


def signed(token: Secret, signature: str, timestamp: str, nonce: str) -> bool:
    """Return whether a request's signature is the token's (compared in constant time)."""
    expected = signature_of(token.get(), timestamp, nonce)
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def _crypto(settings: WechatSettings, key: Secret) -> WeChatCrypto:
    assert settings.token is not None
    return WeChatCrypto(settings.token.get(), key.get(), settings.appid)


def _keys(settings: WechatSettings) -> list[Secret]:
    return [k for k in (settings.aes_key, settings.aes_key_previous) if k is not None]


def opened(
    settings: WechatSettings, body: str, msg_signature: str, timestamp: str, nonce: str
) -> tuple[str, Secret]:
    """Return a safe-mode envelope's message and the key that opened it (the current key, or the
    previous one during a rotation). RefusedBody when no key opens it or it is not signed."""
    safe_xml(body)
    for key in _keys(settings):
        try:
            message = _crypto(settings, key).decrypt_message(body, msg_signature, timestamp, nonce)
        except InvalidSignatureException:
            raise RefusedBody("wrong msg_signature") from None
        except (InvalidAppIdException, ValueError, KeyError, TypeError, UnicodeDecodeError):
            continue  # not this key: the padding, the length or the AppID does not come out
        return str(message), key
    raise RefusedBody("no EncodingAESKey opens the envelope")


def sealed(settings: WechatSettings, key: Secret, reply: str, nonce: str, timestamp: str) -> str:
    """Return a reply in the safe-mode envelope, encrypted with the key the message came in."""
    return str(_crypto(settings, key).encrypt_message(reply, nonce, timestamp))


def safe_xml(body: str) -> None:
    """Raise RefusedBody unless body is XML with no DTD and no entity declaration."""
    try:
        fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise RefusedBody(f"not a message: {type(exc).__name__}") from None


def _field(message: Any, name: str) -> str:
    value = getattr(message, name, "") or ""
    return str(value).strip()


def incoming(body: str) -> Incoming:
    """Return the message a plaintext body holds; RefusedBody when it is not one."""
    safe_xml(body)
    try:
        message = parse_message(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RefusedBody(f"not a message: {type(exc).__name__}") from None
    if message is None:
        raise RefusedBody("empty body")
    raw = getattr(message, "_data", {})
    kind = str(raw.get("MsgType") or "unknown").lower()
    try:
        msg_id = int(raw.get("MsgId") or 0)
        created = int(raw.get("CreateTime") or 0)
    except (TypeError, ValueError):
        raise RefusedBody("MsgId or CreateTime is not a number") from None
    text = _field(message, "content") if kind == "text" else ""
    if kind == "voice":
        text = _field(message, "recognition")
    sender = str(raw.get("FromUserName") or "")
    if not sender:
        raise RefusedBody("no FromUserName")
    return Incoming(
        sender=sender,
        account=str(raw.get("ToUserName") or ""),
        kind=kind,
        text=text,
        event=str(raw.get("Event") or "").lower() if kind == "event" else "",
        key=str(raw.get("EventKey") or "") if kind == "event" else "",
        msg_id=msg_id,
        created=created,
    )
