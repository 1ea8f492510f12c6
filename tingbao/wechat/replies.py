"""An Answer as WeChat's passive-reply XML (wechatpy's replies), or as a customer-service message.

wechatpy puts each value in CDATA unescaped, so a value holding "]]>" would end its section early
and let paper text write XML: such a run is broken up, and control characters XML cannot carry
are dropped, before a value goes in.
"""

from __future__ import annotations

import re
from typing import Protocol

from wechatpy.replies import ArticlesReply, TextReply

from tingbao.wechat.conversation import Answer, Card, Text
from tingbao.wechat.wire import Incoming

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EMPTY = "success"  # the body that ends WeChat's retries and shows the follower nothing


def cdata_safe(text: str) -> str:
    """Return text that stays inside one CDATA section and is XML."""
    return _NOT_XML.sub("", text).replace("]]>", "]]＞")


def reply_xml(answer: Answer, message: Incoming, now: int) -> str:
    """Return the reply to message as XML, or "" for the empty reply."""
    if answer is None:
        return ""
    common = {"source": message.account, "target": message.sender, "time": now}
    if isinstance(answer, Text):
        return str(TextReply(content=cdata_safe(answer.body), **common).render())
    card = _card(answer)
    return str(ArticlesReply(articles=[card], **common).render())


def _card(card: Card) -> dict[str, str]:
    return {
        "title": cdata_safe(card.title),
        "description": cdata_safe(card.description),
        "image": cdata_safe(card.picture),
        "url": cdata_safe(card.url),
    }


class CustomerService(Protocol):
    """The two customer-service calls a late answer uses (wechat/api.py WechatApi)."""

    def send_text(self, openid: str, text: str) -> None: ...

    def send_news(
        self, openid: str, title: str, description: str, url: str, picurl: str = ""
    ) -> None: ...


def send_as_message(api: CustomerService, openid: str, answer: Answer) -> None:
    """Send an answer as a customer-service message (blocking: call it from a thread)."""
    if isinstance(answer, Text):
        api.send_text(openid, answer.body)
    elif isinstance(answer, Card):
        api.send_news(openid, answer.title, answer.description, answer.url, answer.picture)
