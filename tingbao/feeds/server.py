"""Serve public/ over HTTP: byte ranges (podcast apps and browsers seek), exact types, CORS.

Runs inside any asyncio process (`PublicServer.start()`/`stop()`, for `tingbao run`) or alone
(`serve_public`, for `tingbao serve`). aiohttp's FileResponse answers Range, If-Range and HEAD.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

from aiohttp import web

from tingbao.feeds.errors import ServeError
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


def resolve(root: Path, tail: str) -> Path | None:
    """Return the file under root that a URL path names, or None (no dot files, no escapes)."""
    parts = [p for p in tail.split("/") if p]
    if any(p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
        return None
    candidate = root.joinpath(*parts)
    if candidate.is_dir():
        candidate = candidate / "index.html"
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


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
        return web.FileResponse(path, headers=headers)

    app = web.Application()
    app.router.add_get("/healthz", health)
    app.router.add_route("OPTIONS", "/{tail:.*}", preflight)
    app.router.add_get("/{tail:.*}", files)  # also answers HEAD
    return app


class PublicServer:
    """The public file server as an object with an async start and stop."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.root = root
        self.host = host
        self.port = port  # 0 picks a free port; the real one is set by start()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Return the base URL the server answers on."""
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        """Bind and start serving; raise ServeError when the port cannot be used."""
        self.root.mkdir(parents=True, exist_ok=True)
        runner = web.AppRunner(make_app(self.root), access_log=None)
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
