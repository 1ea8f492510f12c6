"""The public server: byte ranges, content types, CORS, index pages, and no escape from public/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.feeds.conftest import Published
from tests.http_probe import slow_header_closed_after
from tingbao.feeds.errors import ServeError
from tingbao.feeds.http_guard import ResourceErrorFilter
from tingbao.feeds.server import PublicServer, resolve, stale_if_range


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


# One bad client never stops the site: slow headers, stale ranges, names no file system takes.


async def test_a_slow_header_is_cut_at_the_deadline_while_others_are_served(tmp_path: Path) -> None:
    import asyncio

    (tmp_path / "index.html").write_text("home")
    server = PublicServer(tmp_path, "127.0.0.1", 0, header_timeout_s=1.0)
    await server.start()
    try:
        stalled = asyncio.create_task(asyncio.to_thread(slow_header_closed_after, server.port, 5))
        trickled = asyncio.create_task(
            asyncio.to_thread(slow_header_closed_after, server.port, 5, 0.2)
        )
        await asyncio.sleep(0.3)
        async with aiohttp.ClientSession() as http, http.get(server.url) as response:
            assert response.status == 200 and await response.text() == "home"
        # Half a header, or one dribbled a byte at a time: closed at the deadline either way.
        for task in (stalled, trickled):
            seconds = await task
            assert seconds is not None and 0.5 <= seconds <= 3.0, seconds
        # An idle kept-alive connection is closed after as long.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await reader.readuntil(b"ok")).startswith(b"HTTP/1.1 200")
        start = asyncio.get_running_loop().time()
        assert await asyncio.wait_for(reader.read(), 5) == b""
        assert asyncio.get_running_loop().time() - start <= 3.0
        writer.close()
    finally:
        await server.stop()


async def test_if_range_with_another_etag_sends_the_whole_file(
    server: PublicServer, published: Published
) -> None:
    path = f"audio/{published.issue.id}/issue.mp3"
    full = (published.settings.public_dir / path).read_bytes()
    async with aiohttp.ClientSession() as http:
        async with http.head(server.url + path) as head:
            etag = head.headers["ETag"]
            modified = head.headers["Last-Modified"]
        cases = [
            ('"0-0"', 200),  # another version of the file
            (f"W/{etag}", 200),  # a weak tag never matches (RFC 9110 13.1.5)
            (etag, 206),  # this version: the range
            (modified, 206),  # a date is aiohttp's, as before
            ("Thu, 01 Jan 1970 00:00:00 GMT", 200),  # changed since
        ]
        for if_range, status in cases:
            headers = {"Range": "bytes=100-199", "If-Range": if_range}
            async with http.get(server.url + path, headers=headers) as response:
                assert response.status == status, if_range
                body = await response.read()
                assert body == (full if status == 200 else full[100:200]), if_range


async def test_names_no_file_system_takes_are_404_and_log_nothing(
    server: PublicServer, published: Published, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    public = published.settings.public_dir
    (public / "loop-a").symlink_to(public / "loop-b")
    (public / "loop-b").symlink_to(public / "loop-a")
    (public / "self").symlink_to(public / "self")
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    missing = [
        "a" * 300,
        "static/" + "长" * 100,  # 300 bytes in UTF-8
        "loop-a",
        "loop-a/x.mp3",
        "self",
        "self/index.html",
        "/".join(["d" * 200] * 30),  # longer than any path may be
    ]
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            for tail in missing:
                async with http.get(server.url + tail) as response:
                    assert response.status == 404, tail
                    assert "找不到" in await response.text()
        async with http.get(server.url + "feed.xml") as response:
            assert response.status == 200  # still serving
    logged = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert logged == [], [r.getMessage() for r in logged]


def test_resolve_refuses_long_parts_and_loops(tmp_path: Path) -> None:
    root = tmp_path / "public"
    root.mkdir()
    (root / "a").symlink_to(root / "b")
    (root / "b").symlink_to(root / "a")
    (root / ("x" * 255)).write_text("longest name there may be")
    assert resolve(root, "a") is None and resolve(root, "a/b/c") is None
    assert resolve(root, "y" * 256) is None
    assert resolve(root, "x" * 255) == root / ("x" * 255)


def test_stale_if_range_table() -> None:
    assert stale_if_range('"abc-1"', "abc-1") is False
    assert stale_if_range(' "abc-1" ', "abc-1") is False
    assert stale_if_range('"abc-2"', "abc-1") is True
    assert stale_if_range('W/"abc-1"', "abc-1") is True
    assert stale_if_range("Wed, 21 Oct 2015 07:28:00 GMT", "abc-1") is False


def test_resource_errors_are_logged_once_per_interval() -> None:
    import errno
    import logging

    now = [0.0]
    quiet = ResourceErrorFilter(interval_s=60.0, clock=lambda: now[0])

    def record(number: int, name: str = "asyncio") -> logging.LogRecord:
        exc = OSError(number, "Too many open files")
        return logging.LogRecord(
            name,
            logging.ERROR,
            __file__,
            1,
            "socket.accept() out of system resource",
            (),
            (OSError, exc, None),
        )

    passed = [quiet.filter(record(errno.EMFILE)) for _ in range(1000)]
    assert passed.count(True) == 1 and passed[0]
    assert quiet.filter(record(errno.ENFILE))  # another errno is news
    assert quiet.filter(record(errno.EMFILE, "aiohttp.server"))  # so is another logger
    now[0] = 61.0
    again = record(errno.EMFILE)
    assert quiet.filter(again)
    assert "999 more like it in the last 60 s" in again.getMessage()
    other = logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "x", (), None)
    assert all(quiet.filter(other) for _ in range(5))  # everything else passes
