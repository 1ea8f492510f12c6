"""Child process: extract the positioned words of a PDF with sizes and font names, as JSON.

Read with PDFium (pypdfium2), about fifteen times faster than pdfminer on print pages. The
rectangles drawn on a page come too: a frame or shading round a box says what belongs to it.
PDF parsers have had hangs and CVEs, so this runs in its own process under a memory and CPU limit
set before the parser is imported; the parent kills it when it takes too long. A document of
more than MAX_PAGES pages is refused before any page is read (PDFium counts them from the page
tree, without loading a page).
Usage: python -m tingbao.reading.pdf_extract FILE MEMORY_MB CPU_SECONDS MAX_PAGES
"""

from __future__ import annotations

import ctypes
import json
import math
import resource
import sys
from typing import Any


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _error(kind: str, detail: str) -> dict[str, Any]:
    return {"ok": False, "error": kind, "detail": detail[:300]}


GAP_POINTS = 3.0  # a wider gap between two characters starts a new fragment (pdfplumber's too)
UNMAPPED = "\ufffd"


def _font(textpage: Any, index: int, cache: dict[int, tuple[str, int]]) -> tuple[str, int]:
    """Return the font name and weight of a character (cached per text object)."""
    import pypdfium2.raw as raw

    key = raw.FPDFText_GetTextObject(textpage, index)
    address = ctypes.cast(key, ctypes.c_void_p).value or 0
    found = cache.get(address)
    if found is None:
        buffer = ctypes.create_string_buffer(256)
        flags = ctypes.c_int()
        raw.FPDFText_GetFontInfo(textpage, index, buffer, 256, ctypes.byref(flags))
        name = buffer.value.decode("utf-8", "replace")
        found = (name, int(raw.FPDFText_GetFontWeight(textpage, index)))
        cache[address] = found
    return found


def _upright(angle: float) -> bool:
    """Return whether a character's angle (radians, counter-clockwise) is about level."""
    turn = angle % (2 * math.pi)
    return turn < 0.05 or turn > 2 * math.pi - 0.05


def _unmapped(code: int) -> bool:
    """Return whether a code says nothing about the character: a font without a ToUnicode map
    yields control codes, private-use codes or U+FFFD."""
    return (
        code == 0
        or (code < 0x20 and code not in (9, 10, 13))
        or 0xE000 <= code <= 0xF8FF
        or code in (0xFFFD, 0xFFFE)
    )


def page_words(page: Any) -> tuple[list[list[Any]], int]:
    """Return a page's fragments: runs of characters of one font and size with no gap between.

    Each is [text, x0, top, x1, bottom, size, font name, weight], top-left origin, in points;
    also returned: how many characters were left out for being set at an angle.
    """
    import pypdfium2.raw as raw

    _, height = page.get_size()
    textpage = page.get_textpage()
    fonts: dict[int, tuple[str, int]] = {}
    words: list[list[Any]] = []
    current: list[Any] | None = None
    rotated = 0
    for index in range(textpage.count_chars()):
        code = raw.FPDFText_GetUnicode(textpage, index)
        if raw.FPDFText_IsGenerated(textpage, index) or code in (10, 13):
            current = None
            continue
        if not _upright(raw.FPDFText_GetCharAngle(textpage, index)):
            rotated += 1  # vertical or turned text: read by neither line nor column here
            current = None
            continue
        char = UNMAPPED if _unmapped(code) else chr(code)
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        top, bottom = height - top, height - bottom
        size = round(float(raw.FPDFText_GetFontSize(textpage, index)), 2)
        font, weight = _font(textpage, index, fonts)
        if current is not None and (
            current[6] != font
            or abs(current[5] - size) > 0.05
            or not -0.5 * size <= left - current[3] <= GAP_POINTS
            or abs((top + bottom) / 2 - (current[2] + current[4]) / 2) > 0.3 * size
        ):
            current = None
        if current is None:
            if char.isspace():
                continue
            current = [char, left, top, right, bottom, size, font, weight]
            words.append(current)
        else:
            current[0] += char
            current[3] = max(current[3], right)
            current[2], current[4] = min(current[2], top), max(current[4], bottom)
    textpage.close()
    for word in words:
        word[0] = word[0].rstrip()
        for position in range(1, 5):
            word[position] = round(word[position], 2)
    return [w for w in words if w[0]], rotated


FRAME_MIN = 30.0  # points: a drawn box this wide and tall may frame text (a rule is thinner)
FRAME_SEGMENTS = 6  # a rectangle's path: a move, three or four lines, a close
MAX_FRAMES = 100


def page_frames(page: Any) -> list[list[float]]:
    """Return the rectangles drawn on a page (frames and shaded blocks round a 简讯 box or a
    sidebar) as [x0, top, x1, bottom], top-left origin, in points; not the page-sized ones."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    frames: list[list[float]] = []
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH]):
        if raw.FPDFPath_CountSegments(obj.raw) > FRAME_SEGMENTS:
            continue
        left, bottom, right, top = obj.get_bounds()
        if right - left < FRAME_MIN or top - bottom < FRAME_MIN:
            continue
        if right - left > 0.9 * width and top - bottom > 0.9 * height:
            continue  # a page border or background
        frames.append([round(v, 2) for v in (left, height - top, right, height - bottom)])
        if len(frames) >= MAX_FRAMES:
            break
    return frames


def extract(path: str, max_pages: int) -> dict[str, Any]:
    """Return the fragments of every page, or an error kind: encrypted, corrupt, memory, or
    pages (more than max_pages; the detail is the count)."""
    import pypdfium2 as pdfium

    pages: list[dict[str, Any]] = []
    try:
        document = pdfium.PdfDocument(path, password="")
        count = len(document)
        if count > max_pages:
            document.close()
            return _error("pages", str(count))
        for index in range(count):
            page = document[index]
            width, height = page.get_size()
            words, rotated = page_words(page)
            frames = page_frames(page)
            pages.append(
                {
                    "width": width,
                    "height": height,
                    "words": words,
                    "rotated": rotated,
                    "frames": frames,
                }
            )
            page.close()
        document.close()
    except MemoryError:
        return _error("memory", "out of memory")
    except pdfium.PdfiumError as exc:
        kind = "encrypted" if "password" in str(exc).lower() else "corrupt"
        return _error(kind, repr(exc))
    except Exception as exc:  # any parser failure means a damaged file, reported to the parent
        return _error("corrupt", repr(exc))
    return {"ok": True, "pages": pages}


def main() -> None:
    path, memory_mb, cpu_seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    max_pages = int(sys.argv[4])
    _limit(memory_mb, cpu_seconds)
    result = extract(path, max_pages)
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
