"""Read a published file (text, Markdown or PDF) into an Issue: the paper part's front door."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tingbao.chinese.dates import chinese_date, written_month
from tingbao.paper.errors import EmptyInputError, InputError, NoArticlesError, TooLargeError
from tingbao.paper.model import Article, Issue, article_ids, make_issue_id, undated_key
from tingbao.paper.settings import PaperSettings
from tingbao.reading import children
from tingbao.reading.cleanup import compile_patterns
from tingbao.reading.dates import DEFAULT_DAYS_AHEAD, date_warnings, resolve_published
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
    undated: bool = False  # no date found: published on the day received (see build_issue)


def _read_bytes(path: Path, limit: int, formats: Sequence[InputFormat]) -> bytes:
    """Return the file's bytes, refusing before reading anything what is not a regular file or
    is over the limit; never more than `limit` bytes are read, even from a file still growing."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("no such file") from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"this is a folder, not a file: send a {accepted_text(formats)} file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file (a pipe or a device): send the file itself")
    _check_size(info.st_size, limit)
    try:
        # O_NONBLOCK: a pipe put in the file's place meanwhile must not hang the reader.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as source:
        if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
            raise InputError("not a regular file (a pipe or a device): send the file itself")
        data = source.read(limit + 1)
    _check_size(len(data), limit)
    return data


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise TooLargeError(
            f"the file is {size / 1048576:.1f} MB, over the {limit / 1048576:g} MB limit: "
            "split it or raise TINGBAO_MAX_INPUT_MB"
        )
    if size == 0:
        raise EmptyInputError("the file is empty: it holds no text")


def read_file(
    path: Path, paper: PaperSettings, reading: ReadingSettings
) -> tuple[InputFormat, Extracted]:
    """Return the file's format and what its reader (chosen by the formats table) found in it."""
    children.check()  # the process is stopping: no new file is started, this one stays
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
    segmented: Segmented,
    paper: PaperSettings,
    published: date,
    day_known: bool = True,
    undated: bool = False,
) -> Issue:
    """Give the segmented articles their stable ids and wrap them in an Issue.

    A dated issue's id is the paper and date, so a corrected file of that date replaces it. An
    undated one (`undated`: published on the day received) adds a key from its titles, so two
    different undated issues received the same day are two issues (model.py); the pipeline
    recognises an undated correction and gives it the stored issue's id.
    """
    titles = [draft.title for draft in segmented.articles]
    issue_id = make_issue_id(paper.slug, published, undated_key(titles) if undated else None)
    articles = [
        Article(
            id=article_id,
            title=draft.title,
            kicker=draft.kicker,
            subtitle=draft.subtitle,
            kind=draft.kind,
            sections=tuple(draft.sections),
            captions=tuple(draft.captions),
        )
        for article_id, draft in zip(article_ids(issue_id, titles), segmented.articles, strict=True)
    ]
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
    days_ahead: int = DEFAULT_DAYS_AHEAD,
) -> ReadResult:
    """Read, decode, clean and segment a file into an Issue, or raise an InputError.

    `received` is the day the file came in (None: today in the paper's time zone); a file whose
    name and text hold no date is published on it. A date given or in the file name more than
    `days_ahead` days after today refuses the file (FutureDateError).
    """
    fmt, extracted = read_file(path, paper, reading)
    blocks, text = extracted.blocks, extracted.text
    if not blocks:
        raise EmptyInputError("no text is left once the masthead and boilerplate are removed")
    segmented = segment(blocks, compile_patterns(reading.masthead_patterns), reading.lengths)
    if not segmented.articles:
        raise NoArticlesError(
            "no article title was found: put each title on its own line, "
            "or use Markdown with # before each title"
        )
    warnings = [*extracted.warnings, *segmented.warnings]
    when = resolve_published(published, path.name, text, received, days_ahead=days_ahead)
    warnings += date_warnings(when, days_ahead)
    layout = PagesSeen(fmt.kind, fmt.name, extracted.pages, extracted.regions)
    no_date = when.source == "received"
    issue = build_issue(segmented, paper, when.value, when.day_known, no_date)
    return ReadResult(issue, tuple(warnings), layout, no_date)
