"""The public server: byte ranges, content types, CORS, index pages, and no escape from public/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.feeds.conftest import Published
from tingbao.feeds.errors import ServeError
from tingbao.feeds.server import PublicServer, resolve


@pytest.fixture
async def server(published: Published) -> AsyncIterator[PublicServer]:
    published.build()
    (published.settings.data_dir / "secret.txt").write_text("secret")
    (published.settings.public_dir / ".hidden").write_text("hidden")
    running = PublicServer(published.settings.public_dir, "127.0.0.1", 0)
    await running.start()
    yield running
    await running.stop()


async def test_range_requests_on_audio(server: PublicServer, published: Published) -> None:
    issue = published.issue
    path = f"audio/{issue.id}/issue.mp3"
    full = (published.settings.public_dir / path).read_bytes()
    async with aiohttp.ClientSession() as http:
        async with http.get(server.url + path) as whole:
            assert whole.status == 200
            assert whole.headers["Content-Type"] == "audio/mpeg"
            assert whole.headers["Accept-Ranges"] == "bytes"
            assert await whole.read() == full
        async with http.get(server.url + path, headers={"Range": "bytes=100-199"}) as part:
            assert part.status == 206
            assert part.headers["Content-Range"] == f"bytes 100-199/{len(full)}"
            assert await part.read() == full[100:200]
        async with http.get(server.url + path, headers={"Range": "bytes=-50"}) as tail:
            assert tail.status == 206
            assert await tail.read() == full[-50:]
        async with http.get(
            server.url + path, headers={"Range": f"bytes={len(full) + 10}-"}
        ) as bad:
            assert bad.status == 416
        async with http.head(server.url + path) as head:
            assert head.status == 200
            assert int(head.headers["Content-Length"]) == len(full)


@pytest.mark.parametrize(
    ("path", "ctype", "cors"),
    [
        ("feed.xml", "application/rss+xml", True),
        ("atom.xml", "application/atom+xml", True),
        ("podcast.xml", "application/rss+xml", True),
        ("index.html", "text/html", False),
        ("static/tingbao.css", "text/css", False),
        ("static/player.js", "text/javascript", False),
        ("static/cover.png", "image/png", False),
        ("audio/{issue}/issue.vtt", "text/vtt", True),
        ("audio/{issue}/chapters.json", "application/json", True),
    ],
)
async def test_types_and_cors(
    server: PublicServer, published: Published, path: str, ctype: str, cors: bool
) -> None:
    url = server.url + path.format(issue=published.issue.id)
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].split(";")[0] == ctype
        assert (response.headers.get("Access-Control-Allow-Origin") == "*") is cors


async def test_index_preflight_health_and_not_found(server: PublicServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(server.url) as home:
            assert home.status == 200
            assert '<html lang="zh-CN">' in await home.text()
        async with http.options(server.url + "feed.xml") as pre:
            assert pre.status == 204
            assert "Range" in pre.headers["Access-Control-Allow-Headers"]
        async with http.get(server.url + "healthz") as health:
            assert await health.text() == "ok"
        for missing in ("nope.html", ".hidden", "%2e%2e/secret.txt", "static/../../secret.txt"):
            async with http.get(server.url + missing) as response:
                assert response.status == 404, missing


@pytest.mark.parametrize(
    ("tail", "found"),
    [
        ("", "index.html"),
        ("index.html", "index.html"),
        ("static/", None),
        ("../secret.txt", None),
        ("static/../../secret.txt", None),
        (".hidden", None),
        ("a\\b", None),
    ],
)
def test_resolve_table(tmp_path: Path, tail: str, found: str | None) -> None:
    root = tmp_path / "public"
    (root / "static").mkdir(parents=True)
    (root / "index.html").write_text("x")
    (root / ".hidden").write_text("x")
    (tmp_path / "secret.txt").write_text("x")
    result = resolve(root, tail)
    assert (result.relative_to(root).as_posix() if result else None) == found


async def test_port_in_use_raises_serve_error(server: PublicServer, tmp_path: Path) -> None:
    clash = PublicServer(tmp_path, "127.0.0.1", server.port)
    with pytest.raises(ServeError):
        await clash.start()


async def test_port_zero_becomes_the_bound_port_and_a_given_port_stays(tmp_path: Path) -> None:
    picked = PublicServer(tmp_path, "127.0.0.1", 0)
    await picked.start()
    try:
        assert picked.port > 0 and picked.url == f"http://127.0.0.1:{picked.port}/"
        async with aiohttp.ClientSession() as http, http.get(picked.url + "healthz") as response:
            assert await response.text() == "ok"
        port = picked.port
    finally:
        await picked.stop()
    given = PublicServer(tmp_path, "127.0.0.1", port)  # free again once the first stopped
    await given.start()
    try:
        assert given.port == port
    finally:
        await given.stop()


async def test_run_until_stopped_serves_then_stops(tmp_path: Path) -> None:
    import asyncio

    from tingbao.feeds.server import run_until_stopped

    server = PublicServer(tmp_path, "127.0.0.1", 0)
    stop = asyncio.Event()
    task = asyncio.create_task(run_until_stopped(server, stop))
    for _ in range(100):
        if server.port:
            break
        await asyncio.sleep(0.01)
    async with aiohttp.ClientSession() as http, http.get(server.url + "healthz") as response:
        assert await response.text() == "ok"
    stop.set()
    await asyncio.wait_for(task, 5)
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http, http.get(server.url + "healthz"):
            pass
