"""Read a published file (text, Markdown or PDF) into an Issue: the paper part's front door."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tingbao.chinese.dates import chinese_date, written_month
from tingbao.paper import notices
from tingbao.paper.errors import EmptyInputError, InputError, NoArticlesError, TooLargeError
from tingbao.paper.model import Article, Issue, make_article_id, make_issue_id
from tingbao.paper.notices import ReadingWarning
from tingbao.paper.settings import PaperSettings
from tingbao.reading.cleanup import compile_patterns
from tingbao.reading.dates import resolve_published
from tingbao.reading.formats import Extracted, InputFormat, accepted_text, format_for
from tingbao.reading.geometry import PageText, Region
from tingbao.reading.segment import Segmented, segment
from tingbao.reading.settings import ReadingSettings


@dataclass(frozen=True)
class PagesSeen:
    """What was seen on a file's pages, for the layout picture (no pages: text, Markdown, .docx)."""

    kind: str  # the input format's kind: "pdf", "docx", …
    name: str  # the format in English messages: "a PDF"
    pages: tuple[PageText, ...] = ()
    regions: tuple[Region, ...] = ()


@dataclass(frozen=True)
class ReadResult:
    """The issue read from a file, what the reader had to guess, and what it saw on the pages."""

    issue: Issue
    warnings: tuple[str, ...] = ()
    layout: PagesSeen | None = None


def _read_bytes(path: Path, limit: int, formats: Sequence[InputFormat]) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("no such file") from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}") from None
    if path.is_dir():
        raise InputError(f"this is a folder, not a file: send a {accepted_text(formats)} file")
    if size > limit:
        raise TooLargeError(
            f"the file is {size / 1048576:.1f} MB, over the {limit / 1048576:g} MB limit: "
            "split it or raise TINGBAO_MAX_INPUT_MB"
        )
    if size == 0:
        raise EmptyInputError("the file is empty: it holds no text")
    return path.read_bytes()


def read_file(
    path: Path, paper: PaperSettings, reading: ReadingSettings
) -> tuple[InputFormat, Extracted]:
    """Return the file's format and what its reader (chosen by the formats table) found in it."""
    data = _read_bytes(path, reading.max_input_bytes, reading.formats)
    fmt = format_for(path, data, reading.formats)
    return fmt, fmt.load_reader()(path, data, paper, reading)


def read_blocks(path: Path, paper: PaperSettings, reading: ReadingSettings) -> Extracted:
    """Return what the file's reader (chosen by the formats table) found in it."""
    return read_file(path, paper, reading)[1]


def _issue_title(paper_name: str, published: date, day_known: bool) -> str:
    if day_known:
        return f"{paper_name} {chinese_date(published)}"
    return f"{paper_name} {written_month(published)}刊"


def build_issue(
    segmented: Segmented, paper: PaperSettings, published: date, day_known: bool = True
) -> Issue:
    """Give the segmented articles their stable ids and wrap them in an Issue."""
    issue_id = make_issue_id(paper.slug, published)
    articles: list[Article] = []
    seen: set[str] = set()
    for draft in segmented.articles:
        article_id = make_article_id(issue_id, draft.title)
        repeat = 1
        while article_id in seen:
            repeat += 1
            article_id = make_article_id(issue_id, f"{draft.title}#{repeat}")
        seen.add(article_id)
        articles.append(
            Article(
                id=article_id,
                title=draft.title,
                kicker=draft.kicker,
                subtitle=draft.subtitle,
                kind=draft.kind,
                sections=tuple(draft.sections),
                captions=tuple(draft.captions),
            )
        )
    return Issue(
        id=issue_id,
        paper=paper.slug,
        title=_issue_title(paper.name, published, day_known),
        published=published,
        articles=tuple(articles),
        contact=segmented.contact,
    )


def read_issue(
    path: Path,
    paper: PaperSettings,
    reading: ReadingSettings,
    published: date | None = None,
    received: date | None = None,
) -> ReadResult:
    """Read, decode, clean and segment a file into an Issue, or raise an InputError.

    `received` is the day the file came in (None: today in the paper's time zone); a file whose
    name and text hold no date is published on it.
    """
    fmt, extracted = read_file(path, paper, reading)
    blocks, text = extracted.blocks, extracted.text
    if not blocks:
        raise EmptyInputError("no text is left once the masthead and boilerplate are removed")
    segmented = segment(blocks, compile_patterns(reading.masthead_patterns))
    if not segmented.articles:
        raise NoArticlesError(
            "no article title was found: put each title on its own line, "
            "or use Markdown with # before each title"
        )
    warnings = [*extracted.warnings, *segmented.warnings]
    when = resolve_published(published, path.name, text, received)
    if when.source == "received":
        undated = (
            f"no publication date in the file name or text: published on "
            f"{when.value.isoformat()}, the day it was received; give --published YYYY-MM-DD "
            "or put the date in the file name to change it"
        )
        warnings.append(ReadingWarning(notices.DATE_RECEIVED, undated))
    if when.source == "text":
        guessed = (
            f"publication date {when.value.isoformat()} guessed from the text: "
            "give --published or put the date in the file name to be sure"
        )
        warnings.append(ReadingWarning(notices.DATE_GUESSED, guessed))
    layout = PagesSeen(fmt.kind, fmt.name, extracted.pages, extracted.regions)
    issue = build_issue(segmented, paper, when.value, when.day_known)
    return ReadResult(issue, tuple(warnings), layout)
