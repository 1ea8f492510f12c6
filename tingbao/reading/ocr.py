"""Scans and photos -> positioned text: OCR in a sandboxed child (ocr_extract), OCR lines as
Fragments on PageText pages for layout analysis, and warnings for what OCR was unsure of.

A fragment's size is the height of its line's ink scaled to a font size (steadier than the
detector's box); a line the detector ran across a column gutter comes as one fragment per column.

The child gets TINGBAO_PDF_TIMEOUT seconds to open the file and load the models, then
TINGBAO_OCR_PAGE_TIMEOUT seconds for each page it reads (the budget grows once it says how many),
and TINGBAO_OCR_MEMORY_MB of address space. It reports each page on stderr; on a terminal that
drives a progress bar. More pages to read than TINGBAO_MAX_PAGES are refused before the first is
rendered. When the process stops, the child is killed (children.cancel) and ReadingCancelledError
is raised instead of a verdict on the file.
"""

from __future__ import annotations

import json
import logging
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tingbao.paper import notices
from tingbao.paper.errors import (
    ImageError,
    ImageTooLargeError,
    OcrNoTextError,
    OcrTimeoutError,
    PdfCorruptError,
    PdfEncryptedError,
)
from tingbao.paper.notices import ReadingWarning
from tingbao.reading import children
from tingbao.reading.geometry import Box, Fragment, PageText
from tingbao.reading.pdf import too_many_pages
from tingbao.reading.settings import ReadingSettings

log = logging.getLogger(__name__)

# A line read with a lower score is worth a second look: on the test scans and photos every line
# scores 0.85 or more (misread characters hide in lines of 0.96 too; OCR drops lines below 0.5).
LOW_CONFIDENCE = 0.8
QUOTED_LINES = 3  # lines quoted in a warning
QUOTE_CHARS = 16
_PROGRESS = re.compile(rb"page (\d+)/(\d+)")

Progress = Callable[[int, int], None]  # (pages done, pages in all)


@dataclass(frozen=True)
class OcrResult:
    """The pages OCR read (one per page asked for, in that order) and what it was unsure of."""

    pages: tuple[PageText, ...]
    warnings: tuple[str, ...] = ()


class _Killed(Exception):
    """The child ran past its time budget and was killed; args: the budget in seconds."""


@contextmanager
def _default_progress(label: str) -> Iterator[Progress]:
    """Yield a progress callback: a bar on a terminal, debug log lines otherwise."""
    if not sys.stderr.isatty():

        def note(done: int, total: int) -> None:
            log.debug("%s: page %d/%d", label, done, total)

        yield note
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield show


