"""Plan an issue's channel posts: a pure function from an issue and its audio to posts in order.

The opening posts carry the paper, date and a table of contents linking to the article pages, then
the whole-issue episode with its chapter list; each article follows as its text (split at paragraph
boundaries under Telegram's 4096) and its MP3 with a caption and two link buttons. Audio goes out
as MP3 through sendAudio, not as a voice note: a correction replaces it with editMessageMedia,
which cannot make a voice note.

Every post has a key that stays the same across corrections ("head:1", "issue:audio",
"article:2:text:1", "article:2:audio"), so a corrected issue maps onto the posts already in the
channel; the key names the kind of post, so a key's post can always be edited in place. Articles
are keyed by their place in the issue, not their id (which follows the title): a corrected title,
or an article added or dropped in the middle, edits the posts in place, and the channel keeps
reading order; only posts beyond the old end are added, at the end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from tingbao.chat.render import MESSAGE_LIMIT, article_messages, attr, chapters_text, esc
from tingbao.chat.render import pack_blocks as pack
from tingbao.chinese.dates import chinese_date
from tingbao.paper.model import Article, Issue
from tingbao.publish.paths import article_page, issue_page
from tingbao.store.assets import ARTICLE_MP3, ARTICLE_MP3_SLOW, ISSUE_MP3, Asset, file_key

PostKind = Literal["text", "audio"]
CAPTION_LIMIT = 1024
TITLE_LIMIT = 200  # a title in a caption; escaped, it stays far under CAPTION_LIMIT

HEAD = "<b>《{paper}》</b> {date}\n{title}"
TOC_HEAD = "本期目录（共{count}篇），点标题看网页："
ISSUE_CAPTION_MORE = "……（完整目录见上）"
ARTICLE_CAPTION = "🔊 {title}"
LISTEN_LINK = '🔊 收听：<a href="{url}">{title}</a>'
BTN_SLOW = "🐢 慢速朗读"
BTN_PAGE = "📖 网页阅读"
BTN_ISSUE_PAGE = "📖 网页版"
WITHDRAWN_NOTE = "（已撤回）"


@dataclass(frozen=True)
class Links:
    """How posts link out: public/ paths to URLs, and deep links into the bot."""

    public_url: Callable[[str], str]
    bot_username: str
    site_folder: str = ""  # the paper's folder of public/ holding its pages ("slug/" or "")

    def page(self, article_id: str) -> str:
        return self.public_url(self.site_folder + article_page(article_id))

    def issue(self, issue_id: str) -> str:
        return self.public_url(self.site_folder + issue_page(issue_id))

    def slow(self, article_id: str) -> str:
        """Return the link that opens the bot on an article's slow reading (/start slow-<id>)."""
        return f"https://t.me/{self.bot_username}?start=slow-{article_id}"


@dataclass(frozen=True)
class Button:
    """A URL button under a post."""

    text: str
    url: str


@dataclass(frozen=True)
class PlannedPost:
    """One post as the channel should show it."""

    key: str
    position: int
    kind: PostKind
    text: str  # HTML: the message text, or the caption of an audio post
    buttons: tuple[Button, ...] = ()  # one per row
    audio: Asset | None = None
    title: str | None = None  # shown with the audio
    performer: str | None = None

    @property
    def media_key(self) -> str:
        """Return what identifies the attached audio as shown: its file, title and performer.

        A new key means editMessageMedia (a caption edit cannot change an audio's title).
        """
        if self.audio is None:
            return ""
        return _digest((file_key(self.audio), self.title, self.performer))

    @property
    def content_hash(self) -> str:
        """Return a hash of everything the post shows: equal hashes, nothing to edit."""
        buttons = [(b.text, b.url) for b in self.buttons]
        return _digest((self.kind, self.text, buttons, self.media_key))


