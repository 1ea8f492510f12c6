"""Child process: read scanned PDF pages or one page image by OCR, as JSON on stdout.

OCR is RapidOCR 1.4 (PP-OCRv4 Chinese models shipped inside the wheel, run by onnxruntime on the
CPU; nothing is downloaded, and onnxruntime's telemetry is switched off). Decoders of images and
PDFs have had CVEs and OCR is heavy, so this runs in its own process under a memory and CPU limit
set before anything heavy is imported; the parent kills it when it takes too long. Progress goes
to stderr as lines "page DONE/TOTAL" (first "page 0/TOTAL" once the file is open), so the parent
can show a bar and scale its time limit.

Usage: python -m tingbao.reading.ocr_extract pdf|image FILE MEMORY_MB BASE_SECONDS PAGE_SECONDS
       MAX_PAGES [PAGES]   (PAGES: 1-based page numbers, comma-separated; all pages when absent;
       more than MAX_PAGES to read is refused before any page is rendered)
Output: {"ok": true, "page_count": N, "pages": [{"number", "width", "height", "lines":
[[x0, top, x1, bottom, size, text, score], ...]}]} with pixel coordinates (origin top left) of
the rendered page or of the upright image; or {"ok": false, "error": KIND, "detail": ...} with
KIND one of encrypted, corrupt, not_image, damaged, too_large, memory, pages (no such page),
too_many_pages (detail: the count).
"""

from __future__ import annotations

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


def _lines(engine: Any, image: Any, scale: float) -> list[list[Any]]:
    """OCR one page image; return its lines levelled (skew removed), coordinates times scale."""
    import numpy as np

    found, _ = engine(image, return_word_box=True)
    gray = np.ascontiguousarray(np.asarray(image.convert("L")))
    angle = skew([points for points, *_ in found or ()])
    centre = (image.size[0] / 2, image.size[1] / 2)
    lines: list[list[Any]] = []
    for points, raw_text, raw_score, *chars in found or ():
        for quad, piece, score in split_line(points, raw_text, raw_score, chars[:3]):
            text = piece.strip()
            if not text:
                continue
            flat = level(quad, angle, centre)
            xs = [p[0] for p in flat]
            ys = [p[1] for p in flat]
            # The box's own height (it may be turned a little), if the ink cannot be measured.
            (ax, ay), (bx, by), (cx, cy), (dx, dy) = quad
            across = (math.dist((ax, ay), (dx, dy)) + math.dist((bx, by), (cx, cy))) / 2
            along = (math.dist((ax, ay), (bx, by)) + math.dist((dx, dy), (cx, cy))) / 2
            size = _font_size(gray, quad, min(across, along))
            box = [min(xs), min(ys), max(xs), max(ys), size]
            lines.append([*(round(v * scale, 1) for v in box), text, round(float(score), 3)])
    return lines


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
            pages.append(
                {"number": number, "width": image.width, "height": image.height, "lines": lines}
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
