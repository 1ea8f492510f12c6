"""The account's message endpoint: WeChat's handshake and every follower's message, at /wechat.

WeChat waits five seconds for a reply, then tries again (three tries in all). So, in the order
that costs least:

1. GET (the 服务器配置 handshake): a wrong or missing signature gets 403; a right one gets the
   echostr back as it came.
2. POST: a wrong or missing signature gets 403 and nothing is read (in safe mode the envelope's
   msg_signature is checked too, after reading); a body over MAX_BODY_BYTES 413, a slow one 408.
3. A body that is not a message (not UTF-8, not XML, a DTD, an envelope no key opens, no sender)
   gets the empty reply and one log line: WeChat shows the follower nothing and does not retry.
4. A message already answered (a retry: the same MsgId, or sender and time for events) gets the
   same reply again, from the database, without doing the work twice; a retry that arrives while
   this process still works on the first try waits for that work.
5. Otherwise the conversation answers within DEADLINE_S. When it cannot (the database is slow),
   a verified account replies "success" at once and sends the answer as a customer-service
   message when it is ready; an account that may not send such messages says "please send again".
   A failure inside the conversation is logged and answered with that same short apology.

The token, the AES keys and the AppSecret never reach a log line or an error.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from tingbao.feeds.http_guard import read_capped
from tingbao.paper.settings import Secret
from tingbao.wechat import texts as wx
from tingbao.wechat.conversation import Answer, Conversation, Text
from tingbao.wechat.followers import AnsweredStore
from tingbao.wechat.replies import EMPTY, reply_xml
from tingbao.wechat.settings import PATH, WechatSettings
from tingbao.wechat.wire import Incoming, RefusedBody, incoming, opened, sealed, signed

log = logging.getLogger(__name__)

# A WeChat message is a few hundred bytes; an encrypted one about a third more.
MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT_S = 3.0
DEADLINE_S = 4.0  # WeChat gives up at 5 s; the reply must be on its way before then

LateSender = Callable[[Incoming, Answer], Awaitable[None]]


@dataclass(frozen=True)
class Opened:
    """A POST body as read: the message, and the key it came encrypted with (None: plaintext)."""

    message: Incoming
    key: Secret | None


@dataclass(frozen=True)
class Worked:
    """A message answered: the answer (None: a kept reply), its XML, and whether it is new."""

    answer: Answer
    reply: str
    fresh: bool


class Endpoint:
    """Answer WeChat's calls; one instance per process."""

    def __init__(
        self,
        settings: WechatSettings,
        conversation: Conversation,
        answered: AnsweredStore,
        late: LateSender | None = None,
        deadline_s: float = DEADLINE_S,
    ) -> None:
        if settings.token is None:
            raise ValueError("the WeChat endpoint needs WECHAT_TOKEN")
        self.settings = settings
        self.token: Secret = settings.token
        self.conversation = conversation
        self.answered = answered
        self.late = late  # None: the account may not send customer-service messages
        self.deadline_s = deadline_s
        self._working: dict[str, asyncio.Future[str]] = {}  # first tries still being answered
        self._late_tasks: set[asyncio.Task[None]] = set()

    def app(self) -> web.Application:
        """Return the aiohttp application that serves PATH."""
        app = web.Application()
        app.router.add_get(PATH, self.handshake)
        app.router.add_post(PATH, self.receive)
        return app

    def _signed(self, request: web.Request) -> bool:
        query = request.query
        return signed(
            self.token,
            query.get("signature", ""),
            query.get("timestamp", ""),
            query.get("nonce", ""),
        )

    async def handshake(self, request: web.Request) -> web.Response:
        """Answer the 服务器配置 check: the echostr back when the signature is the token's."""
        if not self._signed(request):
            return web.Response(status=403)
        return web.Response(text=request.query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.Response:
        """Answer one message or event (see the module's docstring for the order of checks)."""
        if not self._signed(request):
            return web.Response(status=403)
        body = await read_capped(request, MAX_BODY_BYTES, BODY_TIMEOUT_S)
        if isinstance(body, int):
            return web.Response(status=body)
        try:
            got = self._open(request, body)
        except RefusedBody as exc:
            log.info("wechat: refused a body (%s)", exc)
            return web.Response(text=EMPTY)
        try:
            reply = await self._reply_to(got.message)
        except Exception:  # the database is away: an empty reply, never a 500
            log.exception("wechat: could not answer a %s message", got.message.kind)
            return web.Response(text=EMPTY)
        return self._respond(request, reply, got.key)

    def _open(self, request: web.Request, body: bytes) -> Opened:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise RefusedBody("not UTF-8") from None
        query = request.query
        if query.get("encrypt_type", "raw").lower() != "aes":
            return Opened(incoming(text), None)
        if not self.settings.safe_mode:
            raise RefusedBody("an encrypted message, but WECHAT_AES_KEY is not set")
        plain, key = opened(
            self.settings,
            text,
            query.get("msg_signature", ""),
            query.get("timestamp", ""),
            query.get("nonce", ""),
        )
        return Opened(incoming(plain), key)

    def _respond(self, request: web.Request, reply: str, key: Secret | None) -> web.Response:
        if not reply:
            return web.Response(text=EMPTY)
        if key is not None:
            nonce = request.query.get("nonce") or secrets.token_hex(8)
            reply = sealed(self.settings, key, reply, nonce, str(int(time.time())))
        return web.Response(text=reply, content_type="application/xml")

    async def _reply_to(self, message: Incoming) -> str:
        """Return the reply's XML ("" for the empty reply), once per message however often
        WeChat asks."""
        key = message.key_for_retries
        working = self._working.get(key)
        if working is not None:  # a retry while the first try is still being answered
            try:
                return await asyncio.wait_for(asyncio.shield(working), self.deadline_s)
            except TimeoutError:
                return ""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._working[key] = future  # before any await: a retry arriving now waits for it
        try:
            reply = await self._answer(message)
            future.set_result(reply)
            return reply
        finally:
            if not future.done():
                future.set_result("")
            del self._working[key]

    async def _answer(self, message: Incoming) -> str:
        """Return the reply as XML within the deadline: the one kept for this message, or the
        conversation's (then kept for retries)."""
        task = asyncio.create_task(asyncio.to_thread(self._work, message))
        try:
            worked = await asyncio.wait_for(asyncio.shield(task), self.deadline_s)
            return worked.reply
        except TimeoutError:
            pass
        except Exception:  # the conversation failed (logged in _work): apologise, never a 500
            return reply_xml(Text(wx.BUSY), message, int(time.time()))
        if self.late is None:
            log.warning("wechat: no answer within %.1f s; asked to send again", self.deadline_s)
            return reply_xml(Text(wx.BUSY), message, int(time.time()))
        log.info("wechat: no answer within %.1f s; it follows as a message", self.deadline_s)
        late = asyncio.create_task(self._send_late(message, task))
        self._late_tasks.add(late)
        late.add_done_callback(self._late_tasks.discard)
        return ""

    def _work(self, message: Incoming) -> Worked:
        """Answer a message and keep the reply, in one trip to a worker thread."""
        key = message.key_for_retries
        try:
            kept = self.answered.reply_to(key)
            if kept is not None:
                return Worked(None, kept, fresh=False)
            answer = self.conversation.answer(message)
            reply = self.answered.keep(key, reply_xml(answer, message, int(time.time())))
            return Worked(answer, reply, fresh=True)
        except Exception:
            log.exception("wechat: could not answer a %s message", message.kind)
            raise

    async def _send_late(self, message: Incoming, task: asyncio.Task[Worked]) -> None:
        """Send the answer that missed the deadline as a customer-service message."""
        assert self.late is not None
        try:
            worked = await task
            if worked.fresh:  # a kept reply was sent when it was first made
                await self.late(message, worked.answer)
        except Exception:  # logged; the follower can ask again
            log.exception("wechat: the late answer to %s did not go", message.kind)