def _digest(shown: object) -> str:
    data = json.dumps(shown, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class IssueAudio:
    """The published audio of an issue: assets by (owner id, role), and the chapters file."""

    assets: Mapping[tuple[str, str], Asset]
    chapters_json: bytes | None = None
    upload_limit: int | None = None  # files over it are linked, not attached

    def get(self, owner_id: str, role: str) -> Asset | None:
        return self.assets.get((owner_id, role))

    def attachable(self, asset: Asset | None) -> bool:
        return asset is not None and (self.upload_limit is None or asset.size <= self.upload_limit)


def withdrawn_hash(kind: str) -> str:
    """Return the content hash of a post of this kind marked withdrawn in place."""
    return PlannedPost(
        "withdrawn", 0, "text" if kind == "text" else "audio", WITHDRAWN_NOTE
    ).content_hash


def plan_issue(issue: Issue, paper_name: str, audio: IssueAudio, links: Links) -> list[PlannedPost]:
    """Return the posts of an issue in reading order, positions counted from 0."""
    drafts = head_posts(issue, paper_name, links)
    drafts += issue_audio_posts(issue, paper_name, audio, links)
    for number, article in enumerate(issue.articles, 1):
        drafts += article_posts(number, article, paper_name, audio, links)
    return [replace(post, position=n) for n, post in enumerate(drafts)]


def head_posts(issue: Issue, paper_name: str, links: Links) -> list[PlannedPost]:
    """Return the opening text: paper, date, title and the linked table of contents."""
    head = HEAD.format(
        paper=esc(paper_name), date=chinese_date(issue.published), title=esc(issue.title)
    )
    lines = [head, "", TOC_HEAD.format(count=len(issue.articles))]
    lines += [
        f'{n}. <a href="{attr(links.page(a.id))}">{esc(a.title)}</a>'
        for n, a in enumerate(issue.articles, 1)
    ]
    texts = pack(lines, MESSAGE_LIMIT, sep="\n")
    last = len(texts)
    return [
        PlannedPost(
            f"head:{n}",
            0,
            "text",
            text,
            (Button(BTN_ISSUE_PAGE, links.issue(issue.id)),) if n == last else (),
        )
        for n, text in enumerate(texts, 1)
    ]


def issue_audio_posts(
    issue: Issue, paper_name: str, audio: IssueAudio, links: Links
) -> list[PlannedPost]:
    """Return the whole-issue episode with its chapter list as caption (or a link, if too big)."""
    episode = audio.get(issue.id, ISSUE_MP3)
    if episode is None:
        return []
    chapters = chapters_text(issue, audio.chapters_json).split("\n")
    if not audio.attachable(episode):
        link = LISTEN_LINK.format(url=attr(links.public_url(episode.path)), title=esc(issue.title))
        return [PlannedPost("issue:link", 0, "text", cut_to([link, *chapters], MESSAGE_LIMIT))]
    return [
        PlannedPost(
            "issue:audio",
            0,
            "audio",
            cut_to(chapters, CAPTION_LIMIT),
            audio=episode,
            title=issue.title,
            performer=paper_name,
        )
    ]


def cut_to(lines: list[str], limit: int) -> str:
    """Return lines as one message (or caption) under limit, saying so when some were left out
    (the contents post above lists every article)."""
    packed = pack(lines, limit, sep="\n")
    if len(packed) == 1:
        return packed[0]
    room = limit - len(ISSUE_CAPTION_MORE) - 1
    return pack(lines, room, sep="\n")[0] + "\n" + ISSUE_CAPTION_MORE


def article_posts(
    number: int, article: Article, paper_name: str, audio: IssueAudio, links: Links
) -> list[PlannedPost]:
    """Return the text posts of the issue's article `number` (from 1), then its audio post
    carrying the buttons."""
    slow = audio.get(article.id, ARTICLE_MP3_SLOW)
    slow_button = [Button(BTN_SLOW, links.slow(article.id))] if slow is not None else []
    buttons = (*slow_button, Button(BTN_PAGE, links.page(article.id)))
    texts = article_messages(article)
    mp3 = audio.get(article.id, ARTICLE_MP3)
    posts = [
        PlannedPost(f"article:{number}:text:{n}", 0, "text", text)
        for n, text in enumerate(texts, 1)
    ]
    if mp3 is not None and audio.attachable(mp3):
        caption = ARTICLE_CAPTION.format(title=esc(article.title[:TITLE_LIMIT]))
        posts.append(
            PlannedPost(
                f"article:{number}:audio",
                0,
                "audio",
                caption,
                buttons,
                mp3,
                article.title,
                paper_name,
            )
        )
        return posts
    if mp3 is not None:  # over the upload limit: a link to the file instead
        link = LISTEN_LINK.format(url=attr(links.public_url(mp3.path)), title=esc(article.title))
        posts.append(PlannedPost(f"article:{number}:link", 0, "text", link, buttons))
        return posts
    posts[-1] = replace(posts[-1], buttons=buttons)
    return posts
