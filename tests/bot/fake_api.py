"""A fake Telegram Bot API server on 127.0.0.1 for driving the real python-telegram-bot client.

It answers getMe, deleteWebhook, getUpdates (long poll over a queue the test pushes into), the send
methods with valid Message objects, getFile and file downloads; it records every call and can
refuse or delay sends per chat: "429" (with retry_after), "403", "400", "slow" (delivered, but
answered after the client's read timeout).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
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
        "sendPhoto",
        "sendMediaGroup",
    }
)


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, str]
    files: dict[str, bytes]
    status: int = 200
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
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
        self.faults: dict[int, list[str]] = {}
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
        return self.push(
            {
                "callback_query": {
                    "id": f"cb{next(self._ids)}",
                    "from": self.user(chat_id),
                    "chat_instance": "ci",
                    "data": data,
                    "message": {
                        "message_id": next(self._ids),
                        "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private"},
                        "text": "…",
                    },
                }
            }
        )

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

    def sends(self, chat_id: int | None = None, after: int = 0) -> list[Call]:
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

    def _message(self, chat_id: int | None, **extra: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id or 0, "type": "private"},
            **extra,
        }

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
            return await self._get_updates(params)
        self.calls.append(call)
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
        return self._ok(self._result(call))

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
            return self._message(
                call.chat_id, voice={"file_id": fid, "file_unique_id": "u" + fid, "duration": 5}
            )
        if call.method == "sendAudio":
            fid = f"audio-{n}" if "audio" in call.files else p["audio"]
            audio = {
                "file_id": fid,
                "file_unique_id": "u" + fid,
                "duration": 5,
                "title": p.get("title"),
            }
            return self._message(call.chat_id, audio=audio)
        if call.method == "sendContact":
            contact = {"phone_number": p["phone_number"], "first_name": p["first_name"]}
            return self._message(call.chat_id, contact=contact)
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
