"""Render the static site: home (latest issue, then the archive), issue pages and article pages."""

from __future__ import annotations

from collections.abc import Sequence

from tingbao.chinese.dates import chinese_date
from tingbao.feeds.layout import Page, esc, render_page
from tingbao.feeds.text import minutes_label
from tingbao.feeds.view import HOME_PAGE, ArticleView, IssueView, Media, Site
from tingbao.paper.model import Article, Contact


def _clock(seconds: float) -> str:
    total = int(seconds)
    return f"{total // 60}:{total % 60:02d}"


# What the player's script says when the phone's browser cannot change the playback speed
# (some in-app browsers, WeChat's among them, ignore playbackRate): it plays the slow reading.
RATE_TO_SLOW = "这台手机不能调节语速，已换成慢速朗读。"
RATE_TO_NORMAL = "已换回正常朗读。"
RATE_UNSUPPORTED = "这台手机不能调节语速。"


def player(
    root: str, normal: Media | None, slow: Media | None, vtt: Media | None, what: str
) -> str:
    """Return the audio player: a plain <audio> element, enhanced by player.js.

    Nothing loads or plays before the listener taps (preload="none": WeChat's browser never
    autoplays, and on iOS it fetches nothing before a tap), so the length shown comes from the
    published file's record, not from the audio. The script reveals a big play button and the
    speed buttons; "慢一点" falls back to the slow reading where playbackRate does not work.
    """
    if normal is None:
        return f'<p class="note">{what}的朗读还在制作中，请稍后再来收听。</p>'
    src = esc(root + normal.path)
    data = f' data-normal="{src}"'
    if normal.duration_s:
        data += f' data-normal-s="{normal.duration_s:.3f}"'
    if slow is not None:
        data += f' data-slow="{esc(root + slow.path)}"'
    if vtt is not None:
        data += f' data-vtt="{esc(root + vtt.path)}"'
    length = minutes_label(normal.duration_s)
    downloads = [
        f'<li><a href="{src}" download>下载朗读（MP3{"，" + length if length else ""}）</a></li>'
    ]
    if slow is not None:
        downloads.append(
            f'<li><a href="{esc(root + slow.path)}" download>下载慢速朗读（MP3）</a></li>'
        )
    versions = ""
    if slow is not None:
        versions = (
            '<div class="group" role="group" aria-label="朗读版本">'
            '<button type="button" data-version="normal" aria-pressed="true">正常朗读</button>'
            '<button type="button" data-version="slow" aria-pressed="false">慢速朗读</button></div>'
        )
    how_long = f'<span class="length">{length}</span>' if length else ""
    play = (
        '<div class="start" hidden><button type="button" class="play" data-pause="暂停">'
        '<span class="icon" aria-hidden="true">▶</span> '
        f'<span class="label">点这里播放</span>{how_long}</button></div>'
    )
    status = (
        f'<p class="status" role="status" data-to-slow="{esc(RATE_TO_SLOW)}" '
        f'data-to-normal="{esc(RATE_TO_NORMAL)}" data-unsupported="{esc(RATE_UNSUPPORTED)}"></p>'
    )
    return (
        f'<section class="player" aria-labelledby="listen-h"><h2 id="listen-h">收听{what}</h2>'
        f'{play}<audio id="player" controls preload="none" src="{src}"{data}>'
        f'<a href="{src}">收听朗读</a></audio>'
        f'<div class="controls" hidden>{versions}'
        '<div class="group" role="group" aria-label="播放速度">'
        '<button type="button" data-rate="0.8" aria-pressed="false">慢一点</button>'
        '<button type="button" data-rate="1" aria-pressed="true">正常速度</button>'
        '<button type="button" data-rate="1.25" aria-pressed="false">快一点</button></div>'
        f"{status}</div>"
        f'<ul class="plain downloads">{"".join(downloads)}</ul></section>'
    )


def article_body(article: Article, heading_level: int) -> str:
    """Return the text of an article; paragraphs are marked for read-along highlighting."""
    parts: list[str] = []
    h = f"h{heading_level}"
    for section in article.sections:
        if section.heading:
            parts.append(f'<{h} class="read">{esc(section.heading)}</{h}>')
        parts.extend(f'<p class="read">{esc(p)}</p>' for p in section.paragraphs)
    return "\n".join(parts)


def _headline(article: Article, tag: str, href: str | None = None) -> str:
    title = esc(article.title)
    if href:
        title = f'<a href="{esc(href)}">{title}</a>'
    kicker = f'<p class="kicker">{esc(article.kicker)}</p>' if article.kicker else ""
    subtitle = f'<p class="subtitle">{esc(article.subtitle)}</p>' if article.subtitle else ""
    return f"{kicker}<{tag}>{title}</{tag}>{subtitle}"


