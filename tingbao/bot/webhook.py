"""Receive Telegram's webhook calls on a small aiohttp server that refuses before it reads.

PTB's own webhook server (tornado) reads a whole request body before it checks the secret: any
stranger's 99 MB POST costs the bot that much memory, and bad JSON or a huge update_id ends in a
500. This listener answers in the order that costs least:

1. not the webhook's path or not POST: 404 / 405, nothing read;
2. no X-Telegram-Bot-Api-Secret-Token, or a wrong one (compared in constant time): 403, nothing
   read (aiohttp drains at most http_guard.LINGER_S of what was sent, a buffer at a time, then
   closes);
3. a declared Content-Length over MAX_BODY_BYTES: 413, nothing read; a body that grows past it
   while read: 413 at that point; a body not all sent within BODY_TIMEOUT_S: 408;
4. not an update (see `parse_update`): 400;
5. otherwise the Update goes to the Application's update queue: 200.

Headers must arrive within http_guard.HEADER_TIMEOUT_S, and resource-error floods are logged once
a minute, as for the public server. The secret never reaches a log line (nor does the token: the
redaction of bot/logs.py).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from telegram import Bot, Update

from tingbao.feeds.http_guard import HttpListener, read_capped

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a message's text is at most 4096 characters.
MAX_BODY_BYTES = 1024 * 1024
BODY_TIMEOUT_S = 10.0
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# What Update.de_json may raise on a well-formed JSON object of the wrong shape (a string where an
# object belongs, a date beyond the calendar, a missing field): the body is refused, not a bug.
SHAPE_ERRORS = (
    TypeError,
    ValueError,
    LookupError,
    AttributeError,
    ArithmeticError,
    OSError,
    RecursionError,
)


def _int64(digits: str) -> int:
    """Return a JSON integer, or raise ValueError when it does not fit 64 signed bits."""
    if len(digits) > 20:  # longer cannot fit; refuse before int() does the work
        raise ValueError("integer beyond 64 bits")
    value = int(digits)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("integer beyond 64 bits")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def parse_update(body: bytes) -> dict[str, Any] | str:
    """Return an update's JSON object from a webhook body, or a short reason it is refused.

    The body must be UTF-8 JSON (no NaN or Infinity), an object with a non-negative integer
    update_id, every integer within 64 signed bits (Telegram's ids are; the database's columns
    are), and nested no deeper than the JSON reader's recursion limit.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    try:
        data = json.loads(text, parse_int=_int64, parse_constant=_no_constant)
    except RecursionError:
        return "nested too deep"
    except ValueError as exc:  # JSONDecodeError, or an integer beyond 64 bits
        return f"not JSON: {str(exc).splitlines()[0][:80]}"
    if not isinstance(data, dict):
        return "not a JSON object"
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        return "no update_id"
    return data


def to_update(data: dict[str, Any], bot: Bot) -> Update | None:
    """Return the Update a parsed body describes, or None when its fields have the wrong shape."""
    try:
        return Update.de_json(data, bot)
    except SHAPE_ERRORS:
        return None


@dataclass(frozen=True)
class WebhookRoute:
    """Where the listener answers and what it checks: the URL's path and the secret."""

    path: str
    secret: str  # never logged
    max_body_bytes: int = MAX_BODY_BYTES
    body_timeout_s: float = BODY_TIMEOUT_S


def make_webhook_app(
    route: WebhookRoute, bot: Bot, deliver: Callable[[Update], Awaitable[None]]
) -> web.Application:
    """Return the aiohttp application that checks, reads and parses webhook calls, then delivers."""
    secret = route.secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, secret):
            return web.Response(status=403)
        body = await read_capped(request, route.max_body_bytes, route.body_timeout_s)
        if isinstance(body, int):
            return web.Response(status=body)
        data = parse_update(body)
        if isinstance(data, str):
            log.debug("webhook: refused a body (%s)", data)
            return web.Response(status=400)
        update = to_update(data, bot)
        if update is None:
            log.debug("webhook: refused update %s (fields of the wrong shape)", data["update_id"])
            return web.Response(status=400)
        await deliver(update)
        return web.Response()

    app = web.Application()
    app.router.add_post(route.path, receive)
    return app


# The webhook's listener is the guarded HTTP listener every tingbao server uses.
WebhookListener = HttpListener
