"""Served pages in a real headless Chromium: Range audio, chapters, keyboard, read-along, axe."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.feeds.conftest import CHAPTER_2_START, Published
from tingbao.feeds.server import PublicServer

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason="needs Debian chromium at /usr/bin/chromium (scripts/install-system-deps.sh)",
    ),
]


@pytest.fixture
async def site(published: Published) -> AsyncIterator[tuple[PublicServer, Published]]:
    published.build()
    server = PublicServer(published.settings.public_dir, "127.0.0.1", 0)
    await server.start()
    yield server, published
    await server.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        await launched.close()


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed in node_modules (npm install axe-core@4)")
    await page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = await page.evaluate(
        "async () => (await axe.run()).violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return violations


async def wait_metadata(page: Any) -> None:
    await page.wait_for_function("document.getElementById('player').readyState >= 1")


async def tap_play(page: Any, pause: bool = False) -> None:
    """Tap the big play button (nothing loads before it: preload="none") and wait for the
    audio's metadata; pause again when the test wants to seek by hand."""
    await page.click("button.play")
    await wait_metadata(page)
    if pause:
        await page.evaluate("document.getElementById('player').pause()")


async def test_article_page_streams_by_range_and_passes_axe(
    site: tuple[PublicServer, Published], browser: Any
) -> None:
    server, published = site
    article = published.issue.articles[0]
    page = await browser.new_page()
    media: list[tuple[str | None, int]] = []

    async def on_response(response: Any) -> None:
        if response.url.endswith(".mp3"):
            headers = await response.request.all_headers()
            media.append((headers.get("range"), response.status))

    page.on("response", on_response)
    await page.goto(f"{server.url}articles/{article.id}.html")
    await tap_play(page)
    duration = await page.evaluate("document.getElementById('player').duration")
    assert 3.5 < duration < 4.5
    assert media and all(r is not None and r.startswith("bytes=") for r, _ in media)
    assert all(status == 206 for _, status in media)
    serious = [v for v in await axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert serious == []


async def test_speed_and_slow_version_buttons(
    site: tuple[PublicServer, Published], browser: Any
) -> None:
    server, published = site
    article = published.issue.articles[0]
    page = await browser.new_page()
    await page.goto(f"{server.url}articles/{article.id}.html")
    await tap_play(page)
    assert await page.is_visible("text=慢一点")  # revealed by the script
    await page.click("text=慢一点")
    assert await page.evaluate("document.getElementById('player').playbackRate") == 0.8
    assert await page.get_attribute("[data-rate='0.8']", "aria-pressed") == "true"
    await page.click("[data-version='slow']")
    await page.wait_for_function(
        "document.getElementById('player').currentSrc.endsWith('-slow.mp3')"
    )
    if await page.evaluate("document.getElementById('player').paused"):  # the 4 s clip ended
        await page.click("button.play")
    await wait_metadata(page)
    rate = await page.evaluate("document.getElementById('player').playbackRate")
    assert rate == 0.8  # the chosen speed survives the switch


async def test_chapter_jump_by_keyboard_moves_the_playhead(
    site: tuple[PublicServer, Published], browser: Any
) -> None:
    server, published = site
    issue = published.issue
    page = await browser.new_page()
    await page.goto(f"{server.url}issues/{issue.id}.html")
    # No tap on play first: the chapter link itself starts the audio at its place.
    target = f"#art-{issue.articles[1].id}"
    for _ in range(60):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.getAttribute('href')") == target:
            break
    else:
        pytest.fail("the second chapter link cannot be reached with Tab")
    await page.keyboard.press("Enter")
    await page.wait_for_function(
        f"document.getElementById('player').currentTime >= {CHAPTER_2_START - 0.01}"
    )
    now = await page.evaluate("document.getElementById('player').currentTime")
    assert CHAPTER_2_START - 0.01 <= now < CHAPTER_2_START + 3
    await page.wait_for_selector("a.chapter[aria-current='true']")
    current = await page.get_attribute("a.chapter[aria-current='true']", "href")
    assert current == target
    serious = [v for v in await axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert serious == []


async def test_read_along_highlights_the_spoken_paragraph(
    site: tuple[PublicServer, Published], browser: Any
) -> None:
    server, published = site
    issue = published.issue
    page = await browser.new_page()
    await page.goto(f"{server.url}issues/{issue.id}.html")
    await tap_play(page, pause=True)
    paragraphs = [p for a in issue.articles for p in a.paragraphs]
    step = 12.0 / len(paragraphs)
    # Seek into the third cue; seeking fires timeupdate, so no playback is needed.
    await page.evaluate(f"document.getElementById('player').currentTime = {2.5 * step}")
    await page.wait_for_selector(".read.reading")
    text = await page.text_content(".read.reading")
    assert text == paragraphs[2]


async def test_pages_work_without_javascript(
    site: tuple[PublicServer, Published], browser: Any
) -> None:
    server, published = site
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(server.url)
    assert await page.title() == published.settings.paper.name
    await page.click(f"text={published.issue.articles[0].title}")
    assert await page.is_visible("audio")
    assert not await page.is_visible("text=慢一点")  # speed buttons need the script
    assert await page.is_visible(f"text={published.issue.articles[0].paragraphs[0]}")
    hotline = await page.get_attribute("a[href^='tel:']", "href")
    assert hotline == "tel:+862164059791"
    await context.close()


async def test_home_page_passes_axe_on_a_phone(
    site: tuple[PublicServer, Published], browser: Any
) -> None:
    server, _ = site
    page = await browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    await page.goto(server.url)
    serious = [v for v in await axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert serious == []
    # Nothing scrolls sideways on a narrow phone.
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
