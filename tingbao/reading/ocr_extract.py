"""Child process: read scanned PDF pages or one page image by OCR, as JSON on stdout.

OCR is RapidOCR 1.4 (PP-OCRv4 Chinese models shipped inside the wheel, run by onnxruntime on the
CPU; nothing is downloaded, and onnxruntime's telemetry is switched off). Short lines of small
print (a 7-8 pt closing box) are read a second time from their regions cut out and enlarged, and
a blank between two names is put back as a space. Decoders of images and
PDFs have had CVEs and OCR is heavy, so this runs in its own process under a memory and CPU limit
set before anything heavy is imported; the parent kills it when it takes too long. Progress goes
to stderr as lines "page DONE/TOTAL" (first "page 0/TOTAL" once the file is open), so the parent
can show a bar and scale its time limit.

Usage: python -m tingbao.reading.ocr_extract pdf|image FILE MEMORY_MB BASE_SECONDS PAGE_SECONDS
       MAX_PAGES [PAGES]   (PAGES: 1-based page numbers, comma-separated; all pages when absent;
       more than MAX_PAGES to read is refused before any page is rendered)
Output: {"ok": true, "page_count": N, "pages": [{"number", "width", "height", "lines":
[[x0, top, x1, bottom, size, text, score], ...], "frames": [[x0, top, x1, bottom], ...]}]} with
pixel coordinates (origin top left) of the rendered page or of the upright image (frames: the
drawn or shaded boxes of a scanned page, none for a photo); or {"ok": false, "error": KIND,
"detail": ...} with KIND one of encrypted, corrupt, not_image, damaged, too_large, memory,
pages (no such page), too_many_pages (detail: the count).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import resource
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

PDF_DPI = 200  # scans are rendered at this resolution ...
MAX_SIDE = 3000  # ... and no page or image is read larger than this on its longest side
GAP_EM = 0.8  # a wider gap inside a detected line separates two columns (type sets CJK solid)
INK_TO_EM = 1.1  # Chinese glyphs' ink is about 0.9 of the font size (measured on the test scans)
MAX_SKEW = math.radians(10)  # a page turned further is not levelled (and rarely read well)
THREADS = 2  # onnxruntime threads: both cores of a small server; more only adds contention
# Small print (a closing box set at 7-8 pt, under 0.85 of the page's usual size) is read again
# from its region cut out and enlarged: at scan resolution an e-mail's @ or a name's gap is lost.
SMALL_SIZE = 0.85
SMALL_CHARS = 40  # only lines this short: the closing box's, not a caption's running text
REREAD_SCALE = 2
MAX_REREADS = 40  # per page: a page of small print is not read twice over
DETECT_SIDE = 736  # RapidOCR's detector enlarges an image until its shorter side is this long
STRIP_GAP = 24  # white pixels between the rows stacked for the second reading
SPACE_EMS = 0.4  # a blank this wide (of a character) inside a line of names is a space
# OCR sees at most MAX_SIDE pixels a side (detection's buffers grow with the pixels); an image
# decodes at full size first, which Pillow's decompression-bomb limit bounds (89 million pixels).


# How a failed allocation reads when it is not a MemoryError: onnxruntime's "Failed to allocate
# memory", std::bad_alloc, and the dynamic loader's "failed to map segment from shared object".
_NO_MEMORY = ("alloc", "memory", "map segment")


class Refusal(Exception):
    """The input cannot be read; args: the error kind and a detail for the log."""


def _limit(memory_mb: int, cpu_seconds: float) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    _cpu_limit(cpu_seconds)


def _cpu_limit(cpu_seconds: float) -> None:
    # The soft limit grows once the page count is known; the hard limit stays where it was.
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = math.ceil(cpu_seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _threads() -> int:
    return max(1, min(THREADS, len(os.sched_getaffinity(0))))


def _progress(done: int, total: int) -> None:
    print(f"page {done}/{total}", file=sys.stderr, flush=True)


def _engine() -> Any:
    """Return the one OCR engine of this process."""
    import cv2
    from rapidocr_onnxruntime import RapidOCR

    cv2.setNumThreads(_threads())
    return RapidOCR(
        intra_op_num_threads=_threads(),
        inter_op_num_threads=1,
        max_side_len=MAX_SIDE,  # pages arrive at most this large: never shrink them again
        rec_batch_num=1,  # measured here: one line at a time is ~1.5x faster than batches of 6
    )


def _font_size(gray: Any, points: Any, fallback: float) -> float:
    """Return a line's font size from the height of its ink, measured across the line.

    The detector's box height varies by a sixth between lines of one size (short lines get
    taller boxes); the ink varies half as much, and smaller print (captions, running heads)
    measures smaller, as it should.
    """
    import cv2
    import numpy as np

    quad = np.array(points, dtype=np.float32)
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[3] - quad[2])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    if width < 2 or height < 2:
        return fallback
    upright = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    turn = cv2.getPerspectiveTransform(quad, upright)
    crop = cv2.warpPerspective(gray, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
    if height >= 1.5 * width:
        crop = crop.T  # a vertical line: its characters' width
    low, high = np.percentile(crop, (2, 98))
    if high - low < 40:
        return fallback  # too faint to tell ink from paper
    rows = (crop < (low + high) / 2).sum(axis=1)
    inked = np.flatnonzero(rows >= 0.05 * rows.max())
    return float(inked[-1] - inked[0] + 1) * INK_TO_EM


def split_line(points: Any, text: str, score: float, chars: Sequence[Any]) -> list[list[Any]]:
    """Split a detected line where its characters stand apart by more than GAP_EM of its height.

    Across a narrow gutter the detector runs the lines of two columns together ("责任清瓦。" for
    "责任清" and "瓦。"); the recogniser's character boxes show the gap. A piece that is only
    punctuation is the edge of the next column's first character misread, and is dropped.
    Returns [points, text, score] per piece.
    """
    boxes, _, confs = chars if len(chars) == 3 else ((), (), ())
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = points
    height = (math.dist((ax, ay), (dx, dy)) + math.dist((bx, by), (cx, cy))) / 2
    length = (math.dist((ax, ay), (bx, by)) + math.dist((dx, dy), (cx, cy))) / 2
    if len(boxes) != len(text) or len(confs) != len(text) or height >= 1.5 * length:
        return [[points, text, score]]  # no character boxes to go by, or a vertical line
    runs = [[0]]
    for n in range(1, len(boxes)):
        if boxes[n][0][0] - boxes[n - 1][1][0] > GAP_EM * height:
            runs.append([])
        runs[-1].append(n)
    if len(runs) == 1:
        return [[points, text, score]]
    pieces = []
    for run in runs:
        first, last = boxes[run[0]], boxes[run[-1]]
        piece = text[run[0] : run[-1] + 1]
        if any(c.isalnum() for c in piece):
            quad = [first[0], last[1], last[2], first[3]]
            pieces.append([quad, piece, sum(confs[n] for n in run) / len(run)])
    return pieces


def skew(quads: Sequence[Any]) -> float:
    """Return the page's skew in radians: the median slope of the long text lines' top edges
    (a phone photo is seldom taken quite square to the page)."""
    angles = sorted(
        math.atan2(b[1] - a[1], b[0] - a[0])
        for a, b, _, d in quads
        if math.dist(a, b) > 4 * max(1.0, math.dist(a, d))
    )
    if not angles:
        return 0.0
    middle = angles[len(angles) // 2]
    return middle if abs(middle) <= MAX_SKEW else 0.0


def level(points: Any, angle: float, centre: tuple[float, float]) -> list[tuple[float, float]]:
    """Return a quad turned by -angle around the centre, so that its text line lies level."""
    cos, sin = math.cos(-angle), math.sin(-angle)
    cx, cy = centre
    return [
        (cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)
        for x, y in points
    ]


def _quad_size(quad: Any) -> tuple[float, float]:
    """Return a quad's length along its line and its height across it."""
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = quad
    across = (math.dist((ax, ay), (dx, dy)) + math.dist((bx, by), (cx, cy))) / 2
    along = (math.dist((ax, ay), (bx, by)) + math.dist((dx, dy), (cx, cy))) / 2
    return along, across


