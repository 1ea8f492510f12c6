"""What the account answers each message with: the chat core's intents on WeChat's one reply.

The conversation is the bot's, in WeChat's shape: a reply is one text (links tappable) or one 图文
card, so the latest issue is a numbered list of links and a number sent back picks an article; 慢
right after an article gives its slow reading. Recognised speech is read exactly as typed text.
Everything else a follower can send gets a short helpful answer, never silence; only events that
ask for nothing (unfollowing, opening a menu link) get the empty reply.

It reads the store and remembers the follower's choices; it sends nothing itself (the endpoint
turns an Answer into WeChat's XML).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tingbao.chat import texts
from tingbao.chat.contact import newsroom_contact
from tingbao.chat.papers import Papers
from tingbao.chat.render import issue_label
from tingbao.chinese.dates import chinese_date
from tingbao.chinese.search_terms import parse_query
from tingbao.feeds.view import COVER_IMAGE
from tingbao.paper.model import Article, Issue
from tingbao.paper.settings import PaperSettings
from tingbao.publish.paths import article_page, issue_page
from tingbao.store.assets import ARTICLE_MP3_SLOW, ISSUE_MP3, AssetStore
from tingbao.store.issues import IssueStore
from tingbao.wechat import texts as wx
from tingbao.wechat.followers import Follower, FollowerStore
from tingbao.wechat.wire import Incoming

# WeChat shows a text reply of up to 2048 bytes; a list is cut to fit, with a link to the rest.
TEXT_LIMIT_BYTES = 2000
ARCHIVE_SIZE = 5
HITS_SHOWN = 6
DESCRIPTION_CHARS = 60
_CHINESE_NUMBERS = {c: n for n, c in enumerate("零一二三四五六七八九十", 0)}
_TRAILING = "。．.！!？?，,、～~ "
_NUMBER = re.compile(r"(?:第)?\s*(\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:篇|号)?")


@dataclass(frozen=True)
class Text:
    """A text reply; it may hold <a href="…">…</a> links."""

    body: str


@dataclass(frozen=True)
class Card:
    """A 图文 card: a title, a line or two, a picture, and the page it opens."""

    title: str
    description: str
    url: str
    picture: str = ""


Answer = Text | Card | None  # None: the empty reply (nothing to say)


@dataclass(frozen=True)
class ConversationDeps:
    """What the conversation reads and remembers."""

    papers: Papers
    store: IssueStore
    assets: AssetStore
    followers: FollowerStore
    public_url: Callable[[str], str]  # the URL of a path under public/
    verified: bool = False  # new issues are pushed (mass send)


def cleaned(text: str) -> str:
    """Return a message as read: trimmed, without the full stop speech recognition adds."""
    return text.strip().strip(_TRAILING).strip()


def number_in(text: str) -> int | None:
    """Return the number a message is (1, 第2篇, 三, 十二), or None when it is not one."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    digits = match.group(1)
    if digits.isdigit():
        return int(digits)
    values = [_CHINESE_NUMBERS[c] for c in digits]
    if len(values) == 1:
        return values[0]
    if len(values) == 2 and values[0] == 10:  # 十二
        return 10 + values[1]
    if len(values) == 2 and values[1] == 10:  # 二十
        return values[0] * 10
    if len(values) == 3 and values[1] == 10:  # 二十三
        return values[0] * 10 + values[2]
    return None


def intent_in(text: str) -> texts.Intent | None:
    """Return the intent a short message names: the account's own words first, then the core's."""
    if 0 < len(text) <= 20:
        for intent, words in wx.EXTRA_KEYWORDS:
            if any(word in text for word in words):
                return intent
    return texts.intent_of(text)


def link(url: str, label: str) -> str:
    """Return a tappable link in a WeChat text."""
    return f'<a href="{url}">{plain(label)}</a>'


def plain(text: str) -> str:
    """Return paper text safe inside a WeChat text: no markup of its own."""
    return text.replace("<", "＜").replace(">", "＞")


