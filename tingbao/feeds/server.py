"""Serve public/ over HTTP: byte ranges (podcast apps and browsers seek), exact types, CORS.

Runs inside any asyncio process (`PublicServer.start()`/`stop()`, for `tingbao run`) or alone
(`serve_public`, for `tingbao serve`). aiohttp's FileResponse answers Range and HEAD, and If-Range
with a date; an If-Range ETag it does not know, so FreshRangeResponse drops the Range of a request
whose If-Range ETag is not the file's (RFC 9110 13.1.5: the whole file, 200). A URL that cannot
name a file here (a part longer than a file name may be, a symlink loop, an escape) is 404 and
logs nothing. Slow headers, idle keep-alives and resource-error floods: feeds/http_guard.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from tingbao.feeds.errors import ServeError
from tingbao.feeds.http_guard import HEADER_TIMEOUT_S, quiet_resource_errors
from tingbao.feeds.http_guard import runner as make_runner
from tingbao.feeds.settings import FeedsSettings
from tingbao.publish.publisher import content_type

CORS_SUFFIXES = (".vtt", ".json", ".xml", ".mp3", ".ogg")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges",
}
NOT_FOUND_HTML = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>找不到页面</title></head>'
    '<body><h1>找不到这个页面</h1><p><a href="/">回到首页</a></p></body></html>'
)

NAME_MAX = 255  # bytes in one file name (Linux, macOS); a longer part names nothing


def resolve(root: Path, tail: str) -> Path | None:
    """Return the file under root that a URL path names, or None (no dot files, no escapes)."""
    parts = [p for p in tail.split("/") if p]
    if any(p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
        return None
    if any(len(p.encode("utf-8", "replace")) > NAME_MAX for p in parts):
        return None
    try:
        candidate = root.joinpath(*parts)
        if candidate.is_dir():
            candidate = candidate / "index.html"
        candidate.resolve().relative_to(root.resolve())
        return candidate if candidate.is_file() else None
    except (OSError, RuntimeError, ValueError):
        # ENAMETOOLONG, a symlink loop (RuntimeError before Python 3.13, ELOOP after), an escape
        # (ValueError) or a name the file system cannot encode: nothing to serve, nothing to log.
        return None


def etag_of(path: Path) -> str:
    """Return the strong ETag aiohttp's FileResponse sends for path (mtime and size), unquoted."""
    st = path.stat()
    return f"{st.st_mtime_ns:x}-{st.st_size:x}"


def stale_if_range(if_range: str, etag: str) -> bool:
    """Return whether an If-Range holding an entity tag fails against the file's (strong) ETag.

    A date is left to aiohttp; a weak tag never matches (RFC 9110 13.1.5).
    """
    value = if_range.strip()
    if not value.startswith(("W/", '"')):
        return False
    return value != f'"{etag}"'


class FreshRangeResponse(web.FileResponse):
    """A FileResponse that sends the whole file when If-Range names another version of it."""

    def __init__(self, path: Path, headers: dict[str, str]) -> None:
        super().__init__(path, headers=headers)
        self.file = path

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        """Drop Range and If-Range when If-Range is an ETag other than the file's, then send."""
        if_range = request.headers.get("If-Range")
        if if_range is not None and "Range" in request.headers:
            try:
                stale = stale_if_range(if_range, etag_of(self.file))
            except OSError:
                stale = False  # gone meanwhile: FileResponse answers 404
            if stale:
                headers = request.headers.copy()
                del headers["Range"]
                del headers["If-Range"]
                request = request.clone(headers=headers)
        return await super().prepare(request)


def make_app(root: Path) -> web.Application:
    """Return the aiohttp application serving root."""

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def preflight(_request: web.Request) -> web.Response:
        return web.Response(
            status=204,
            headers={
                **CORS_HEADERS,
                "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                "Access-Control-Allow-Headers": "Range",
                "Access-Control-Max-Age": "86400",
            },
        )

    async def files(request: web.Request) -> web.StreamResponse:
        path = resolve(root, request.match_info["tail"])
        if path is None:
            return web.Response(status=404, text=NOT_FOUND_HTML, content_type="text/html")
        headers = {"Content-Type": content_type(path.name), "Cache-Control": "public, max-age=300"}
        if path.suffix.lower() in CORS_SUFFIXES:
            headers.update(CORS_HEADERS)
        return FreshRangeResponse(path, headers)

    app = web.Application()
    app.router.add_get("/healthz", health)
    app.router.add_route("OPTIONS", "/{tail:.*}", preflight)
    app.router.add_get("/{tail:.*}", files)  # also answers HEAD
    return app


class PublicServer:
    """The public file server as an object with an async start and stop."""

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 8080,
        header_timeout_s: float = HEADER_TIMEOUT_S,
    ) -> None:
        self.root = root
        self.host = host
        self.port = port  # 0 picks a free port; the real one is set by start()
        self.header_timeout_s = header_timeout_s  # also how long an idle keep-alive stays open
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the base URL the server answers on."""
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        """Bind and start serving; raise ServeError when the port cannot be used."""
        self.root.mkdir(parents=True, exist_ok=True)
        quiet_resource_errors()
        runner = make_runner(make_app(self.root), self.header_timeout_s)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ServeError(f"cannot serve on {self.host}:{self.port}: {exc}") from exc
        addresses = runner.addresses  # each bound socket's name: (host, port, ...)
        if self.port == 0 and addresses:
            self.port = int(addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def public_server(settings: FeedsSettings, public_dir: Path) -> PublicServer:
    """Return the server for a deployment's public/ folder, at the host and port of its settings."""
    return PublicServer(public_dir, settings.http_host, settings.http_port)


async def run_until_stopped(server: PublicServer, stop: asyncio.Event) -> None:
    """Serve until the event is set."""
    await server.start()
    try:
        await stop.wait()
    finally:
        await server.stop()


def serve_public(settings: FeedsSettings, public_dir: Path) -> None:
    """Serve public/ in the foreground until SIGINT or SIGTERM (`tingbao serve`)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await run_until_stopped(public_server(settings, public_dir), stop)

    asyncio.run(main())
