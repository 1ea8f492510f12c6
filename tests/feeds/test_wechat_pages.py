"""The pages as WeChat's in-app browser opens them: tap to play, the slow fallback, large text.

WeChat's browser never autoplays (Android), loads no audio before a tap (iOS), may ignore
playbackRate, and scales text with the follower's font-size setting and 关怀模式. The browser tests
emulate each of these in headless Chromium with a WeChat user agent on a 360×640 phone; the static
tests check the stylesheet and the markup never opt out of the follower's text size.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from lxml import html as lhtml

from tests.conftest import build_issue
from tests.feeds.conftest import Published
from tests.feeds.test_browser import ARGS, CHROMIUM, axe_violations, wait_metadata
from tests.feeds.test_feeds import assets_for
from tingbao.feeds.build import static_files
from tingbao.feeds.layout import STYLESHEET
from tingbao.feeds.pages import RATE_TO_SLOW, render_site
from tingbao.feeds.server import PublicServer
from tingbao.feeds.view import issue_views, site_from_settings
from tingbao.store.assets import ARTICLE_MP3, ARTICLE_MP3_SLOW
from tingbao.worker.settings import Settings

# Android WeChat 8.0 (XWEB, Chromium-based); the pages must not depend on it, only be tried with it.
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin "
    "NetType/WIFI Language/zh_CN ABI/arm64"
)
# WeChat's largest font-size levels scale page text by roughly 175-200%, and 关怀模式 starts at
# the large end: 200% is the most text the follower can ask for, so a page that holds there
# holds at every smaller level.
LARGEST = 2.0

BROWSER = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason="needs Debian chromium at /usr/bin/chromium (scripts/install-system-deps.sh)",
    ),
]

# A user setting that CSS can override, as WeChat's own is (Android's text zoom and iOS's
# -webkit-text-size-adjust both stop working on a page that sets text-size-adjust itself): an
# author-level rule placed before the page's stylesheet, so the page wins if it opts out.
TEXT_ZOOM_JS = """percent => {
  const style = document.createElement('style');
  const rule = `-webkit-text-size-adjust: ${percent}%; text-size-adjust: ${percent}%;`;
  style.textContent = `html { ${rule} }`;
  document.head.insertBefore(style, document.head.firstChild);
}"""

# Every way the text of a page can be cut off or push the page sideways, as readable lines.
CLIPPING_JS = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const name = el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
    ' "' + (el.textContent || '').trim().slice(0, 20) + '"';
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  }
  for (const el of document.querySelectorAll('body *')) {
    const css = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (css.display === 'none' || css.visibility === 'hidden' || box.width === 0) { continue; }
    if (el.closest('audio')) { continue; }
    if (box.right > width + 1 && box.left >= 0) {
      problems.push(`${name(el)} sticks out: right ${box.right} > ${width}`);
    }
    const clipsX = css.overflowX !== 'visible';
    const clipsY = css.overflowY !== 'visible';
    const isButton = el.matches('button, .button');
    if ((clipsX || isButton) && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} cut sideways: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    if ((clipsY || isButton) && el.scrollHeight > el.clientHeight + 1) {
      problems.push(`${name(el)} cut below: ${el.scrollHeight} > ${el.clientHeight}`);
    }
    if (css.textOverflow !== 'clip') { problems.push(`${name(el)} ends in ${css.textOverflow}`); }
    const line = parseFloat(css.lineHeight);
    const size = parseFloat(css.fontSize);
    if (!Number.isNaN(line) && line < size) {
      problems.push(`${name(el)} lines overlap: line-height ${line} < font-size ${size}`);
    }
  }
  return problems;
}"""

FONT_SIZES_JS = """() => ['h1', 'main p', 'footer li', 'button, .button']
  .map(s => document.querySelector(s)).filter(Boolean)
  .map(el => parseFloat(getComputedStyle(el).fontSize))"""


def rate_override(kind: str) -> str:
    """Return an init script that breaks playbackRate the way some in-app browsers do."""
    setters = {
        # Setting throws, as a browser that does not support the value does.
        "throws": "set(v) { throw new DOMException('not supported', 'NotSupportedError'); },"
        " get() { return 1; }",
        # Setting is silently ignored: the value reads back unchanged.
        "ignored": "set(v) {}, get() { return 1; }",
        # Setting is remembered and read back, but the sound plays on at normal speed.
        "lies": "set(v) { this.__rate = v; }, get() { return this.__rate || 1; }",
    }
    return (
        "Object.defineProperty(HTMLMediaElement.prototype, 'playbackRate', "
        f"{{configurable: true, {setters[kind]}}});"
    )


# Counts reads of `duration` before the audio ever played: iOS loads nothing before a tap.
DURATION_SPY = """(() => {
  const real = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'duration');
  window.__earlyDurationReads = 0;
  window.__played = false;
  document.addEventListener('play', () => { window.__played = true; }, true);
  Object.defineProperty(HTMLMediaElement.prototype, 'duration', {
    configurable: true,
    get() {
      if (!window.__played) { window.__earlyDurationReads += 1; }
      return real.get.call(this);
    },
  });
})();"""


