"""A fake Telegram Bot API server on 127.0.0.1 for driving the real python-telegram-bot client.

It answers getMe, getUpdates (long poll over a queue the test pushes into), the send and edit
methods with valid Message objects, getFile and file downloads; it records every call and can
refuse or delay sends per chat: "429" (with retry_after), "403", "400", "slow" (delivered, but
answered after the client's read timeout).

Like Telegram, it keeps every chat's live messages (`live(chat)`), so a test sees a channel as its
readers do: edits change a message in place (an edit that changes nothing, or of a message that is
not there, is refused with 400), deleteMessage removes one sent less than 48 hours ago (`age()`
makes a message older), and getUpdates is refused with 409 while a webhook is set.
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

SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendVoice",
        "sendAudio",
        "sendContact",
        "sendDocument",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "deleteMessage",
        "sendPhoto",
        "sendMediaGroup",
    }
)
EDIT_METHODS = frozenset(
    {"editMessageText", "editMessageCaption", "editMessageMedia", "editMessageReplyMarkup"}
)
CHANNEL_ID = -1001234567890  # the numeric id of every channel named "@…" here
DELETE_WINDOW_S = 48 * 3600
ChatKey = int | str


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, str]
    files: dict[str, bytes]
    status: int = 200
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> ChatKey | None:
        """Return the chat: an int id, or a channel's "@name" as given."""
        raw = self.params.get("chat_id")
        if raw is None:
            return None
        return int(raw) if raw.lstrip("-").isdigit() else raw

    @property
    def message_id(self) -> int | None:
        raw = self.params.get("message_id")
        return int(raw) if raw is not None else None

    @property
    def text(self) -> str:
        return self.params.get("text", "")

    @property
    def delivered(self) -> bool:
        return self.status == 200

    def json(self, key: str) -> Any:
        return json.loads(self.params[key]) if key in self.params else None

    def buttons(self) -> list[tuple[str, str]]:
        """Return (label, callback_data or '') of every button in reply_markup."""
        markup = self.json("reply_markup") or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        out = []
        for row in rows:
            for b in row:
                if isinstance(b, str):
                    out.append((b, ""))
                else:
                    out.append((b.get("text", ""), b.get("callback_data", "")))
        return out

    def data_for(self, label: str) -> str:
        """Return the callback data of the button whose label contains label."""
        for text, data in self.buttons():
            if label in text:
                return data
        raise AssertionError(f"no button {label!r} in {self.buttons()}")