def article_page(view: ArticleView, issue: IssueView, site: Site) -> Page:
    """Return the page of one article: headline, player, text and links to its neighbours."""
    path = view.page
    root = "../"
    article = view.article
    issue_title = esc(issue.issue.title)
    crumbs = (
        f'<nav class="crumbs" aria-label="位置"><a href="{root}{HOME_PAGE}">首页</a> › '
        f'<a href="{root}{issue.page}">{issue_title}</a></nav>'
    )
    neighbours: list[str] = []
    if view.position > 0:
        prev = issue.articles[view.position - 1]
        neighbours.append(
            f'<li>上一篇：<a href="{root}{prev.page}">{esc(prev.article.title)}</a></li>'
        )
    if view.position + 1 < len(issue.articles):
        nxt = issue.articles[view.position + 1]
        neighbours.append(
            f'<li>下一篇：<a href="{root}{nxt.page}">{esc(nxt.article.title)}</a></li>'
        )
    main = (
        f"{crumbs}<article>{_headline(article, 'h1')}"
        f'<p class="meta">{chinese_date(issue.issue.published)} · 本期第{view.position + 1}篇</p>'
        f"{player(root, view.mp3, view.mp3_slow, view.vtt, '本文')}"
        f'<div class="text">{article_body(article, 2)}</div></article>'
        '<nav class="pager" aria-label="本期其他文章">'
        f'<ul class="plain">{"".join(neighbours)}</ul></nav>'
    )
    return Page(path, article.title, main, issue.issue.contact)


def chapter_list(view: IssueView, root: str) -> str:
    """Return the list of articles; with chapter times each entry also moves the playhead."""
    starts = {c.article_id: c.start_s for c in view.chapters if c.article_id}
    rows: list[str] = []
    for article in view.articles:
        start = starts.get(article.article.id)
        attr = f' data-start="{start:.3f}"' if start is not None else ""
        when = f'<span class="time">{_clock(start)}</span> ' if start is not None else ""
        rows.append(
            f'<li><a class="chapter" href="#art-{esc(article.article.id)}"{attr}>'
            f"{when}{esc(article.article.title)}</a></li>"
        )
    return (
        '<nav class="chapters" aria-labelledby="toc-h"><h2 id="toc-h">本期目录</h2>'
        f"<ol>{''.join(rows)}</ol></nav>"
    )


def issue_page(view: IssueView, site: Site) -> Page:
    """Return the page of an issue: the whole-issue player, chapters and every article's text."""
    root = "../"
    sections = [
        f'<section class="story" id="art-{esc(a.article.id)}">'
        f"{_headline(a.article, 'h2', root + a.page)}"
        f'<div class="text">{article_body(a.article, 3)}</div></section>'
        for a in view.articles
    ]
    main = (
        f'<nav class="crumbs" aria-label="位置"><a href="{root}{HOME_PAGE}">首页</a></nav>'
        f"<h1>{esc(view.issue.title)}</h1>"
        f'<p class="meta">{chinese_date(view.issue.published)} · 共{len(view.articles)}篇</p>'
        f"{player(root, view.mp3, None, view.vtt, '整期')}"
        f"{chapter_list(view, root)}{''.join(sections)}"
    )
    return Page(view.page, view.issue.title, main, view.issue.contact)


def home_page(views: Sequence[IssueView], site: Site) -> Page:
    """Return the home page: the latest issue with its articles, then the archive."""
    if not views:
        main = f"<h1>{esc(site.name)}</h1><p>还没有发布任何一期，请稍后再来。</p>"
        return Page(HOME_PAGE, site.name, main, Contact())
    latest = views[0]
    badge = ' <span class="badge">可收听</span>'
    items = "".join(
        f'<li><a href="{a.page}">{esc(a.article.title)}</a>{badge if a.mp3 else ""}</li>'
        for a in latest.articles
    )
    listen = (
        f'<p><a class="button big" href="{latest.page}">收听整期朗读'
        f"{('（' + minutes_label(latest.mp3.duration_s) + '）') if latest.mp3.duration_s else ''}"
        "</a></p>"
        if latest.mp3
        else ""
    )
    archive = "".join(
        f'<li><a href="{v.page}">{esc(v.issue.title)}</a> '
        f'<span class="meta">{chinese_date(v.issue.published)}</span></li>'
        for v in views[1:]
    )
    archive_list = f'<ul class="plain">{archive}</ul>' if archive else "<p>暂无往期。</p>"
    main = (
        f"<h1>{esc(site.name)}</h1>"
        f'<p class="lead">{esc(site.description)}</p>'
        f'<section class="latest" aria-labelledby="latest-h"><h2 id="latest-h">最新一期：'
        f'<a href="{latest.page}">{esc(latest.issue.title)}</a></h2>'
        f'<p class="meta">{chinese_date(latest.issue.published)}</p>{listen}'
        f'<ol class="articles">{items}</ol></section>'
        f'<section class="archive" aria-labelledby="archive-h"><h2 id="archive-h">往期</h2>'
        f"{archive_list}"
        "</section>"
    )
    return Page(HOME_PAGE, site.name, main, latest.issue.contact)


def render_site(views: Sequence[IssueView], site: Site) -> dict[str, bytes]:
    """Return every page of the site as path -> bytes."""
    pages = [home_page(views, site)]
    for view in views:
        pages.append(issue_page(view, site))
        pages.extend(article_page(a, view, site) for a in view.articles)
    return {page.path: render_page(page, site) for page in pages}