@pytest.fixture
async def served(published: Published) -> AsyncIterator[tuple[PublicServer, Published]]:
    published.build()
    server = PublicServer(published.settings.public_dir, "127.0.0.1", 0)
    await server.start()
    yield server, published
    await server.stop()


@pytest.fixture
async def wechat() -> AsyncIterator[Any]:
    """A browser context like WeChat's on an Android phone, with Chromium's own autoplay rule
    (a tap is needed to play)."""
    from playwright.async_api import async_playwright

    args = [a for a in ARGS if not a.startswith("--autoplay-policy")]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=args)
        context = await browser.new_context(
            viewport={"width": 360, "height": 640},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            user_agent=WECHAT_UA,
            locale="zh-CN",
        )
        yield context
        await context.close()
        await browser.close()


def audio_js(expression: str) -> str:
    return f"(a => {expression})(document.getElementById('player'))"


# --- static: the stylesheet and the markup never opt out of the follower's text size --------


def test_stylesheet_never_opts_out_of_text_size_adjust() -> None:
    files = static_files()
    css = files[STYLESHEET].decode("utf-8")
    # Any value but auto (100%, none, a percentage) freezes the text at the page's own size.
    opt_out = re.compile(r"text-size-adjust\s*:\s*(?!auto\s*[;}])", re.IGNORECASE)
    assert not opt_out.search(css)
    assert not re.search(r"setFontSizeCallback|textSizeAdjust", files["static/player.js"].decode())


def test_stylesheet_lets_text_grow() -> None:
    css = static_files()[STYLESHEET].decode("utf-8")
    declarations = re.findall(
        r"([a-z-]+)\s*:\s*([^;}]+)", re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    )
    assert any(prop == "font-size" for prop, _ in declarations)  # the parse found the rules
    for prop, value in declarations:
        assert prop not in ("height", "max-height"), f"{prop}: {value} cuts growing text"
        assert not prop.endswith("line-clamp"), f"{prop}: {value} cuts growing text"
        assert not (prop.startswith("overflow") and "hidden" in value), f"{prop}: {value}"
        assert not (prop == "white-space" and "nowrap" in value), f"{prop}: {value}"
        if prop in ("font-size", "line-height", "font"):
            assert "px" not in value, f"{prop}: {value} does not follow the reader's text size"


def test_pages_load_no_audio_before_a_tap_and_know_the_slow_reading(settings: Settings) -> None:
    issue = build_issue()
    article = issue.articles[0]
    assets = assets_for(issue, True)
    slow_path = f"audio/{article.id}-slow.mp3"
    normal = assets[(article.id, ARTICLE_MP3)]
    assets[(article.id, ARTICLE_MP3_SLOW)] = replace(normal, role=ARTICLE_MP3_SLOW, path=slow_path)
    site = site_from_settings(settings.feeds, settings.paper)
    pages = render_site(issue_views([issue], assets), site)
    for path, raw in pages.items():
        page = lhtml.fromstring(raw)
        assert b"text-size-adjust" not in raw, path
        for audio in page.xpath("//audio"):
            assert audio.get("preload") == "none", path
            assert audio.get("autoplay") is None, path
    page = lhtml.fromstring(pages[f"articles/{article.id}.html"])
    audio = page.xpath("//audio")[0]
    assert audio.get("data-slow") == f"../{slow_path}"
    assert page.xpath("//div[@class='start']/button[@class='play']")
    other = lhtml.fromstring(pages[f"articles/{issue.articles[1].id}.html"])
    assert other.xpath("//audio")[0].get("data-slow") is None  # no slow file, no fallback


# --- in a browser like WeChat's ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["article", "issue"])
@BROWSER[0]
@BROWSER[1]
@BROWSER[2]
async def test_audio_starts_only_on_a_tap(
    served: tuple[PublicServer, Published], wechat: Any, path: str
) -> None:
    server, published = served
    issue = published.issue
    url = (
        f"articles/{issue.articles[0].id}.html" if path == "article" else f"issues/{issue.id}.html"
    )
    page = await wechat.new_page()
    await page.add_init_script(DURATION_SPY)
    media: list[tuple[str | None, int]] = []

    async def on_response(response: Any) -> None:
        if response.url.endswith(".mp3"):
            headers = await response.request.all_headers()
            media.append((headers.get("range"), response.status))

    page.on("response", on_response)
    await page.goto(server.url + url, wait_until="networkidle")
    assert media == []  # nothing fetched before the tap
    assert await page.evaluate(audio_js("a.paused && a.readyState === 0"))
    assert await page.evaluate("window.__earlyDurationReads") == 0
    assert await page.is_visible("button.play")
    await page.tap("button.play")
    await page.wait_for_function(audio_js("!a.paused && a.currentTime > 0"))
    assert media and all(status == 206 for _, status in media)
    assert (await page.text_content("button.play .label")) == "暂停"
    await page.tap("button.play")
    await page.wait_for_function(audio_js("a.paused"))
    await page.wait_for_selector("button.play .label:has-text('点这里播放')")