def fitted(head: Sequence[str], lines: Sequence[str], foot: Sequence[str], more: str) -> str:
    """Return head, as many lines as fit WeChat's limit with foot, and more when lines were cut."""

    def joined(body: Sequence[str]) -> str:
        cut = [more] if more and len(body) < len(lines) else []
        return "\n".join([*head, *body, *cut, *foot])

    body = list(lines)
    while body and len(joined(body).encode("utf-8")) > TEXT_LIMIT_BYTES:
        body.pop()
    return joined(body)


class Conversation:
    """Answer a follower's message from the store; one instance per endpoint."""

    def __init__(self, deps: ConversationDeps) -> None:
        self.deps = deps

    # The way in ------------------------------------------------------------------------------

    def answer(self, message: Incoming) -> Answer:
        """Return the reply to one message or event."""
        followers = self.deps.followers
        if message.kind == "event":
            return self._event(message)
        follower = followers.heard(message.sender)
        if message.kind == "voice" and not message.text:
            return Text(wx.VOICE_WITHOUT_TEXT)
        if message.kind not in ("text", "voice"):
            return Text(wx.OTHER_KIND)
        return self._said(follower, cleaned(message.text))

    def _event(self, message: Incoming) -> Answer:
        followers = self.deps.followers
        if message.event == "subscribe":
            follower = followers.heard(message.sender, following=True)
            paper = self._paper(follower)
            if paper is None:
                return Text(f"{wx.WELCOME.format(paper=self._names())}\n\n{self._choices()}")
            welcome = wx.WELCOME.format(paper=plain(paper.name))
            latest = self._latest(follower, paper)
            return Text(f"{welcome}\n\n{latest.body}") if isinstance(latest, Text) else latest
        if message.event == "unsubscribe":
            followers.heard(message.sender, following=False)
            return None
        if message.event == "click" and message.key in wx.CLICK_INTENTS:
            follower = followers.heard(message.sender)
            return self._intent(follower, message.key)
        return None  # a menu link opened, a location report, a scan: nothing to say

    def _said(self, follower: Follower, text: str) -> Answer:
        papers = self.deps.papers
        if not text:
            return Text(self._help())
        if papers.several and self._paper(follower) is None:
            return self._choose_paper(follower, text)
        if text in wx.SLOW_WORDS:
            return self._slow(follower)
        number = number_in(text)
        if number is not None:
            return self._numbered(follower, number)
        words = texts.search_words(text)
        if words is not None:
            return self._search(follower, words) if words else Text(texts.SEARCH_USAGE)
        intent = intent_in(text)
        if intent == "paper" and not papers.several:
            intent = None  # nothing to change with one paper: 换一份… is read as words
        if intent is not None:
            return self._intent(follower, intent)
        titled = self._titled(follower, text)
        return titled if titled is not None else self._search(follower, text)

    def _intent(self, follower: Follower, intent: texts.Intent) -> Answer:
        if intent == "paper":
            return Text(self._choices())
        if intent == "help":
            return Text(self._help())
        paper = self._paper(follower)
        if paper is None:
            return Text(self._choices())
        if intent == "latest":
            return self._latest(follower, paper)
        if intent == "listen":
            return self._listen_issue(paper)
        if intent == "archive":
            return self._archive(paper)
        if intent == "hotline":
            return Text(self._contact_text(paper))
        if intent == "subscribe":
            return Text(wx.SUBSCRIBED_VERIFIED if self.deps.verified else wx.SUBSCRIBED_PLAIN)
        return Text(wx.UNSUBSCRIBE)  # unsubscribe: unfollowing is how

    # Papers ----------------------------------------------------------------------------------

    def _paper(self, follower: Follower) -> PaperSettings | None:
        papers = self.deps.papers
        if not papers.several:
            return papers.first
        return papers.named(follower.paper) if follower.paper else None

    def _names(self) -> str:
        return "、".join(plain(p.name) for p in self.deps.papers.all)

    def _choices(self) -> str:
        lines = [
            wx.PAPER_LINE.format(number=n, paper=plain(p.name))
            for n, p in enumerate(self.deps.papers.all, 1)
        ]
        return "\n".join([wx.CHOOSE_PAPER, *lines])

    def _choose_paper(self, follower: Follower, text: str) -> Answer:
        every = self.deps.papers.all
        number = number_in(text)
        chosen = (
            every[number - 1]
            if number is not None and 1 <= number <= len(every)
            else next((p for p in every if p.name in text or p.slug == text), None)
        )
        if chosen is None:
            return Text(self._choices())
        self.deps.followers.remember(follower.openid, paper=chosen.slug)
        follower = Follower(follower.openid, chosen.slug)
        said = wx.PAPER_CHOSEN.format(paper=plain(chosen.name))
        latest = self._latest(follower, chosen)
        return Text(f"{said}\n\n{latest.body}") if isinstance(latest, Text) else latest

    # Issues and articles ---------------------------------------------------------------------

    def _issue_of(self, follower: Follower, paper: PaperSettings) -> Issue | None:
        """Return the issue a number picks from: the list shown last, else the latest."""
        store = self.deps.store
        if follower.issue_id:
            shown = store.find_issue(follower.issue_id)
            if shown is not None and (not self.deps.papers.several or shown.paper == paper.slug):
                return shown
        return store.latest_issue(paper=self.deps.papers.issue_filter(paper))

    def _url(self, issue: Issue, path: str) -> str:
        return self.deps.public_url(self.deps.papers.page(issue.paper, path))

    def _page_url(self, issue_id: str, path: str) -> str:
        slug = self.deps.papers.of_issue_id(issue_id).slug
        return self.deps.public_url(self.deps.papers.page(slug, path))

    def _latest(self, follower: Follower, paper: PaperSettings) -> Answer:
        issue = self.deps.store.latest_issue(paper=self.deps.papers.issue_filter(paper))
        if issue is None:
            return Text(texts.NO_ISSUE)
        self.deps.followers.remember(follower.openid, issue_id=issue.id)
        return Text(self.issue_list(issue, paper))

    def issue_list(self, issue: Issue, paper: PaperSettings) -> str:
        """Return an issue as a numbered list of links to its article pages."""
        title = issue_label(issue.title, issue.published)
        if paper.name not in title:
            title = f"《{paper.name}》{title}"
        head = [wx.ISSUE_HEAD.format(title=plain(title), count=len(issue.articles))]
        lines = [
            f"{n}. {link(self._url(issue, article_page(a.id)), a.title)}"
            for n, a in enumerate(issue.articles, 1)
        ]
        more = wx.ISSUE_MORE.format(
            url=self._url(issue, issue_page(issue.id)), count=len(issue.articles)
        )
        return fitted(head, lines, [wx.ISSUE_FOOT], more)

    def _numbered(self, follower: Follower, number: int) -> Answer:
        paper = self._paper(follower)
        issue = self._issue_of(follower, paper) if paper is not None else None
        if issue is None:
            return Text(texts.NO_ISSUE)
        count = len(issue.articles)
        if not 1 <= number <= count:
            return Text(wx.NO_SUCH_NUMBER.format(number=number, count=count))
        return self._card(follower, issue, issue.articles[number - 1])

    def _titled(self, follower: Follower, text: str) -> Answer:
        """Return the card of the article whose title holds the words sent, in the issue shown
        (or the latest), or None."""
        paper = self._paper(follower)
        issue = self._issue_of(follower, paper) if paper is not None and len(text) >= 2 else None
        if issue is None:
            return None
        matches = [a for a in issue.articles if text in a.title]
        return self._card(follower, issue, matches[0]) if len(matches) == 1 else None

    def _card(self, follower: Follower, issue: Issue, article: Article) -> Card:
        self.deps.followers.remember(follower.openid, issue_id=issue.id, article_id=article.id)
        lead = article.summary.strip().split("\n", 1)[0]
        lead = lead if len(lead) <= DESCRIPTION_CHARS else lead[: DESCRIPTION_CHARS - 1] + "…"
        return Card(
            title=article.title,
            description=f"{lead}\n{wx.ARTICLE_HINT}",
            url=self._url(issue, article_page(article.id)),
            picture=self._url(issue, COVER_IMAGE),
        )

    def _slow(self, follower: Follower) -> Answer:
        found = self.deps.store.find_article(follower.article_id) if follower.article_id else None
        if found is None:
            return Text(wx.SLOW_WHICH)
        issue, article = found
        slow = self.deps.assets.get(article.id, ARTICLE_MP3_SLOW)
        if slow is None:
            return Text(texts.AUDIO_PENDING)
        return Card(
            title=wx.SLOW_TITLE.format(title=article.title),
            description=wx.SLOW_HINT,
            url=self.deps.public_url(slow.path),
            picture=self._url(issue, COVER_IMAGE),
        )

    def _listen_issue(self, paper: PaperSettings) -> Answer:
        issue = self.deps.store.latest_issue(paper=self.deps.papers.issue_filter(paper))
        if issue is None:
            return Text(texts.NO_ISSUE)
        if self.deps.assets.get(issue.id, ISSUE_MP3) is None:
            return Text(texts.ISSUE_AUDIO_PENDING)
        return Card(
            title=wx.ISSUE_AUDIO_TITLE.format(title=issue.title),
            description=wx.ISSUE_AUDIO_HINT.format(count=len(issue.articles)),
            url=self._url(issue, issue_page(issue.id)),
            picture=self._url(issue, COVER_IMAGE),
        )

    def _archive(self, paper: PaperSettings) -> Answer:
        store, only = self.deps.store, self.deps.papers.issue_filter(paper)
        rows = store.list_issues(limit=ARCHIVE_SIZE, offset=0, paper=only)
        if not rows:
            return Text(texts.ARCHIVE_EMPTY)
        lines = [
            f"{chinese_date(s.published)} " + link(self._page_url(s.id, issue_page(s.id)), s.title)
            for s in rows
        ]
        return Text(fitted([wx.ARCHIVE_HEAD], lines, [], ""))

    # Search and the newsroom -----------------------------------------------------------------

    def _search(self, follower: Follower, words: str) -> Answer:
        query = parse_query(words)
        if query is None:
            return Text(texts.SEARCH_USAGE)
        paper = self._paper(follower)
        only = self.deps.papers.issue_filter(paper) if paper is not None else None
        result = self.deps.store.search(query.text, limit=HITS_SHOWN, offset=0, paper=only)
        if result.total == 0:
            return Text(wx.NOTHING_FOUND.format(query=plain(query.text)))
        lines = [
            f"{n}. "
            + link(
                self._page_url(h.issue_id, article_page(h.article.id)),
                f"{h.article.title}（{chinese_date(h.published)}）",
            )
            for n, h in enumerate(result.hits, 1)
        ]
        head = [wx.HITS_HEAD.format(count=result.total, query=plain(query.text))]
        foot = [wx.HITS_MORE.format(shown=len(lines))] if result.total > len(lines) else []
        return Text(fitted(head, lines, foot, ""))

    def _contact_text(self, paper: PaperSettings) -> str:
        contact = newsroom_contact(self.deps.store, self.deps.papers, paper)
        lines = [
            template.format(value=plain(value))
            for template, value in (
                (wx.HOTLINE_LINE, contact.hotline),
                (wx.EMAIL_LINE, contact.email),
                (wx.ADDRESS_LINE, contact.address),
            )
            if value
        ]
        if not lines:
            return texts.NO_CONTACT
        return "\n".join([wx.HOTLINE_HEAD.format(paper=plain(paper.name)), *lines])

    def _help(self) -> str:
        several = self.deps.papers.several
        return f"{wx.HELP}\n{wx.HELP_CHANGE_PAPER}" if several else wx.HELP
