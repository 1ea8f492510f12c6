"""The frame every page shares: head, skip link, masthead, contact box and feed links."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from tingbao.chinese import phone_numbers as phones
from tingbao.feeds.text import clean_text, mailto_uri, tel_uri
from tingbao.feeds.view import FEED_ATOM, FEED_PODCAST, FEED_RSS, HOME_PAGE, Site
from tingbao.paper.model import Contact

STYLESHEET = "static/tingbao.css"
SCRIPT = "static/player.js"


def esc(text: str | None) -> str:
    """Return cleaned text escaped for HTML content and attributes."""
    return escape(clean_text(text), quote=True)


@dataclass(frozen=True)
class Page:
    """A page to render: where it lives, its title and its main content."""

    path: str  # relative to public/
    title: str
    main: str
    contact: Contact

    @property
    def root(self) -> str:
        """Return the relative prefix from this page back to public/."""
        return "../" * self.path.count("/")


def hotline_links(hotline: str) -> str:
    """Return the hotline as HTML with each phone number a tappable tel: link."""
    text = clean_text(hotline)
    found = list(phones.find_phones(text, labelled=True))
    if not found:
        # Not a number paper.phone knows (a setting typed by hand): link its digits, if any.
        href = tel_uri(text)
        return f'<a class="tap" href="{esc(href)}">{esc(text)}</a>' if href != "tel:" else esc(text)
    parts: list[str] = []
    pos = 0
    for match in found:
        href = escape(phones.tel_uri(match.phone), quote=True)
        shown = escape(phones.display(match.phone), quote=True)
        parts.append(escape(text[pos : match.start], quote=True))
        parts.append(f'<a class="tap" href="{href}">{shown}</a>')
        pos = match.end
    parts.append(escape(text[pos:], quote=True))
    return "".join(parts)


def contact_box(contact: Contact, site: Site) -> str:
    """Return the newsroom's contact box: tappable hotline and e-mail, address, editors."""
    hotline = contact.hotline or site.hotline
    email = contact.email or site.email
    rows: list[str] = []
    if hotline:
        rows.append(f"<li>新闻热线：{hotline_links(hotline)}</li>")
    if email:
        rows.append(
            f'<li>投稿邮箱：<a class="tap" href="{esc(mailto_uri(email))}">{esc(email)}</a></li>'
        )
    if contact.address:
        rows.append(f"<li>地址：{esc(contact.address)}</li>")
    if contact.editors:
        rows.append(f"<li>编辑：{esc('、'.join(contact.editors))}</li>")
    if not rows:
        return ""
    return (
        '<section class="contact" aria-labelledby="contact-h">'
        '<h2 id="contact-h">联系编辑部</h2>'
        f'<ul class="plain">{"".join(rows)}</ul></section>'
    )


def feed_links(root: str) -> str:
    """Return the subscription links shown on every page."""
    return (
        '<section class="subscribe" aria-labelledby="sub-h"><h2 id="sub-h">订阅</h2>'
        '<ul class="plain buttons">'
        f'<li><a class="button" href="{root}{FEED_PODCAST}">播客订阅（整期朗读）</a></li>'
        f'<li><a class="button" href="{root}{FEED_RSS}">RSS 订阅（每篇文章）</a></li>'
        f'<li><a class="button" href="{root}{FEED_ATOM}">Atom 订阅</a></li>'
        "</ul><p>把链接复制到播客或阅读器应用里，就能收到每一期。</p></section>"
    )


def render_page(page: Page, site: Site) -> bytes:
    """Return a complete HTML document for a page."""
    root = page.root
    title = esc(page.title)
    name = esc(site.name)
    feeds = (
        f'<link rel="alternate" type="application/rss+xml" title="{name} RSS" '
        f'href="{root}{FEED_RSS}">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{name} 播客" '
        f'href="{root}{FEED_PODCAST}">\n'
        f'<link rel="alternate" type="application/atom+xml" title="{name} Atom" '
        f'href="{root}{FEED_ATOM}">\n'
    )
    footer = f"<footer>\n{contact_box(page.contact, site)}\n{feed_links(root)}\n</footer>\n"
    return html_document(
        title=title if title == name else f"{title} - {name}",
        root=root,
        brand=name,
        main=page.main,
        head=feeds,
        footer=footer,
    )


def html_document(
    *, title: str, root: str, brand: str, main: str, head: str = "", footer: str = ""
) -> bytes:
    """Return the HTML document every page shares: head with the stylesheet and script (plus
    `head`), the skip link, the masthead, `main`, then `footer`. Arguments are HTML already."""
    html = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{root}{STYLESHEET}">
{head}<script src="{root}{SCRIPT}" defer></script>
</head>
<body>
<a class="skip" href="#main">跳到正文</a>
<header class="masthead"><a class="brand" href="{root}{HOME_PAGE}">{brand}</a></header>
<main id="main">
{main}
</main>
{footer}</body>
</html>
"""
    return html.encode("utf-8")
