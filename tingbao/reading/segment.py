"""Segmentation: blocks -> articles and the contact box, following Chinese newspaper conventions.

An article is an optional kicker (引题), a title (主题), an optional subtitle (副题, often opened by
"——") and sections with optional headings (小标题). In plain text, a run of short heading-like lines
opens a new article when it comes first, when it has two or more lines (kicker and title), or when
the paragraph after it reads as a news lead (opens with a date or 近日, or a purpose clause 为…，
followed by a date); otherwise it is a section heading. After a 简讯 label (简讯, 要闻简报,
社区动态, 一句话新闻, 图片新闻, …: BRIEF_LABELS), each title line opens a brief of its own, however
it is set; a label run into the first title is split off it, and is never an article nor part of a
title. The closing box becomes the issue's contact and never appears in a body.

Length limits (TextLimits, from TINGBAO_MAX_PARAGRAPH_CHARS and TINGBAO_MAX_ARTICLE_CHARS) refuse
a file whose paragraph or article is too long to be read aloud and kept: a paragraph is refused
as soon as rejoining makes it longer than its limit, so a file of endless unfinished lines costs
no more than one paragraph at the limit; an article once it is complete.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tingbao.paper import notices
from tingbao.paper.errors import TooLongError
from tingbao.paper.model import ArticleKind, Contact, Section
from tingbao.paper.notices import ReadingWarning
from tingbao.reading.blocks import HEADLINE_ROLES, Block
from tingbao.reading.cleanup import continues_into_next, join_fragments, looks_like_heading
from tingbao.reading.contact import find_contact_start, parse_contact
from tingbao.reading.settings import TextLimits

_DATE = r"(?:\d{4}年)?\d{1,2}月\d{1,2}日|近日|日前|昨天|昨日|今天|今日|本周|上周|\d{1,2}日"
LEAD = re.compile(rf"^(?:{_DATE})|^为.{{1,120}}?[，,]\s*(?:{_DATE})")
# The label of a box of short news items: each item under it is a brief.
BRIEF_LABELS = (
    "简讯|快讯|短讯|新闻简讯|简讯速递|信息快递|一句话新闻|要闻简报|新闻简报|社区动态|社区简讯"
    "|图片新闻|新闻速递|动态速递|资讯速递"
)
_LABELS = "|".join(sorted(BRIEF_LABELS.split("|"), key=len, reverse=True))  # longest first
BRIEF_MARKER = re.compile(rf"^[【\[■●◆]?\s*({_LABELS})\s*[】\]]?$")
# A label run into the first item's title on one line (OCR, or a title set beside the label).
GLUED_LABEL = re.compile(rf"^[【\[■●◆]?\s*({_LABELS})\s*[】\]]?[\s:：]*(\S.{{3,}})$")
SUBTITLE = re.compile(r"^[—–-]{1,2}\s*")


@dataclass
class DraftArticle:
    """An article being assembled; ids are given later by the reader."""

    title: str
    kicker: str | None = None
    subtitle: str | None = None
    kind: ArticleKind = "article"
    sections: list[Section] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Return every paragraph so far."""
        return tuple(p for s in self.sections for p in s.paragraphs)

    def add_heading(self, heading: str) -> None:
        self.sections.append(Section(heading, ()))

    def add_paragraph(self, text: str) -> None:
        if not self.sections:
            self.sections.append(Section(None, ()))
        last = self.sections[-1]
        self.sections[-1] = Section(last.heading, (*last.paragraphs, text))

    def finished_sections(self) -> tuple[Section, ...]:
        """Return the sections, with a heading that has no paragraph kept as a paragraph."""
        done: list[Section] = []
        for section in self.sections:
            if section.paragraphs or section.heading is None:
                done.append(section)
            elif done:
                done[-1] = Section(done[-1].heading, (*done[-1].paragraphs, section.heading))
        return tuple(s for s in done if s.paragraphs)


@dataclass(frozen=True)
class Segmented:
    """What segmentation found."""

    articles: tuple[DraftArticle, ...]
    contact: Contact
    warnings: tuple[str, ...] = ()


