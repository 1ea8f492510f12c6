"""What is read aloud, in order: an article's script and the issue episode's script.

Pure: an Issue (and the paper's name and contact) in, a Script out. A Script is a list of Parts;
each Part is one or more sentences followed by a short silence, and may open a chapter.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from tingbao.audio.numerals import cardinal
from tingbao.audio.text import Line, lines_of
from tingbao.chinese.dates import chinese_date
from tingbao.chinese.lexicon import Lexicon
from tingbao.paper.model import Article, Issue

# Silences after each kind of part, in milliseconds.
PAUSE_TITLE = 800
PAUSE_KICKER = 500
PAUSE_HEADING = 500
PAUSE_PARAGRAPH = 400
PAUSE_ANNOUNCE = 400
PAUSE_BETWEEN = 1200


@dataclass(frozen=True)
class Part:
    """Sentences read together, then a silence; `chapter` names a chapter that starts here."""

    lines: tuple[Line, ...]
    pause_ms: int
    chapter: str | None = None


@dataclass(frozen=True)
class Script:
    """Everything one audio file says, in order."""

    title: str
    parts: tuple[Part, ...]

    def key(self, *extra: str) -> str:
        """Return a hash of what is said, how long the silences are, and extra (voice, rate)."""
        body = [
            [[ln.shown, ln.spoken] for ln in p.lines] + [p.pause_ms, p.chapter] for p in self.parts
        ]
        data = json.dumps([self.title, body, list(extra)], ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _part(
    text: str | None,
    pause_ms: int,
    limit: int,
    chapter: str | None = None,
    lexicon: Lexicon | None = None,
) -> list[Part]:
    lines = lines_of(text, limit, lexicon) if text else ()
    return [Part(lines, pause_ms, chapter)] if lines else []


def article_parts(
    article: Article, limit: int, chapter: str | None = None, lexicon: Lexicon | None = None
) -> list[Part]:
    """Return title, kicker, subtitle, then each section heading and its paragraphs."""
    parts = _part(article.title, PAUSE_TITLE, limit, chapter, lexicon)
    parts += _part(article.kicker, PAUSE_KICKER, limit, lexicon=lexicon)
    parts += _part(article.subtitle, PAUSE_KICKER, limit, lexicon=lexicon)
    for section in article.sections:
        parts += _part(section.heading, PAUSE_HEADING, limit, lexicon=lexicon)
        for paragraph in section.paragraphs:
            parts += _part(paragraph, PAUSE_PARAGRAPH, limit, lexicon=lexicon)
    return parts


def article_script(article: Article, limit: int, lexicon: Lexicon | None = None) -> Script:
    """Return the reading of one article (lexicon: the readings editors fixed)."""
    return Script(article.title, tuple(article_parts(article, limit, lexicon=lexicon)))


def spoken_date(issue: Issue) -> str:
    """Return the issue date as said: as written, e.g. 2020年7月30日."""
    return chinese_date(issue.published)


def issue_script(
    issue: Issue,
    paper_name: str,
    limit: int,
    hotline: str | None = None,
    email: str | None = None,
    lexicon: Lexicon | None = None,
) -> Script:
    """Return the episode: opening, every article announced as 第N篇, and a closing."""
    count = len(issue.articles)
    titles = "；".join(f"第{cardinal(n)}篇，{a.title}" for n, a in enumerate(issue.articles, 1))
    how_many = cardinal(count, liang=True)
    opening = (
        f"这里是{paper_name}，{spoken_date(issue)}这一期。本期共有{how_many}篇文章：{titles}。"
    )
    parts = _part(opening, PAUSE_BETWEEN, limit, "本期导读", lexicon)
    for n, article in enumerate(issue.articles, 1):
        parts += _part(f"第{cardinal(n)}篇。", PAUSE_ANNOUNCE, limit, article.title)
        body = article_parts(article, limit, lexicon=lexicon)
        if body:
            body[-1] = Part(body[-1].lines, PAUSE_BETWEEN, body[-1].chapter)
        parts += body
    hotline = issue.contact.hotline or hotline
    email = issue.contact.email or email
    closing = ["本期内容就到这里。"]
    if email:
        closing.append(f"欢迎投稿，投稿邮箱：{email}。")
    if hotline:
        closing.append(f"新闻热线：{hotline}。")
    closing.append("感谢收听。")
    parts += _part("".join(closing), PAUSE_PARAGRAPH, limit, "投稿与热线", lexicon)
    return Script(f"{paper_name} {spoken_date(issue)}", tuple(parts))
