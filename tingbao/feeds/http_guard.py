"""Shield an aiohttp server from slow and idle clients, and its log from resource-error floods.

Every tingbao HTTP listener uses it: the public server (`tingbao serve`, `run`), the webhook
listener (`tingbao bot --webhook`, bot/webhook.py) and the WeChat endpoint (wechat/endpoint.py);
the last two read bodies with `read_capped` and listen with `HttpListener`.

- A request's headers must be complete within HEADER_TIMEOUT_S of the connection opening (or of
  the previous response on a kept-alive connection), and an idle kept-alive connection is closed
  after as long. aiohttp arms its keep-alive timer when a connection opens and closes a connection
  still waiting for a whole request when it fires, so its `keepalive_timeout` is both deadlines.
  Without it (aiohttp's default is an hour) a client sending half a header holds its socket open,
  and a few hundred of them use up the process's file descriptors.
- A request body the handler did not read is drained for at most LINGER_S before the connection
  closes (aiohttp's lingering close; its default is 10 s), so a refused upload is not read whole.
- When file descriptors or buffers run out, asyncio logs `socket.accept() out of system resource`
  with a traceback for every attempt, and retries every accept of its backlog: hundreds of
  thousands of lines a minute. ResourceErrorFilter lets one such record through per interval and
  logger, with the count of those it held back.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

HEADER_TIMEOUT_S = 15.0
LINGER_S = 2.0
RESOURCE_LOG_INTERVAL_S = 60.0
RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
# asyncio logs accept failures; aiohttp logs a handler that failed (a file it could not open).
GUARDED_LOGGERS = ("asyncio", "aiohttp.server", "aiohttp.web")


def runner(
    app: web.Application, header_timeout_s: float = HEADER_TIMEOUT_S, **kwargs: Any
) -> web.AppRunner:
    """Return an AppRunner for app with the header, keep-alive and linger limits, no access log."""
    return web.AppRunner(
        app,
        access_log=None,
        keepalive_timeout=header_timeout_s,
        lingering_time=min(LINGER_S, header_timeout_s),
        **kwargs,
    )


def resource_errno(record: logging.LogRecord) -> int | None:
    """Return the errno of the resource error (EMFILE, ENFILE, ENOBUFS, ENOMEM) a record carries."""
    exc = record.exc_info[1] if record.exc_info else None
    if isinstance(exc, OSError) and exc.errno in RESOURCE_ERRNOS:
        return exc.errno
    return None


class ResourceErrorFilter(logging.Filter):
    """Pass one resource-error record per logger and errno per interval; count the rest."""

    def __init__(
        self,
        interval_s: float = RESOURCE_LOG_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._lock = threading.Lock()
        self._last: dict[tuple[str, int], float] = {}
        self._held: dict[tuple[str, int], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        number = resource_errno(record)
        if number is None:
            return True
        key = (record.name, number)
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval_s:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key] = now
            held = self._held.pop(key, 0)
        if held:
            note = f" ({held} more like it in the last {self.interval_s:g} s were not logged)"
            record.msg = f"{record.getMessage()}{note}"
            record.args = ()
        return True


_installed: ResourceErrorFilter | None = None
_install_lock = threading.Lock()


def quiet_resource_errors() -> ResourceErrorFilter:
    """Install the resource-error filter on asyncio's and aiohttp's loggers once per process."""
    global _installed
    with _install_lock:
        if _installed is None:
            _installed = ResourceErrorFilter()
            for name in GUARDED_LOGGERS:
                logging.getLogger(name).addFilter(_installed)
        return _installed


async def read_capped(request: web.Request, limit: int, timeout_s: float) -> bytes | int:
    """Return the request's body, or the status that refuses it (413 too big, 408 too slow)."""
    declared = request.content_length
    if declared is not None and declared > limit:
        return 413
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.content.iter_any():
                size += len(chunk)
                if size > limit:
                    return 413
                chunks.append(chunk)
    except TimeoutError:
        return 408
    return b"".join(chunks)


class HttpListener:
    """A guarded HTTP listener (the webhooks', WeChat's) as an object with an async start and
    stop."""

    def __init__(
        self,
        app: web.Application,
        host: str,
        port: int,
        header_timeout_s: float = HEADER_TIMEOUT_S,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.header_timeout_s = header_timeout_s
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Bind and start answering; OSError when the port cannot be used."""
        quiet_resource_errors()
        started = runner(self.app, self.header_timeout_s)
        await started.setup()
        try:
            await web.TCPSite(started, self.host, self.port).start()
        except OSError:
            await started.cleanup()
            raise
        if self.port == 0 and started.addresses:
            self.port = int(started.addresses[0][1])
        self._runner = started

    async def stop(self) -> None:
        """Stop answering and close every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
