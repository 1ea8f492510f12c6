"""A fake WeChat API server on 127.0.0.1 for driving the real wechatpy client.

It answers the calls a verified account makes, with WeChat's JSON shapes and error codes:
/cgi-bin/token (a new token each time, invalidating the last, as WeChat does),
/cgi-bin/stable_token (the same token until it expires, unless force_refresh), menu/create,
media/upload (thumb, image), media/uploadimg, media/uploadnews, message/mass/sendall
(clientmsgid seen before → 45065 with the earlier msg_id; no quota left → 45009) and
message/custom/send (an openid in `outside_window` → 45015). A missing, unknown or revoked
access_token → 40001, an expired one → 42001, a wrong AppID or secret → 40013 / 40125.

It records every call (`calls`), and keeps the mass sends delivered (`deliveries`) and the menu
set (`menu`). `ThreadedFakeWechatApi` runs it on its own loop in a thread, for synchronous
clients in the test process and for child processes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

APPID = "wx0123456789abcdef"
SECRET = "fake-app-secret-7f3e9c1d2b4a6e8f"
TOKEN_LIFE_S = 7200


@dataclass
class Call:
    """One request the client made: its path under /cgi-bin/, query, JSON body, files."""

    path: str
    query: dict[str, str]
    body: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    errcode: int = 0
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.errcode == 0


@dataclass
class Delivery:
    """A mass send WeChat accepted: what went to the followers."""

    msg_id: int
    media_id: str
    clientmsgid: str
    articles: list[dict[str, Any]]


def _json(body: dict[str, Any]) -> web.Response:
    return web.json_response(body, dumps=lambda d: json.dumps(d, ensure_ascii=False))


def _answer(errcode: int = 0, errmsg: str = "ok", **fields: Any) -> web.Response:
    """Answer as WeChat does: an error as {errcode, errmsg, …}; a result as its fields alone
    (tokens, uploads) or, for calls that only act, {"errcode": 0, "errmsg": "ok"}."""
    if errcode or not fields:
        return _json({"errcode": errcode, "errmsg": errmsg, **fields})
    return _json(fields)


class FakeWechatApi:
    """The fake server; `await start()`, then point WECHAT_API_BASE_URL at `base_url`."""

    def __init__(self, appid: str = APPID, secret: str = SECRET) -> None:
        self.appid = appid
        self.secret = secret
        self.calls: list[Call] = []
        self.tokens: dict[str, float] = {}  # valid token → when it expires (monotonic)
        self.issued: list[str] = []  # every token ever given out
        self.stable: str | None = None  # the stable-token endpoint's current token
        self.token_life_s = TOKEN_LIFE_S
        self.outside_window: set[str] = set()  # openids whose 48 hours have passed
        self.mass_quota: int | None = None  # mass sends left; None: unlimited
        self.menu: dict[str, Any] | None = None
        self.media: dict[str, dict[str, Any]] = {}  # media id → what was uploaded
        self.deliveries: list[Delivery] = []
        self.custom: list[dict[str, Any]] = []  # customer-service messages delivered
        self._by_clientmsgid: dict[str, int] = {}
        self._ids = itertools.count(1000)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/cgi-bin/{path:.*}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # What a test reads or arranges.

    def fetches(self) -> list[Call]:
        """Return the token fetches (token and stable_token), in order."""
        return [c for c in self.calls if c.path in ("token", "stable_token")]

    def made(self, path: str) -> list[Call]:
        """Return the calls to one path (e.g. "message/mass/sendall")."""
        return [c for c in self.calls if c.path == path]

    def revoke_tokens(self) -> None:
        """Invalidate every token given out (as a /cgi-bin/token call elsewhere would)."""
        self.tokens.clear()
        self.stable = None

    def expire_tokens(self) -> None:
        """Make every token given out expired (42001 from now on)."""
        for token in self.tokens:
            self.tokens[token] = 0.0

    # The wire.

    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        query = dict(request.query)
        body: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                    body[f"{key}.filename"] = value.filename
                else:
                    body[key] = str(value)
        elif request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:
                return self._record(Call(path, query, {}), _answer(47001, "data format error"))
        call = Call(path, query, body, files)
        if path == "token":
            return self._record(call, self._token(query))
        if path == "stable_token":
            return self._record(call, self._stable_token(body))
        refused = self._check_token(query.get("access_token", ""))
        if refused is not None:
            return self._record(call, refused)
        handler = self._handlers().get(path)
        if handler is None:
            return self._record(call, _answer(40066, "invalid url"))
        return self._record(call, handler(call))

    def _record(self, call: Call, response: web.Response) -> web.Response:
        assert response.text is not None
        call.errcode = int(json.loads(response.text).get("errcode", 0))
        self.calls.append(call)
        return response

    def _credentials(self, appid: str, secret: str) -> web.Response | None:
        if appid != self.appid:
            return _answer(40013, "invalid appid")
        if secret != self.secret:
            return _answer(40125, "invalid appsecret")
        return None

    def _new_token(self) -> str:
        token = f"TOKEN-{next(self._ids)}-" + "x" * 40
        self.tokens[token] = time.monotonic() + self.token_life_s
        self.issued.append(token)
        return token

    def _token(self, query: dict[str, str]) -> web.Response:
        refused = self._credentials(query.get("appid", ""), query.get("secret", ""))
        if refused is not None:
            return refused
        self.tokens.clear()  # a new token from /cgi-bin/token invalidates the previous one
        self.stable = None
        token = self._new_token()
        return _answer(access_token=token, expires_in=self.token_life_s)

    def _stable_token(self, body: dict[str, Any]) -> web.Response:
        if body.get("grant_type") != "client_credential":
            return _answer(40002, "invalid grant_type")
        refused = self._credentials(str(body.get("appid", "")), str(body.get("secret", "")))
        if refused is not None:
            return refused
        now = time.monotonic()
        current = self.stable
        if body.get("force_refresh") or current is None or self.tokens.get(current, 0) <= now:
            if current is not None:
                self.tokens.pop(current, None)  # a forced refresh invalidates the last one
            current = self.stable = self._new_token()
        left = int(self.tokens[current] - now)
        return _answer(access_token=current, expires_in=left)

    def _check_token(self, token: str) -> web.Response | None:
        if token not in self.tokens:
            return _answer(40001, "invalid credential, access_token is invalid or not latest")
        if self.tokens[token] <= time.monotonic():
            return _answer(42001, "access_token expired")
        return None

    def _handlers(self) -> dict[str, Callable[[Call], web.Response]]:
        return {
            "menu/create": self._menu,
            "media/upload": self._upload,
            "media/uploadimg": self._upload_image,
            "media/uploadnews": self._upload_news,
            "message/mass/sendall": self._sendall,
            "message/custom/send": self._custom,
        }

    def _menu(self, call: Call) -> web.Response:
        buttons = call.body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return _answer(40016, "invalid button size")
        for button in buttons:
            if button.get("type") == "click" and not button.get("key"):
                return _answer(40019, "invalid button key size")
            if not button.get("name"):
                return _answer(40017, "invalid button type")
        self.menu = call.body
        return _answer()

    def _upload(self, call: Call) -> web.Response:
        kind = call.query.get("type", "")
        if kind not in ("image", "thumb", "voice", "video"):
            return _answer(40004, "invalid media type")
        data = call.files.get("media")
        if not data:
            return _answer(41005, "media data missing")
        if kind == "thumb" and (len(data) > 64 * 1024 or not data.startswith(b"\xff\xd8")):
            return _answer(40009, "invalid image size")  # a thumb is a JPG of at most 64 KB
        media_id = f"MEDIA-{next(self._ids)}"
        self.media[media_id] = {"type": kind, "size": len(data)}
        key = "thumb_media_id" if kind == "thumb" else "media_id"
        return _answer(type=kind, **{key: media_id}, created_at=int(time.time()))

    def _upload_image(self, call: Call) -> web.Response:
        if not call.files.get("media"):
            return _answer(41005, "media data missing")
        return _answer(url=f"http://mmbiz.qpic.cn/mmbiz/{next(self._ids)}/0")

    def _upload_news(self, call: Call) -> web.Response:
        articles = call.body.get("articles")
        if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
            return _answer(45008, "article size out of limit")
        for article in articles:
            thumb = self.media.get(str(article.get("thumb_media_id")))
            if thumb is None or thumb["type"] != "thumb":
                return _answer(40007, "invalid media_id")
            if not article.get("title") or not article.get("content"):
                return _answer(44003, "empty news data")
        media_id = f"NEWS-{next(self._ids)}"
        self.media[media_id] = {"type": "news", "articles": articles}
        return _answer(type="news", media_id=media_id, created_at=int(time.time()))

    def _sendall(self, call: Call) -> web.Response:
        clientmsgid = str(call.body.get("clientmsgid", ""))
        if clientmsgid in self._by_clientmsgid:
            return _answer(45065, "clientmsgid exist", msg_id=self._by_clientmsgid[clientmsgid])
        if not (call.body.get("filter") or {}).get("is_to_all"):
            return _answer(40130, "invalid openid list size, at least two openid")
        media_id = str((call.body.get("mpnews") or {}).get("media_id", ""))
        news = self.media.get(media_id)
        if call.body.get("msgtype") != "mpnews" or news is None or news["type"] != "news":
            return _answer(40007, "invalid media_id")
        if self.mass_quota is not None:
            if self.mass_quota <= 0:
                return _answer(45009, "reach max api daily quota limit")
            self.mass_quota -= 1
        msg_id = next(self._ids)
        if clientmsgid:
            self._by_clientmsgid[clientmsgid] = msg_id
        self.deliveries.append(Delivery(msg_id, media_id, clientmsgid, news["articles"]))
        return _json({"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id})

    def _custom(self, call: Call) -> web.Response:
        openid = str(call.body.get("touser", ""))
        if not openid:
            return _answer(40003, "invalid openid")
        if openid in self.outside_window:
            return _answer(45015, "response out of time limit or subscription is canceled")
        if call.body.get("msgtype") not in ("text", "news", "image", "voice", "mpnews"):
            return _answer(40008, "invalid message type")
        self.custom.append(call.body)
        return _answer()


class ThreadedFakeWechatApi:
    """A FakeWechatApi on its own event loop in a thread: for the synchronous client in the
    test process (which would block a shared loop) and for child processes. Read `api` freely;
    change its state through `call`."""

    def __init__(self) -> None:
        self.api = FakeWechatApi()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeWechatApi:
        self.thread.start()
        self.run(self.api.start())
        return self.api

    def __exit__(self, *exc: object) -> None:
        self.run(self.api.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Call fn on the server's loop (between requests, never during one)."""

        async def on_loop() -> Any:
            return fn()

        return self.run(on_loop())