def small_lines(heights: Sequence[float], texts: Sequence[str]) -> list[int]:
    """Return the indexes of short lines set smaller than most (SMALL_SIZE of the median size),
    the ones worth reading again enlarged; at most MAX_REREADS, the smallest first."""
    if len(heights) < 3:
        return []
    usual = sorted(heights)[len(heights) // 2]
    small = [
        n
        for n, (height, text) in enumerate(zip(heights, texts, strict=True))
        if height < SMALL_SIZE * usual and len(text) <= SMALL_CHARS
    ]
    return sorted(sorted(small, key=lambda n: heights[n])[:MAX_REREADS])


def _bounds(quads: Sequence[Any]) -> tuple[float, float, float, float]:
    xs = [x for quad in quads for x, _ in quad]
    ys = [y for quad in quads for _, y in quad]
    return min(xs), min(ys), max(xs), max(ys)


def rows(items: Sequence[Sequence[Any]], chosen: Sequence[int]) -> list[list[int]]:
    """Group the chosen items ([quad, text, score]) into rows: side by side on one baseline,
    less than two line heights apart (a closing box's "李家齐" and "肖婉")."""
    groups: list[list[int]] = []
    for n in sorted(chosen, key=lambda n: _bounds([items[n][0]])[0]):
        x0, top, _, bottom = _bounds([items[n][0]])
        height, centre = bottom - top, (top + bottom) / 2
        for group in groups:
            _, gtop, gx1, gbottom = _bounds([items[m][0] for m in group])
            if abs((gtop + gbottom) / 2 - centre) <= 0.5 * height and x0 - gx1 <= 2 * height:
                group.append(n)
                break
        else:
            groups.append([n])
    return groups


def _row_box(image: Any, row: Sequence[Sequence[Any]]) -> tuple[int, int, int, int]:
    """Return the region of the page a row of small print is read again from."""
    x0, y0, x1, y1 = _bounds([item[0] for item in row])
    margin = 0.5 * (y1 - y0)
    return (
        max(0, int(x0 - margin)),
        max(0, int(y0 - margin)),
        min(image.size[0], int(x1 + margin) + 1),
        min(image.size[1], int(y1 + margin) + 1),
    )


def reread_rows(engine: Any, image: Any, rows: Sequence[Sequence[Sequence[Any]]]) -> list[Any]:
    """Read rows of small print again, each from its region cut out and enlarged REREAD_SCALE
    times, all stacked on one white sheet read at once (the detector enlarges whatever is under
    DETECT_SIDE pixels a side, so a sheet that size costs least); return for each row its
    pieces [quad, text, score] in the page's pixels."""
    from PIL import Image

    k = REREAD_SCALE
    strips: list[tuple[tuple[int, int, int, int], int]] = []  # region, top on the sheet
    height = STRIP_GAP
    for row in rows:
        box = _row_box(image, row)
        strips.append((box, height))
        height += (box[3] - box[1]) * k + STRIP_GAP
    width = max((b[2] - b[0]) * k for b, _ in strips) + 2 * STRIP_GAP
    sheet = Image.new("RGB", (max(width, DETECT_SIDE), max(height, DETECT_SIDE)), "white")
    for (left, top, right, bottom), at in strips:
        crop = image.crop((left, top, right, bottom))
        crop = crop.resize(((right - left) * k, (bottom - top) * k), Image.Resampling.LANCZOS)
        sheet.paste(crop, (STRIP_GAP, at))
    found, _ = engine(sheet)
    pieces: list[list[Any]] = [[] for _ in rows]
    for points, text, score in found or ():
        middle = sum(y for _, y in points) / len(points)
        for n, ((left, top, _, bottom), at) in enumerate(strips):
            if at <= middle <= at + (bottom - top) * k and text.strip():
                quad = [((x - STRIP_GAP) / k + left, (y - at) / k + top) for x, y in points]
                pieces[n].append([quad, text.strip(), float(score)])
    return pieces


def accept(row: Sequence[Sequence[Any]], pieces: Sequence[Sequence[Any]]) -> list[Any] | None:
    """Return a row read again as one line [quad, text, score] (the pieces the enlarged reading
    found apart joined by spaces: the gap between two names), or None to keep the first reading:
    nothing found on the row, or other characters read less surely."""
    _, y0, _, y1 = _bounds([item[0] for item in row])
    # Only what stands on the row itself, not the edge of the line above or below.
    on_row = [p for p in pieces if y0 <= sum(y for _, y in p[0]) / len(p[0]) <= y1]
    if not on_row:
        return None
    on_row.sort(key=lambda p: _bounds([p[0]])[0])
    text = " ".join(p[1] for p in on_row)
    first = "".join(item[1] for item in sorted(row, key=lambda i: _bounds([i[0]])[0]))
    score, before = min(p[2] for p in on_row), min(item[2] for item in row)
    # The same characters, only spaced: the enlarged view saw the gaps (a space lowers the
    # score a little). Other characters must be read at least as surely.
    same = _unspaced(text) == _unspaced(first)
    if not same and score < before - 0.05:
        return None
    bx0, by0, bx1, by1 = _bounds([p[0] for p in on_row])
    quad = [(bx0, by0), (bx1, by0), (bx1, by1), (bx0, by1)]
    return [quad, text, max(score, before) if same else score]


def _unspaced(text: str) -> str:
    return "".join(text.split())


def name_gaps(ink: Any) -> list[int]:
    """Return how many characters stand before each wide blank in a line of Chinese characters
    (ink: a boolean image of the line, True where there is ink): a gap of SPACE_EMS of the line's
    height or more is a space between two names, which OCR reads as nothing ("刘芬汤美红")."""
    import numpy as np

    columns = np.flatnonzero(ink.any(axis=0))
    rows = np.flatnonzero(ink.any(axis=1))
    if len(columns) < 2 or len(rows) < 2:
        return []
    em = (rows[-1] - rows[0] + 1) * INK_TO_EM
    pieces: list[list[int]] = [[int(columns[0]), int(columns[0])]]
    for x in columns[1:]:
        if x - pieces[-1][1] - 1 >= SPACE_EMS * em:
            pieces.append([int(x), int(x)])
        else:
            pieces[-1][1] = int(x)
    counts = [max(1, round((b - a + 1) / em)) for a, b in pieces]
    return list(np.cumsum(counts[:-1]).tolist()) if len(pieces) > 1 else []


def spaced(gray: Any, item: list[Any]) -> list[Any]:
    """Return a line of names with the spaces that stand between them on the page put back."""
    import numpy as np

    quad, text, score = item
    if " " in text or len(text) < 4 or not all("\u4e00" <= c <= "\u9fff" for c in text):
        return item
    x0, y0, x1, y1 = (int(v) for v in _bounds([quad]))
    crop = gray[max(0, y0) : y1 + 1, max(0, x0) : x1 + 1]
    if crop.size == 0:
        return item
    low, high = np.percentile(crop, (2, 98))
    if high - low < 40:
        return item
    cuts = name_gaps(crop < (low + high) / 2)
    if not cuts or cuts[-1] >= len(text):
        return item
    names = [text[a:b] for a, b in itertools.pairwise([0, *cuts, len(text)])]
    return [quad, " ".join(names), score]


def read_small_print(engine: Any, image: Any, gray: Any, items: list[list[Any]]) -> list[list[Any]]:
    """Return the page's items with each row of short small-print lines read again enlarged;
    small by the height of their ink (the detector's boxes vary too much)."""
    heights = [_font_size(gray, quad, _quad_size(quad)[1]) for quad, _, _ in items]
    chosen = rows(items, small_lines(heights, [text for _, text, _ in items]))
    if not chosen:
        return items
    found = reread_rows(engine, image, [[items[n] for n in row] for row in chosen])
    replaced: dict[int, list[Any] | None] = {}
    for row, pieces in zip(chosen, found, strict=True):
        again = accept([items[n] for n in row], pieces)
        if again is not None:
            replaced[min(row)] = again
            replaced.update({n: None for n in row if n != min(row)})
    small = {n for row in chosen for n in row}
    out: list[list[Any]] = []
    for n, item in enumerate(items):
        if n not in replaced:
            out.append(spaced(gray, item) if n in small else item)
        elif (line := replaced[n]) is not None:
            out.append(spaced(gray, line))
    return out


def _lines(engine: Any, image: Any, scale: float) -> list[list[Any]]:
    """OCR one page image; return its lines levelled (skew removed), coordinates times scale.

    Short lines of small print are read a second time, enlarged (reread)."""
    import numpy as np

    found, _ = engine(image, return_word_box=True)
    gray = np.ascontiguousarray(np.asarray(image.convert("L")))
    angle = skew([points for points, *_ in found or ()])
    centre = (image.size[0] / 2, image.size[1] / 2)
    items = [
        [quad, piece.strip(), score]
        for points, raw_text, raw_score, *chars in found or ()
        for quad, piece, score in split_line(points, raw_text, raw_score, chars[:3])
        if piece.strip()
    ]
    items = read_small_print(engine, image, gray, items)
    lines: list[list[Any]] = []
    for quad, text, score in items:
        flat = level(quad, angle, centre)
        xs = [p[0] for p in flat]
        ys = [p[1] for p in flat]
        # The box's own height (it may be turned a little), if the ink cannot be measured.
        along, across = _quad_size(quad)
        size = _font_size(gray, quad, min(across, along))
        box = [min(xs), min(ys), max(xs), max(ys), size]
        lines.append([*(round(v * scale, 1) for v in box), text, round(float(score), 3)])
    return lines


FRAME_SIDE = 0.04  # of the page's shorter side: a frame at least this wide and tall
SHADE = (170, 242)  # grey levels of a shaded block on white paper (a scan's paper is ~255)


def _rectangles(mask: Any, side: int, filled: bool) -> list[list[int]]:
    """Return the bounding boxes of the rectangle-shaped outlines (or blocks) in a mask."""
    import cv2

    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found: list[list[int]] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w < side or h < side:
            continue
        approx = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(approx) != 4:
            continue
        if filled and cv2.contourArea(contour) < 0.85 * w * h:
            continue
        found.append([x, y, x + w, y + h])
    return found


def image_frames(gray: Any) -> list[list[int]]:
    """Return the frames drawn on a scanned page (long dark rules closing a rectangle) and its
    shaded blocks (light grey, the text inside closed over), as [x0, top, x1, bottom] pixels.

    Only for scans, whose paper is flat white: a phone photo's uneven light would look shaded.
    """
    import cv2
    import numpy as np

    height, width = gray.shape
    side = max(20, int(FRAME_SIDE * min(height, width)))
    dark = (gray < 128).astype(np.uint8)
    across = cv2.getStructuringElement(cv2.MORPH_RECT, (side, 1))
    down = cv2.getStructuringElement(cv2.MORPH_RECT, (1, side))
    rules = cv2.bitwise_or(
        cv2.morphologyEx(dark, cv2.MORPH_OPEN, across),
        cv2.morphologyEx(dark, cv2.MORPH_OPEN, down),
    )
    rules = cv2.dilate(rules, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    shade = ((gray >= SHADE[0]) & (gray <= SHADE[1])).astype(np.uint8)
    shade = cv2.morphologyEx(
        shade, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side // 2, side // 2))
    )
    frames = _rectangles(rules, side, filled=False) + _rectangles(shade, side, filled=True)
    whole = [f for f in frames if f[2] - f[0] > 0.95 * width and f[3] - f[1] > 0.95 * height]
    return [f for f in frames if f not in whole]


def _upright(image: Any) -> Any:
    """Return an image as 8-bit RGB on white (alpha flattened, 16-bit scaled down)."""
    from PIL import Image

    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        image = image.point(lambda v: v / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("RGB")


def read_image(path: str, engine: Callable[[], Any]) -> dict[str, Any]:
    """OCR one image file: turned upright by its EXIF orientation, shrunk to MAX_SIDE."""
    from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

    _progress(0, 1)
    with warnings.catch_warnings():
        # Pillow's decompression-bomb limit stays on; its warning is a refusal here too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as opened:
                stored = opened.size
                opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # a JPEG decodes at 1/2, 1/4 ... size
                opened.load()
                turned = opened.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
                image = ImageOps.exif_transpose(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Refusal("too_large", str(exc)) from None
        except UnidentifiedImageError as exc:
            raise Refusal("not_image", str(exc)) from None
        except MemoryError:
            raise
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
            raise Refusal("damaged", repr(exc)) from None
    width, height = (stored[1], stored[0]) if turned else stored
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    lines = _lines(engine(), _upright(image), width / image.size[0])
    _progress(1, 1)
    return {
        "ok": True,
        "page_count": 1,
        "pages": [{"number": 1, "width": width, "height": height, "lines": lines}],
    }


def _pdf_pages(document: Any, wanted: Sequence[int] | None, max_pages: int) -> list[int]:
    count = len(document)
    numbers = list(wanted) if wanted else list(range(1, count + 1))
    if len(numbers) > max_pages:
        raise Refusal("too_many_pages", str(len(numbers)))
    bad = [n for n in numbers if not 1 <= n <= count]
    if bad:
        raise Refusal("pages", f"no page {bad[0]} in a document of {count}")
    return numbers


def read_pdf(
    path: str,
    engine: Callable[[], Any],
    wanted: Sequence[int] | None,
    page_seconds: float,
    max_pages: int,
) -> dict[str, Any]:
    """Render the wanted pages of a PDF at PDF_DPI (at most MAX_SIDE) and OCR each."""
    import numpy as np
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        document = pdfium.PdfDocument(path, password="")
    except pdfium.PdfiumError as exc:
        kind = "encrypted" if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD else "corrupt"
        raise Refusal(kind, str(exc)) from None
    try:
        numbers = _pdf_pages(document, wanted, max_pages)
        # From here on the CPU budget scales with the pages, as the parent's clock does.
        used = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
        _cpu_limit(used + len(numbers) * page_seconds * _threads() + 5)
        _progress(0, len(numbers))
        ocr = None
        pages: list[dict[str, Any]] = []
        for done, number in enumerate(numbers, start=1):
            page = document[number - 1]
            width, height = page.get_size()
            scale = min(PDF_DPI / 72, MAX_SIDE / max(width, height, 1.0))
            image = page.render(scale=scale, grayscale=True).to_pil().convert("RGB")
            page.close()
            ocr = ocr or engine()
            lines = _lines(ocr, image, 1.0)
            gray = np.ascontiguousarray(np.asarray(image.convert("L")))
            pages.append(
                {
                    "number": number,
                    "width": image.width,
                    "height": image.height,
                    "lines": lines,
                    "frames": image_frames(gray),
                }
            )
            _progress(done, len(numbers))
        return {"ok": True, "page_count": len(document), "pages": pages}
    except pdfium.PdfiumError as exc:
        raise Refusal("corrupt", str(exc)) from None
    finally:
        document.close()


def run(
    mode: str, path: str, wanted: Sequence[int] | None, page_seconds: float, max_pages: int
) -> dict[str, Any]:
    """Read the file; return the JSON-ready result or an error kind."""
    engine_cache: list[Any] = []

    def engine() -> Any:
        if not engine_cache:
            engine_cache.append(_engine())
        return engine_cache[0]

    try:
        if mode == "image":
            return read_image(path, engine)
        return read_pdf(path, engine, wanted, page_seconds, max_pages)
    except Refusal as exc:
        kind, detail = exc.args
        return {"ok": False, "error": kind, "detail": str(detail)[:300]}
    except MemoryError:
        return {"ok": False, "error": "memory", "detail": "out of memory"}
    except Exception as exc:  # onnxruntime and the loader report no memory in their own words
        if any(mark in str(exc).lower() for mark in _NO_MEMORY):
            return {"ok": False, "error": "memory", "detail": str(exc)[:300]}
        if mode == "pdf":
            return {"ok": False, "error": "corrupt", "detail": repr(exc)[:300]}
        return {"ok": False, "error": "damaged", "detail": repr(exc)[:300]}


def main() -> None:
    # The parent (ocr.py) starts this with ORT_DISABLE_TELEMETRY=1: onnxruntime 1.29+ uploads
    # telemetry from Linux too (a DNS lookup of mobile.events.data.microsoft.com, a device id
    # under ~/.cache) unless it is set before the library loads.
    mode, path = sys.argv[1], sys.argv[2]
    memory_mb, base_s, page_s = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    max_pages = int(sys.argv[6])
    wanted = [int(n) for n in sys.argv[7].split(",")] if len(sys.argv) > 7 else None
    pages = len(wanted) if wanted else 1
    _limit(memory_mb, (base_s + pages * page_s) * _threads() + 5)
    # Only the JSON goes to stdout: anything a library prints lands on stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    result = run(mode, path, wanted, page_s, max_pages)
    out.write(json.dumps(result, ensure_ascii=False))
    out.flush()


if __name__ == "__main__":
    main()