class FakeBotApi:
    """The fake server; `await start()` then point PTB's base_url at `base_url`."""

    def __init__(self, token: str = "123456:TEST-token-abcdefghijklmnop") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.new_update = asyncio.Event()
        self.faults: dict[ChatKey, list[str]] = {}
        self.chats: dict[ChatKey, dict[int, dict[str, Any]]] = {}  # live messages per chat
        self.webhook: dict[str, str] = {}  # url and secret_token while a webhook is set
        # Called with each accepted send or edit before it is answered: a test can kill -9 the
        # bot there, after Telegram took the message and before the bot heard so.
        self.on_accept: list[Callable[[Call], None]] = []
        self.files: dict[str, bytes] = {}
        self.latency_s = 0.0
        self.slow_s = 1.0
        self.retry_after = 1
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.closing = False  # answer long polls at once (lets the client stop quickly)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
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

    # Test side -------------------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **update})
        self.new_update.set()
        return update_id

    def release_polls(self) -> None:
        """Answer every pending and future long poll immediately (before stopping a client)."""
        self.closing = True
        self.new_update.set()

    def resume_polls(self) -> None:
        """Long-poll normally again (a client restarts)."""
        self.closing = False

    @staticmethod
    def user(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "张阿姨", "language_code": "zh-hans"}

    def push_text(self, chat_id: int, text: str) -> int:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "张阿姨"},
            "from": self.user(chat_id),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.push({"message": message})

    def push_callback(self, chat_id: int, data: str) -> int:
        """Push a press of the button carrying data, under the newest message that has it."""
        message = self._message_with_button(chat_id, data)
        return self.push(
            {
                "callback_query": {
                    "id": f"cb{next(self._ids)}",
                    "from": self.user(chat_id),
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    def _message_with_button(self, chat_id: int, data: str) -> dict[str, Any]:
        for message in reversed(self.live(chat_id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            if any(b.get("callback_data") == data for row in rows for b in row):
                return message
        # A button from before the test's time (e.g. an old message): it is there all the same.
        message = self._message(chat_id, text="…")
        self.chats.setdefault(chat_id, {})[message["message_id"]] = message
        return message

    def push_document(self, chat_id: int, file_name: str, content: bytes) -> int:
        file_id = f"doc{next(self._ids)}"
        self.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_name": file_name,
            "file_size": len(content),
        }
        return self._push_message(chat_id, document=document)

    def push_photo(self, chat_id: int, content: bytes, width: int, height: int) -> int:
        """Push a photo message: Telegram offers it in sizes; here a thumbnail and the full one."""
        sizes = []
        for scale in (8, 1):
            file_id = f"photo{next(self._ids)}"
            self.files[file_id] = content
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": "u" + file_id,
                    "width": width // scale,
                    "height": height // scale,
                    "file_size": len(content) // scale,
                }
            )
        return self._push_message(chat_id, photo=sizes)

    def _push_message(self, chat_id: int, **content: Any) -> int:
        """Push a private message from chat_id carrying content (a document, a photo)."""
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self.user(chat_id),
            **content,
        }
        return self.push({"message": message})

    def push_inline_query(self, user_id: int, query: str, offset: str = "") -> str:
        """Push an inline query typed by user_id (`@bot query` in any chat); return its id."""
        query_id = f"iq{next(self._ids)}"
        inline = {"id": query_id, "from": self.user(user_id), "query": query, "offset": offset}
        self.push({"inline_query": inline})
        return query_id

    def push_chosen_inline_result(self, user_id: int, result_id: str, query: str) -> int:
        chosen = {"result_id": result_id, "from": self.user(user_id), "query": query}
        return self.push({"chosen_inline_result": chosen})

    def answers(self, query_id: str) -> list[Call]:
        """Return the answerInlineQuery calls for one inline query."""
        return [
            c
            for c in self.calls
            if c.method == "answerInlineQuery" and c.params.get("inline_query_id") == query_id
        ]

    def live(self, chat: ChatKey) -> list[dict[str, Any]]:
        """Return the messages now in a chat, oldest first, as its members see them."""
        messages = self.chats.get(chat, {})
        return [messages[k] for k in sorted(messages)]

    def age(self, chat: ChatKey, message_id: int, seconds: float) -> None:
        """Make a message older (deleteMessage refuses messages older than 48 hours)."""
        self.chats[chat][message_id]["date"] -= int(seconds)

    def sends(self, chat_id: ChatKey | None = None, after: int = 0) -> list[Call]:
        """Return the send calls (to chat_id), from index `after` of the call log."""
        return [
            c
            for c in self.calls[after:]
            if c.method in SEND_METHODS and (chat_id is None or c.chat_id == chat_id)
        ]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.01)

    # Server side -------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, str], dict[str, bytes]]:
        params: dict[str, str] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.method == "POST" and request.body_exists:
            if request.content_type == "application/json":
                body = await request.json()
                params.update(
                    {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
                )
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = value.file.read()
                    else:
                        params[key] = str(value)
        return params, files

    def _message(self, chat_id: ChatKey | None, **extra: Any) -> dict[str, Any]:
        if isinstance(chat_id, str):  # "@name": a channel
            chat = {"id": CHANNEL_ID, "type": "channel", "title": "频道", "username": chat_id[1:]}
        elif chat_id is not None and chat_id < 0:
            chat = {"id": chat_id, "type": "channel", "title": "频道"}
        else:
            chat = {"id": chat_id or 0, "type": "private"}
        return {"message_id": next(self._ids), "date": int(time.time()), "chat": chat, **extra}

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await self._params(request)
        call = Call(method, params, files)
        if method == "getUpdates":
            if self.webhook:
                return self._error(
                    409, "Conflict: can't use getUpdates method while webhook is active"
                )
            return await self._get_updates(params)
        self.calls.append(call)
        if method == "setWebhook":
            self.webhook = {"url": params["url"], "secret_token": params.get("secret_token", "")}
            return self._ok(True)
        if method == "deleteWebhook":
            self.webhook = {}
            return self._ok(True)
        if method == "getWebhookInfo":
            info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False}
            return self._ok({**info, "pending_update_count": 0})
        if method in SEND_METHODS:
            return await self._send(call)
        if method == "getMe":
            return self._ok(
                {"id": 42, "is_bot": True, "first_name": "听报", "username": "tingbao_bot"}
            )
        if method == "getFile":
            file_id = params["file_id"]
            if file_id not in self.files:
                return self._error(400, "Bad Request: invalid file_id")
            return self._ok(
                {
                    "file_id": file_id,
                    "file_unique_id": "u" + file_id,
                    "file_size": len(self.files[file_id]),
                    "file_path": f"documents/{file_id}",
                }
            )
        return self._ok(True)  # deleteWebhook, setMyCommands, answerCallbackQuery, ...

    async def _send(self, call: Call) -> web.StreamResponse:
        chat_id = call.chat_id
        queue = self.faults.get(chat_id or 0)
        fault = queue.pop(0) if queue else None
        if fault == "429":
            call.status = 429
            return self._error(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                retry_after=self.retry_after,
            )
        if fault == "403":
            call.status = 403
            return self._error(403, "Forbidden: bot was blocked by the user")
        if fault == "400":
            call.status = 400
            return self._error(400, "Bad Request: chat not found")
        if fault == "badfile":
            call.status = 400
            return self._error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if fault == "slow":
            await asyncio.sleep(self.slow_s)  # delivered, but the client gave up waiting
        elif self.latency_s:
            await asyncio.sleep(self.latency_s)
        for hook in self.on_accept:
            hook(call)
        if call.method in EDIT_METHODS or call.method == "deleteMessage":
            return self._change(call)
        result = self._result(call)
        for message in result if isinstance(result, list) else [result]:
            self._keep(call, message)
        return self._ok(result)

    def _keep(self, call: Call, message: dict[str, Any]) -> None:
        """Remember a sent message as live in its chat, with the buttons it was sent with."""
        markup = call.json("reply_markup")
        if markup is not None:
            message = {**message, "reply_markup": markup}
        self.chats.setdefault(call.chat_id or 0, {})[message["message_id"]] = message

    def _change(self, call: Call) -> web.Response:
        """Edit or delete a live message as Telegram does, refusing what Telegram refuses."""
        chat, message_id = call.chat_id or 0, call.message_id or 0
        message = self.chats.get(chat, {}).get(message_id)
        verb = "delete" if call.method == "deleteMessage" else "edit"
        if message is None:
            call.status = 400
            return self._error(400, f"Bad Request: message to {verb} not found")
        if verb == "delete":
            if time.time() - message["date"] > DELETE_WINDOW_S:
                call.status = 400
                return self._error(400, "Bad Request: message can't be deleted for everyone")
            del self.chats[chat][message_id]
            return self._ok(True)
        edited = dict(message)
        p = call.params
        if call.method == "editMessageText":
            edited["text"] = p.get("text", "")
        elif call.method == "editMessageCaption":
            edited["caption"] = p.get("caption", "")
        elif call.method == "editMessageMedia":
            media = call.json("media") or {}
            kind = media.get("type", "audio")
            for key in ("audio", "voice", "photo", "document"):
                edited.pop(key, None)
            edited[kind] = {
                "file_id": f"{kind}-{next(self._ids)}",
                "file_unique_id": f"u{kind}-{message_id}",
                "duration": 5,
            }
            edited["caption"] = media.get("caption", "")
        markup = call.json("reply_markup")
        if markup is not None:
            edited["reply_markup"] = markup
        elif call.method != "editMessageReplyMarkup":
            edited.pop("reply_markup", None)  # as Telegram: an edit naming no buttons drops them
        if edited == message and call.method != "editMessageMedia":
            call.status = 400
            return self._error(400, "Bad Request: message is not modified")
        edited["edit_date"] = int(time.time())
        self.chats[chat][message_id] = edited
        return self._ok(edited)

    def _result(self, call: Call) -> Any:
        p = call.params
        n = next(self._ids)
        if call.method in ("sendPhoto", "sendMediaGroup"):
            count = len(json.loads(p["media"])) if call.method == "sendMediaGroup" else 1
            sent = [
                self._message(
                    call.chat_id,
                    photo=[
                        {
                            "file_id": f"photo-{n}-{i}",
                            "file_unique_id": f"u{n}-{i}",
                            "width": 1,
                            "height": 1,
                        }
                    ],
                    caption=p.get("caption") if i == 0 else None,
                )
                for i in range(count)
            ]
            return sent if call.method == "sendMediaGroup" else sent[0]
        if call.method == "sendVoice":
            fid = f"voice-{n}" if "voice" in call.files else p["voice"]
            voice = {"file_id": fid, "file_unique_id": "u" + fid, "duration": 5}
            return self._message(call.chat_id, voice=voice, caption=p.get("caption"))
        if call.method == "sendAudio":
            fid = f"audio-{n}" if "audio" in call.files else p["audio"]
            audio = {
                "file_id": fid,
                "file_unique_id": "u" + fid,
                "duration": 5,
                "title": p.get("title"),
            }
            return self._message(call.chat_id, audio=audio, caption=p.get("caption"))
        if call.method == "sendContact":
            contact = {"phone_number": p["phone_number"], "first_name": p["first_name"]}
            return self._message(call.chat_id, contact=contact)
        if call.method == "sendDocument":
            fid = f"doc-{n}"
            document = {"file_id": fid, "file_unique_id": "u" + fid}
            return self._message(call.chat_id, document=document, caption=p.get("caption"))
        return self._message(call.chat_id, text=p.get("text", ""))

    async def _get_updates(self, params: dict[str, str]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while not self.updates and not self.closing:
            self.new_update.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(self.new_update.wait(), remaining)
            except TimeoutError:
                break
        return self._ok(self.updates[:100])

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])


class ThreadedFakeBotApi:
    """A FakeBotApi on its own event loop in a thread, for bots run as child processes
    (`tingbao bot` killed with kill -9). Read `api` freely; push through `call`."""

    def __init__(self) -> None:
        self.api = FakeBotApi()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeBotApi:
        self.thread.start()
        self.run(self.api.start())
        return self.api

    def __exit__(self, *exc: object) -> None:
        self.api.closing = True
        self.loop.call_soon_threadsafe(self.api.new_update.set)
        self.run(self.api.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Call fn on the server's loop (pushing updates wakes its long polls)."""

        async def on_loop() -> Any:
            return fn()

        return self.run(on_loop())