def _run_child(
    arguments: Sequence[str], reading: ReadingSettings, progress: Progress
) -> dict[str, Any]:
    """Run ocr_extract, moving its deadline as it reports its pages; return its JSON result."""
    base_s, page_s = reading.pdf_timeout_s, reading.ocr_page_timeout_s
    command = [
        sys.executable,
        "-m",
        "tingbao.reading.ocr_extract",
        *arguments[:2],
        str(reading.ocr_memory_mb),
        f"{base_s:g}",
        f"{page_s:g}",
        str(reading.max_pages),
        *arguments[2:],
    ]
    # Fewer malloc arenas: onnxruntime's threads would each reserve 64 MB of address space.
    # No telemetry: onnxruntime would otherwise phone home (the child sets it too).
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "ORT_DISABLE_TELEMETRY": "1"}
    start = time.monotonic()
    budget = base_s + page_s  # until the child says how many pages it reads
    out, err = bytearray(), bytearray()
    with children.running(command, env) as child, selectors.DefaultSelector() as selector:
        assert child.stdout is not None and child.stderr is not None
        selector.register(child.stdout, selectors.EVENT_READ, out)
        selector.register(child.stderr, selectors.EVENT_READ, err)
        while selector.get_map():
            remaining = start + budget - time.monotonic()
            if remaining <= 0:
                child.kill()
                raise _Killed(budget)
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                key.data.extend(chunk)
                if key.data is err:
                    *lines, rest = err.split(b"\n")
                    err[:] = rest
                    for line in lines:
                        report = _PROGRESS.fullmatch(line.strip())
                        if report:
                            done, total = int(report[1]), int(report[2])
                            budget = base_s + total * page_s
                            progress(done, total)
                        elif line.strip():
                            log.debug("ocr: %s", line.decode("utf-8", "replace"))
        try:
            child.wait(max(0.1, start + budget - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            raise _Killed(budget) from None
    if child.returncode == -signal.SIGXCPU:
        raise _Killed(budget)
    try:
        result: dict[str, Any] = json.loads(out.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise OcrTimeoutError(
            f"OCR stopped without a result (it may have needed more than "
            f"{reading.ocr_memory_mb} MB of memory): send a smaller image, "
            "or raise TINGBAO_OCR_MEMORY_MB"
        ) from None
    return result


def _refuse(result: dict[str, Any], reading: ReadingSettings, what: str) -> None:
    """Raise the InputError an error kind of the child stands for."""
    kind, detail = result.get("error"), str(result.get("detail", ""))
    if kind == "encrypted":
        raise PdfEncryptedError("the PDF is protected by a password: send it without one")
    if kind == "corrupt":
        raise PdfCorruptError("the PDF is damaged or truncated: export it again and resend")
    if kind == "too_large":
        pixels = re.search(r"\((\d+) pixels\)", detail)
        size = f" ({int(pixels[1]) / 1e6:.0f} million pixels)" if pixels else ""
        raise ImageTooLargeError(
            f"the image is too large{size}: send a smaller photo, or scan at 200-300 dpi"
        )
    if kind == "not_image":
        raise ImageError(
            "the file is not an image that can be read: send the page as a JPEG or PNG"
        )
    if kind == "damaged":
        raise ImageError("the image is damaged or cut short: send it again as a JPEG or PNG")
    if kind == "memory":
        raise OcrTimeoutError(
            f"reading {what} by OCR needed more than {reading.ocr_memory_mb} MB of memory: "
            "send a smaller image, or raise TINGBAO_OCR_MEMORY_MB"
        )
    if kind == "too_many_pages":
        raise too_many_pages(int(detail or "0"), reading.max_pages)
    if kind == "pages":
        raise ValueError(f"ocr_pdf: {detail}")
    raise ImageError(f"{what} cannot be read by OCR: send it again as a PDF, JPEG or PNG")


def _run(
    arguments: Sequence[str], reading: ReadingSettings, what: str, progress: Progress | None
) -> dict[str, Any]:
    try:
        with _default_progress(f"OCR {Path(arguments[1]).name}") as show:
            result = _run_child(arguments, reading, progress or show)
    except _Killed as killed:
        raise OcrTimeoutError(
            f"reading {what} by OCR took longer than {killed.args[0]:g} s: send a smaller "
            "or sharper image, or raise TINGBAO_OCR_PAGE_TIMEOUT"
        ) from None
    if not result.get("ok"):
        _refuse(result, reading, what)
    return result


def _quote(text: str) -> str:
    return "「" + (text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…") + "」"


def page_text(raw: dict[str, Any]) -> PageText:
    """Return one page of the child's result as positioned text (box height as font size)."""
    fragments = tuple(
        Fragment(text, Box(x0, top, x1, bottom), size, confidence=score)
        for x0, top, x1, bottom, size, text, score in raw["lines"]
    )
    frames = tuple(Box(*frame) for frame in raw.get("frames", ()))
    return PageText(
        raw["number"], raw["width"], raw["height"], fragments, source="ocr", frames=frames
    )


def unsure_lines(page: PageText, where: str = "") -> ReadingWarning | None:
    """Return a warning quoting the lines OCR read with low confidence, if there are any."""
    unsure = [f.text for f in page.fragments if f.confidence < LOW_CONFIDENCE]
    if not unsure:
        return None
    quoted = "".join(_quote(t) for t in unsure[:QUOTED_LINES])
    more = " …" if len(unsure) > QUOTED_LINES else ""
    lines = "line" if len(unsure) == 1 else "lines"
    text = f"{where}OCR is unsure of {len(unsure)} {lines}, check them: {quoted}{more}"
    return ReadingWarning(notices.OCR_UNSURE, text, detail=f"{quoted}{more}")


def ocr_pdf(
    path: Path,
    reading: ReadingSettings,
    pages: Sequence[int] | None = None,
    *,
    progress: Progress | None = None,
) -> OcrResult:
    """Read the given pages (1-based; all when None) of a PDF by OCR, one PageText each.

    Coordinates are pixels of the page rendered at ocr_extract.PDF_DPI (less for pages over
    ocr_extract.MAX_SIDE pixels). A page without text is a warning; a document where no page
    has any is refused.
    """
    if pages is not None and not pages:
        return OcrResult(())
    arguments = ["pdf", str(path)]
    if pages:
        arguments.append(",".join(str(n) for n in pages))
    started = time.monotonic()
    result = _run(arguments, reading, "the scan", progress)
    read = tuple(page_text(raw) for raw in result["pages"])
    if not any(p.fragments for p in read) and len(read) == result["page_count"]:
        raise OcrNoTextError(
            "no text was found on any page, not even by OCR: "
            "send a sharper scan (200-300 dpi) or the text"
        )
    warnings: list[str] = []
    for page in read:
        where = f"page {page.number}: "
        if not page.fragments:
            text = f"{where}OCR found no text on it (a blank page, or only pictures)"
            warnings.append(ReadingWarning(notices.OCR_BLANK_PAGE, text))
        elif (unsure := unsure_lines(page, where)) is not None:
            warnings.append(unsure)
    log.debug(
        "read %d pages of %s by OCR in %.0f s", len(read), path.name, time.monotonic() - started
    )
    return OcrResult(read, tuple(warnings))


def ocr_image(
    path: Path, reading: ReadingSettings, *, progress: Progress | None = None
) -> OcrResult:
    """Read a page image (JPEG, PNG, WebP) by OCR: upright by its EXIF orientation, coordinates
    in pixels of the upright image; refused when damaged, too large, or without text."""
    result = _run(["image", str(path)], reading, "the image", progress)
    page = page_text(result["pages"][0])
    if not page.fragments:
        raise OcrNoTextError(
            "no text was found in the image: send a sharp, well-lit photo taken straight "
            "on, or a scan of the page"
        )
    unsure = unsure_lines(page)
    return OcrResult((page,), (unsure,) if unsure else ())