@pytest.mark.parametrize("kind", ["throws", "ignored"])
@BROWSER[0]
@BROWSER[1]
@BROWSER[2]
async def test_slow_button_plays_the_slow_mp3_where_playback_rate_cannot_be_set(
    served: tuple[PublicServer, Published], wechat: Any, kind: str
) -> None:
    server, published = served
    article = published.issue.articles[0]
    page = await wechat.new_page()
    await page.add_init_script(rate_override(kind))
    await page.goto(f"{server.url}articles/{article.id}.html")
    await page.tap("text=慢一点")  # before any play: nothing loaded yet
    assert (await page.get_attribute("audio", "src") or "").endswith(f"{article.id}-slow.mp3")
    assert await page.get_attribute("[data-version='slow']", "aria-pressed") == "true"
    assert await page.get_attribute("[data-rate='0.8']", "aria-pressed") == "true"
    assert await page.text_content(".status") == RATE_TO_SLOW
    await page.tap("button.play")
    await page.wait_for_function(audio_js("!a.paused && a.currentTime > 0"))
    assert (await page.evaluate(audio_js("a.currentSrc"))).endswith("-slow.mp3")
    await page.tap("text=正常速度")  # and back to the normal reading
    assert (await page.get_attribute("audio", "src") or "").endswith(f"{article.id}.mp3")
    assert await page.get_attribute("[data-version='normal']", "aria-pressed") == "true"


@BROWSER[0]
@BROWSER[1]
@BROWSER[2]
async def test_slow_button_notices_a_playback_rate_that_does_not_slow_the_sound(
    served: tuple[PublicServer, Published], wechat: Any
) -> None:
    server, published = served
    article = published.issue.articles[0]
    page = await wechat.new_page()
    await page.add_init_script(rate_override("lies"))
    await page.goto(f"{server.url}articles/{article.id}.html")
    await page.tap("button.play")
    await wait_metadata(page)
    await page.tap("text=慢一点")
    assert await page.evaluate(audio_js("a.playbackRate")) == 0.8  # it says it took...
    # ...but the sound runs at normal speed: after a timed stretch the page plays the slow file.
    await page.wait_for_function(
        audio_js("a.currentSrc.endsWith('-slow.mp3') && a.readyState >= 1"), timeout=8000
    )
    # The place is carried over in proportion: at least 1.5 s of the 4 s were played at the
    # switch, so the slow file (1.3 times longer) starts well past its beginning.
    assert await page.evaluate(audio_js("a.currentTime")) >= 1.5
    assert await page.text_content(".status") == RATE_TO_SLOW


@BROWSER[0]
@BROWSER[1]
@BROWSER[2]
async def test_working_playback_rate_keeps_the_normal_reading(
    served: tuple[PublicServer, Published], wechat: Any
) -> None:
    server, published = served
    article = published.issue.articles[0]
    page = await wechat.new_page()
    await page.goto(f"{server.url}articles/{article.id}.html")
    await page.tap("button.play")
    await wait_metadata(page)
    await page.tap("text=慢一点")
    # Well past the timed stretch (1.5 s of clock) at 0.8: no switch, the rate really took.
    await page.wait_for_function(audio_js("a.currentTime >= 2.2 || a.ended"), timeout=8000)
    assert (await page.evaluate(audio_js("a.currentSrc"))).endswith(f"{article.id}.mp3")
    assert await page.evaluate(audio_js("a.playbackRate")) == 0.8
    assert await page.text_content(".status") == ""


async def _font_sizes(page: Any) -> list[float]:
    sizes: list[float] = await page.evaluate(FONT_SIZES_JS)
    return sizes


@pytest.mark.parametrize("emulation", ["text-zoom", "default-font"])
@BROWSER[0]
@BROWSER[1]
@BROWSER[2]
async def test_largest_wechat_font_clips_nothing(
    served: tuple[PublicServer, Published], wechat: Any, emulation: str
) -> None:
    """text-zoom: WeChat's own mechanism (text-size-adjust on the page, text sizes only, so any
    length fixed in rem stays put); default-font: the browser's default font size doubled, so
    every rem length grows with the text."""
    server, published = served
    issue = published.issue
    for url in ("", f"issues/{issue.id}.html", f"articles/{issue.articles[0].id}.html"):
        page = await wechat.new_page()
        await page.goto(server.url + url)
        normal = await _font_sizes(page)
        if emulation == "text-zoom":
            await page.evaluate(TEXT_ZOOM_JS, round(LARGEST * 100))
        else:
            cdp = await wechat.new_cdp_session(page)
            await cdp.send(
                "Page.setFontSizes",
                {"fontSizes": {"standard": round(16 * LARGEST), "fixed": round(13 * LARGEST)}},
            )
            await cdp.detach()
        large = await _font_sizes(page)
        assert len(large) == len(normal) >= 3, url
        # The text really grew (a page that opts out, or sizes text in px, fails here).
        grown = all(b >= s * LARGEST * 0.98 for s, b in zip(normal, large, strict=True))
        assert grown, f"{url}: text sizes {normal} -> {large}"
        problems: list[str] = await page.evaluate(CLIPPING_JS)
        assert problems == [], url
    serious = [v for v in await axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert serious == []