def is_lead(text: str | None) -> bool:
    """Return whether a paragraph opens the way a news lead does."""
    return text is not None and bool(LEAD.match(text))


def split_labels(blocks: Sequence[Block]) -> list[Block]:
    """Split a 简讯 label off the title it was run into ("简讯虹桥镇…" -> "简讯", "虹桥镇…"):
    the label is never part of a title."""
    out: list[Block] = []
    for block in blocks:
        match = GLUED_LABEL.match(block.text) if block.role not in ("para", "caption") else None
        if match and looks_like_heading(block.text):
            out += [Block(match.group(1), "heading"), Block(match.group(2), block.role)]
        else:
            out.append(block)
    return out


def _is_heading_block(block: Block) -> bool:
    if block.role is None or BRIEF_MARKER.match(block.text):  # a 简讯 label, however it is set
        return looks_like_heading(block.text)
    return block.role != "para"


QUOTE_CHARS = 12  # of a text quoted in a refusal, so the editor can find it
DEFAULT_LIMITS = TextLimits()


def _opening(text: str) -> str:
    return "「" + (text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…") + "」"


def too_long_paragraph(text: str, limit: int) -> TooLongError:
    """Return the refusal of a paragraph longer than the limit (quoting how it opens)."""
    return TooLongError(
        f"the paragraph opening {_opening(text)} is over {limit} characters: break it into "
        "paragraphs (a line each), or raise TINGBAO_MAX_PARAGRAPH_CHARS"
    )


def rejoin_blocks(blocks: Sequence[Block], max_chars: int | None = None) -> list[Block]:
    """Rejoin body paragraphs that a page break split (never headings or given titles); raise
    TooLongError once a paragraph is longer than max_chars (None: no limit)."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.role in (None, "para")
            and block.role in (None, "para")
            and continues_into_next(previous.text)
        ):
            joined[-1] = Block(join_fragments(previous.text, block.text), previous.role)
        else:
            joined.append(block)
        last = joined[-1]
        if max_chars is not None and last.role in (None, "para") and len(last.text) > max_chars:
            raise too_long_paragraph(last.text, max_chars)
    return joined


def article_chars(article: DraftArticle) -> int:
    """Return how many characters an article reads: its headlines, headings and paragraphs."""
    heads = [article.title, article.kicker or "", article.subtitle or ""]
    heads += [s.heading or "" for s in article.sections]
    return sum(map(len, heads)) + sum(map(len, article.paragraphs))


def check_lengths(articles: Sequence[DraftArticle], limits: TextLimits) -> None:
    """Raise TooLongError for the first article, or paragraph, longer than its limit."""
    for article in articles:
        for paragraph in article.paragraphs:
            if len(paragraph) > limits.paragraph_chars:
                raise too_long_paragraph(paragraph, limits.paragraph_chars)
        length = article_chars(article)
        if length > limits.article_chars:
            raise TooLongError(
                f"the article {_opening(article.title)} is {length} characters long, over the "
                f"limit of {limits.article_chars}: split it into several articles, or raise "
                "TINGBAO_MAX_ARTICLE_CHARS"
            )


def _opens_article(
    run: Sequence[Block], following: str | None, current: DraftArticle | None, in_briefs: bool
) -> bool:
    if any(b.role in HEADLINE_ROLES for b in run) or in_briefs:
        return True  # under a 简讯 label, each item's title opens a brief, however it is set
    if all(b.role == "heading" for b in run):
        return current is None
    return current is None or len(run) >= 2 or is_lead(following)


def _headline_to_article(run: Sequence[Block], kind: ArticleKind) -> tuple[DraftArticle, list[str]]:
    """Turn a headline run into an article and the 小标题 that may follow it."""
    heads = [b for b in run if b.role != "heading"]
    trailing = [b.text for b in run if b.role == "heading"]
    if not heads:
        heads, trailing = [run[0]], [b.text for b in run[1:]]
    given = {b.role: b.text for b in heads if b.role in ("kicker", "title", "subtitle")}
    if "title" in given:
        return (
            DraftArticle(
                title=given["title"],
                kicker=given.get("kicker"),
                subtitle=given.get("subtitle"),
                kind=kind,
            ),
            trailing,
        )
    texts = [b.text for b in heads]
    subtitle = None
    if len(texts) >= 2 and SUBTITLE.match(texts[-1]):
        subtitle = SUBTITLE.sub("", texts.pop())
    if len(texts) == 1:
        return DraftArticle(title=texts[0], subtitle=subtitle, kind=kind), trailing
    # Kicker above title; anything after them is a 小标题 that opens the first section.
    return (
        DraftArticle(title=texts[1], kicker=texts[0], subtitle=subtitle, kind=kind),
        texts[2:] + trailing,
    )


def split_contact(blocks: Sequence[Block]) -> tuple[list[Block], Contact]:
    """Split the closing box off the end of the blocks."""
    start = find_contact_start([b.text for b in blocks])
    if start is None:
        return list(blocks), Contact()
    return list(blocks[:start]), parse_contact([b.text for b in blocks[start:]])


def drop_masthead(blocks: Sequence[Block], patterns: Sequence[re.Pattern[str]]) -> list[Block]:
    """Drop masthead lines (publishers' names, dates) that stand before the first paragraph."""
    kept: list[Block] = []
    in_masthead = True
    for block in blocks:
        if in_masthead and not _is_heading_block(block):
            in_masthead = False
        if in_masthead and any(p.search(block.text) for p in patterns):
            continue
        kept.append(block)
    return kept


def segment(
    blocks: Sequence[Block],
    masthead: Sequence[re.Pattern[str]] = (),
    limits: TextLimits = DEFAULT_LIMITS,
) -> Segmented:
    """Split cleaned blocks into articles and the contact box; raise TooLongError for a
    paragraph or article over its limit."""
    body, contact = split_contact(blocks)
    body = rejoin_blocks(split_labels(drop_masthead(body, masthead)), limits.paragraph_chars)
    articles: list[DraftArticle] = []
    current: DraftArticle | None = None
    in_briefs = False
    preface = 0
    index = 0
    captions: list[str] = []  # captions seen before the article they belong to has begun
    while index < len(body):
        block = body[index]
        if block.role == "caption":
            (current.captions if current is not None else captions).append(block.text)
            index += 1
            continue
        if not _is_heading_block(block):
            if current is None:
                preface += 1
            else:
                current.add_paragraph(block.text)
            index += 1
            continue
        end = index
        while end < len(body) and _is_heading_block(body[end]):
            end += 1
        run = body[index:end]
        following = body[end].text if end < len(body) else None
        index = end
        marker = next((n for n, b in enumerate(run) if BRIEF_MARKER.match(b.text)), None)
        if marker is not None:
            in_briefs = True
            run = run[marker + 1 :]
            if not run:
                continue
        if in_briefs and marker is None and any(b.role == "title" for b in run):
            in_briefs = False  # a given title after the briefs: a full article again
        if _opens_article(run, following, current, in_briefs):
            if in_briefs and len(run) >= 2 and all(b.role is None for b in run):
                in_briefs = False
            current, headings = _headline_to_article(run, "brief" if in_briefs else "article")
            current.captions.extend(captions)
            captions = []
            articles.append(current)
        else:
            headings = [b.text for b in run]
        if current is not None and headings:
            current.add_heading(" ".join(headings))
    warnings: list[str] = []
    if preface:
        text = f"{preface} paragraph(s) before the first title were left out"
        warnings.append(ReadingWarning(notices.PREFACE_LEFT_OUT, text))
    complete: list[DraftArticle] = []
    for article in articles:
        sections = article.finished_sections()
        if not sections:
            text = f"title without text left out: {article.title}"
            warnings.append(ReadingWarning(notices.TITLE_WITHOUT_TEXT, text, article.title))
            continue
        article.sections = list(sections)
        complete.append(article)
    check_lengths(complete, limits)
    return Segmented(tuple(complete), contact, tuple(warnings))
