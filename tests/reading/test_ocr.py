"""OCR of page images and scanned PDFs, run for real with RapidOCR's bundled models: the text and
boxes it finds, an EXIF-turned phone photo, bad images refused in one line, limits, no network.

Test pages are drawn with Pillow at A4 200 dpi (1654 x 2339 pixels): a headline in WenQuanYi Zen
Hei and three columns of body text in AR PL UMing, each column its own paragraphs. OCR misreads
punctuation now and then (、 as 丶, a line-final 、 dropped), so text is compared folded.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import sysconfig
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.reading.scans import fold, similar
from tingbao.paper.errors import (
    ImageError,
    ImageTooLargeError,
    InputError,
    OcrNoTextError,
    OcrTimeoutError,
    SettingsError,
)
from tingbao.paper.settings import PaperSettings
from tingbao.reading.formats import format_for
from tingbao.reading.geometry import Box, Fragment, PageText
from tingbao.reading.ocr import OcrResult, ocr_image, ocr_pdf, unsure_lines
from tingbao.reading.ocr_extract import split_line
from tingbao.reading.reader import read_blocks
from tingbao.reading.settings import ReadingSettings, load_reading_settings

HEI = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
SONG = "/usr/share/fonts/truetype/arphic/uming.ttc"
WIDTH, HEIGHT = 1654, 2339  # A4 at 200 dpi
HEADLINE = "社区卫生中心开设老年门诊"
COLUMNS = (
    (
        "虹桥镇社区卫生服务中心近日开设了老年人健康咨询门诊，每周二、周四上午由全科医生坐诊，"
        "为辖区老人提供血压测量、用药指导和慢病随访服务。",
        "居民可以携带医保卡到一楼服务台登记，也可以拨打中心电话预约。",
    ),
    (
        "中心还将在各居委会设立流动服务点，方便行动不便的老人就近就医。"
        "服务点每月开放两次，具体时间会提前在居委会公告栏张贴。",
        "今年以来，镇里已经组织了十二场健康讲座，参加的居民超过一千人次。",
    ),
    (
        "讲座内容涵盖高血压防治、糖尿病饮食和跌倒预防，很受老年居民欢迎。",
        "下一步，中心计划与附近的三家医院合作，开通转诊绿色通道，让居民在家门口就能预约专家号。",
    ),
)
COLUMN_X = ((120, 560), (620, 1060), (1120, 1560))
BODY_PX, LEADING_PX, HEADLINE_PX = 30, 46, 64

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Wrap a paragraph to the column width, its first line indented by two characters."""
    lines, line, limit = [], "", width - 2 * BODY_PX
    for char in text:
        if draw.textlength(line + char, font=font) > limit:
            lines.append(line)
            line, limit = char, width
        else:
            line += char
    return [*lines, line] if line else lines


def draw_page() -> Image.Image:
    """Draw the test page: the headline across the top, then three columns of paragraphs."""
    page = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(page)
    draw.text((120, 120), HEADLINE, font=ImageFont.truetype(HEI, HEADLINE_PX), fill=0)
    body = ImageFont.truetype(SONG, BODY_PX)
    for (x0, x1), paragraphs in zip(COLUMN_X, COLUMNS, strict=True):
        y = 300
        for paragraph in paragraphs:
            for n, line in enumerate(_wrap(draw, paragraph, body, x1 - x0)):
                draw.text((x0 + (2 * BODY_PX if n == 0 else 0), y), line, font=body, fill=0)
                y += LEADING_PX
            y += 10
    return page


def column_text(page: PageText, column: int) -> str:
    """Return the text OCR found inside one column, top to bottom."""
    x0, x1 = COLUMN_X[column]
    inside = [f for f in page.fragments if f.box.x0 >= x0 - 20 and f.box.x1 <= x1 + 20]
    inside = [f for f in inside if f.text != HEADLINE]
    return "".join(f.text for f in sorted(inside, key=lambda f: f.box.top))


def headline_of(page: PageText) -> Fragment:
    return max(page.fragments, key=lambda f: similar(f.text, HEADLINE))


def assert_refusal(exc: pytest.ExceptionInfo[InputError], *words: str) -> None:
    """The message is one line that says what is wrong and, after a colon, what to do."""
    message = str(exc.value)
    assert "\n" not in message and len(message) < 200, message
    assert ": " in message, message
    for word in words:
        assert word in message, message


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ocr")


@pytest.fixture(scope="module")
def reading() -> ReadingSettings:
    return ReadingSettings()


@pytest.fixture(scope="module")
def page_png(folder: Path) -> Path:
    path = folder / "page.png"
    draw_page().save(path)
    return path


@pytest.fixture(scope="module")
def image_result(page_png: Path, reading: ReadingSettings) -> OcrResult:
    return ocr_image(page_png, reading)


@dataclass
class PdfRun:
    result: OcrResult
    progress: list[tuple[int, int]]


@pytest.fixture(scope="module")
def scan_pdf(folder: Path) -> Path:
    """A two-page scan as a scanner writes it: page images in a PDF, the second page blank."""
    path = folder / "scan.pdf"
    blank = Image.new("L", (WIDTH, HEIGHT), 255)
    draw_page().save(path, "PDF", resolution=200, save_all=True, append_images=[blank])
    return path


@pytest.fixture(scope="module")
def pdf_run(scan_pdf: Path, reading: ReadingSettings) -> PdfRun:
    seen: list[tuple[int, int]] = []
    result = ocr_pdf(scan_pdf, reading, progress=lambda done, total: seen.append((done, total)))
    return PdfRun(result, seen)


# Text and geometry ------------------------------------------------------------------------------


def test_image_text_is_recognised(image_result: OcrResult) -> None:
    (page,) = image_result.pages
    assert fold(headline_of(page).text) == fold(HEADLINE)
    for column, paragraphs in enumerate(COLUMNS):
        assert similar(column_text(page, column), "".join(paragraphs)) >= 0.97, column


def test_image_boxes_are_plausible(image_result: OcrResult) -> None:
    (page,) = image_result.pages
    assert (page.number, page.width, page.height, page.source) == (1, WIDTH, HEIGHT, "ocr")
    headline = headline_of(page)
    body = [f for f in page.fragments if f is not headline]
    body_size = statistics.median(f.size for f in body)
    assert abs(body_size - BODY_PX) <= 6  # the box height stands in for the font size
    assert headline.size >= 1.6 * body_size
    assert headline.box.bottom < min(f.box.top for f in body)
    for fragment in page.fragments:
        box = fragment.box
        assert 0 <= box.x0 < box.x1 <= WIDTH and 0 <= box.top < box.bottom <= HEIGHT
        assert box.width > box.height  # horizontal lines of text
    spans = []
    for x0, x1 in COLUMN_X:
        inside = [f.box for f in body if x0 - 20 <= f.box.x0 and f.box.x1 <= x1 + 20]
        assert len(inside) >= 6
        spans.append((min(b.x0 for b in inside), max(b.x1 for b in inside)))
    assert all(any(a - 20 <= f.box.x0 and f.box.x1 <= b + 20 for a, b in COLUMN_X) for f in body)
    for (_, right), (left, _) in pairwise(spans):
        assert right < left  # the columns' x ranges do not overlap


def test_confidence_is_the_ocr_score(image_result: OcrResult) -> None:
    scores = [f.confidence for f in image_result.pages[0].fragments]
    assert all(0.5 <= s <= 1.0 for s in scores)
    assert statistics.median(scores) > 0.95
    assert image_result.warnings == ()  # a clean print page: nothing to check


def test_scanned_pdf_pages_are_read(pdf_run: PdfRun, image_result: OcrResult) -> None:
    first, second = pdf_run.result.pages
    assert (first.number, second.number) == (1, 2)
    assert (
        first.source == "ocr" and abs(first.width - WIDTH) <= 2 and abs(first.height - HEIGHT) <= 2
    )
    assert fold(headline_of(first).text) == fold(HEADLINE)
    for column, paragraphs in enumerate(COLUMNS):
        assert similar(column_text(first, column), "".join(paragraphs)) >= 0.97, column
    # The same pixels as the PNG, so the same boxes within a pixel or two.
    assert abs(headline_of(first).box.x0 - headline_of(image_result.pages[0]).box.x0) <= 3
    assert second.fragments == ()
    assert pdf_run.result.warnings == (
        "page 2: OCR found no text on it (a blank page, or only pictures)",
    )
    assert pdf_run.progress == [(0, 2), (1, 2), (2, 2)]


def test_pdf_pages_asked_for_are_read_in_that_order(
    scan_pdf: Path, reading: ReadingSettings
) -> None:
    # A blank page of a PDF whose other pages hold text is only a warning.
    result = ocr_pdf(scan_pdf, reading, pages=[2])
    assert [p.number for p in result.pages] == [2]
    assert result.pages[0].fragments == ()
    assert result.warnings == ("page 2: OCR found no text on it (a blank page, or only pictures)",)


def test_photo_is_turned_upright_by_exif_and_shrunk(
    folder: Path, reading: ReadingSettings, image_result: OcrResult
) -> None:
    # A phone's 4678 x 3308 JPEG with the page on its side and EXIF saying "turn 90° clockwise".
    big = draw_page().resize((WIDTH * 2, HEIGHT * 2), Image.Resampling.BICUBIC).convert("RGB")
    stored = big.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = folder / "photo.jpg"
    stored.save(path, "JPEG", quality=85, exif=exif.tobytes())
    (page,) = ocr_image(path, reading).pages
    # Coordinates are pixels of the upright photo, though OCR saw it at most 3000 pixels high.
    assert (page.width, page.height) == (WIDTH * 2, HEIGHT * 2)
    headline = headline_of(page)
    assert fold(headline.text) == fold(HEADLINE)
    assert headline.box.top == min(f.box.top for f in page.fragments)
    expected = headline_of(image_result.pages[0]).box
    assert (
        abs(headline.box.x0 - 2 * expected.x0) <= 12
        and abs(headline.box.top - 2 * expected.top) <= 12
    )
    assert headline.size == pytest.approx(2 * headline_of(image_result.pages[0]).size, rel=0.15)
    assert similar(column_text_scaled(page, 0, 2), "".join(COLUMNS[0])) >= 0.95


def column_text_scaled(page: PageText, column: int, k: float) -> str:
    x0, x1 = COLUMN_X[column]
    inside = [f for f in page.fragments if f.box.x0 >= k * (x0 - 20) and f.box.x1 <= k * (x1 + 20)]
    return "".join(f.text for f in sorted(inside, key=lambda f: f.box.top) if f.text != HEADLINE)


def test_image_reader_runs_layout_analysis(page_png: Path) -> None:
    extracted = read_blocks(page_png, PaperSettings(), ReadingSettings())
    assert [p.source for p in extracted.pages] == ["ocr"]
    assert extracted.blocks and extracted.regions
    assert any(fold(HEADLINE) in fold(b.text) for b in extracted.blocks)


# Bad input --------------------------------------------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header claims width x height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("name", "make", "error", "words"),
    [
        ("truncated.png", lambda png: png[: len(png) // 2], ImageError, ("damaged",)),
        ("random.jpg", lambda _: os.urandom(40_000), ImageError, ("not an image",)),
        ("huge.png", lambda _: png_claiming(10_000, 10_000), ImageTooLargeError, ("100 million",)),
        ("bomb.png", lambda _: png_claiming(30_000, 30_000), ImageTooLargeError, ("900 million",)),
    ],
)
def test_bad_images_are_refused_in_one_line(
    folder: Path,
    page_png: Path,
    reading: ReadingSettings,
    name: str,
    make: Callable[[bytes], bytes],
    error: type[InputError],
    words: tuple[str, ...],
) -> None:
    path = folder / name
    path.write_bytes(make(page_png.read_bytes()))
    with pytest.raises(error) as caught:
        ocr_image(path, reading)
    assert_refusal(caught, "send", *words)


def test_random_bytes_named_jpg_are_refused_before_ocr(folder: Path) -> None:
    path = folder / "notes.jpg"
    path.write_bytes(os.urandom(40_000))
    with pytest.raises(InputError) as caught:
        read_blocks(path, PaperSettings(), ReadingSettings())
    assert str(caught.value) == "the file is named .jpg but is not an image: export it again"


def test_image_formats_are_recognised_by_content(page_png: Path) -> None:
    page = Image.open(page_png)
    for suffix, kind in ((".png", "PNG"), (".jpg", "JPEG"), (".jpeg", "JPEG"), (".webp", "WEBP")):
        buffer = io.BytesIO()
        page.convert("RGB").resize((200, 280)).save(buffer, kind)
        assert format_for(Path("page" + suffix), buffer.getvalue()).kind == "image"
        assert format_for(Path("page"), buffer.getvalue()).kind == "image"  # no suffix


def test_blank_page_image_is_refused(folder: Path, reading: ReadingSettings) -> None:
    path = folder / "blank.png"
    Image.new("L", (WIDTH // 2, HEIGHT // 2), 255).save(path)
    with pytest.raises(OcrNoTextError) as caught:
        ocr_image(path, reading)
    assert_refusal(caught, "no text", "send")


def test_scan_of_blank_pages_only_is_refused(folder: Path, reading: ReadingSettings) -> None:
    path = folder / "blank.pdf"
    Image.new("L", (WIDTH // 2, HEIGHT // 2), 255).save(path, "PDF", resolution=100)
    with pytest.raises(OcrNoTextError) as caught:
        ocr_pdf(path, reading)
    assert_refusal(caught, "no text", "send")


def test_time_limit_stops_ocr(page_png: Path) -> None:
    reading = ReadingSettings(pdf_timeout_s=0.2, ocr_page_timeout_s=0.3)
    with pytest.raises(OcrTimeoutError) as caught:
        ocr_image(page_png, reading)
    assert_refusal(caught, "longer than 0.5 s", "TINGBAO_OCR_PAGE_TIMEOUT")


def test_memory_limit_stops_ocr(page_png: Path) -> None:
    with pytest.raises(OcrTimeoutError) as caught:
        ocr_image(page_png, ReadingSettings(ocr_memory_mb=600))
    assert_refusal(caught, "600 MB", "TINGBAO_OCR_MEMORY_MB")


# No network -------------------------------------------------------------------------------------

NO_NETWORK = """
import os, socket

def _refuse(*args, **kwargs):
    raise OSError("network use is forbidden in this test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.getaddrinfo = _refuse
socket.create_connection = _refuse
open(os.environ["TINGBAO_TEST_NO_NETWORK"], "w").close()
"""
READ_HEADLINE = """
import sys
from pathlib import Path
from tingbao.reading.ocr import ocr_image
from tingbao.reading.settings import ReadingSettings
for fragment in ocr_image(Path(sys.argv[1]), ReadingSettings()).pages[0].fragments:
    print(fragment.text)
"""


def _strace() -> list[str] | None:
    """Return the command prefix that logs the network sockets of a process tree, if possible."""
    strace = shutil.which("strace")
    if strace is None:
        return None
    probe = subprocess.run([strace, "-f", "-o", os.devnull, "true"], capture_output=True)
    return [strace, "-f", "-qq", "-e", "trace=socket,connect"] if probe.returncode == 0 else None


def test_models_ship_in_the_wheel(folder: Path) -> None:
    import rapidocr_onnxruntime

    package = Path(rapidocr_onnxruntime.__file__).parent
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert package.resolve().is_relative_to(site)
    config = (package / "config.yaml").read_text(encoding="utf-8")
    models = re.findall(r"model_path: (\S+)", config)
    assert len(models) == 3
    for model in models:
        assert (package / model).is_file() and (package / model).stat().st_size > 100_000


def test_ocr_needs_no_network_and_writes_nothing_home(folder: Path) -> None:
    # OCR runs with an empty home and cache, with Python's sockets refusing to connect, and, where
    # strace works, with every socket the process tree opens logged (onnxruntime's native
    # telemetry would look up mobile.events.data.microsoft.com and keep a device id in ~/.cache).
    home, hooks = folder / "home", folder / "hooks"
    home.mkdir()
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(NO_NETWORK, encoding="utf-8")
    marker, log = folder / "hooks-loaded", folder / "sockets.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORT_")}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local"),
        PYTHONPATH=os.pathsep.join([str(hooks), *sys.path]),
        TINGBAO_TEST_NO_NETWORK=str(marker),
    )
    path = folder / "headline.png"
    image = Image.new("L", (1000, 200), 255)
    ImageDraw.Draw(image).text((40, 60), HEADLINE, font=ImageFont.truetype(HEI, 64), fill=0)
    image.save(path)
    strace = _strace()
    prefix = [*strace, "-o", str(log)] if strace else []
    done = subprocess.run(
        [*prefix, sys.executable, "-c", READ_HEADLINE, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [fold(line) for line in done.stdout.splitlines()] == [fold(HEADLINE)]
    assert marker.exists()  # the blocker was loaded
    assert list(home.iterdir()) == []  # nothing cached, downloaded or identified
    if strace:
        sockets = [ln for ln in log.read_text().splitlines() if "AF_INET" in ln]
        assert sockets == []


# Warnings and settings (no OCR) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((0.99, 0.97), None),
        ((0.99, 0.55), "page 3: OCR is unsure of 1 line, check them: 「行1」"),
        (
            (0.7, 0.7, 0.99, 0.7, 0.7),
            "page 3: OCR is unsure of 4 lines, check them: 「行0」「行1」「行3」 …",
        ),
    ],
)
def test_unsure_lines_are_quoted(scores: tuple[float, ...], expected: str | None) -> None:
    fragments = tuple(
        Fragment(f"行{n}", Box(0, 40 * n, 300, 40 * n + 30), 30, confidence=score)
        for n, score in enumerate(scores)
    )
    assert unsure_lines(PageText(3, 1000, 1000, fragments, "ocr"), "page 3: ") == expected


def test_long_unsure_lines_are_cut() -> None:
    line = Fragment("这一行很长" * 6, Box(0, 0, 900, 30), 30, confidence=0.6)
    warning = unsure_lines(PageText(1, 1000, 1000, (line,), "ocr"))
    assert warning == "OCR is unsure of 1 line, check them: 「这一行很长这一行很长这一行很长这…」"


def _chars(*spans: tuple[int, int]) -> list[list[list[int]]]:
    return [[[x0, 10], [x1, 10], [x1, 40], [x0, 40]] for x0, x1 in spans]


LINE = [[0, 10], [400, 10], [400, 40], [0, 40]]  # 30 pixels high: a gap over 24 splits it


@pytest.mark.parametrize(
    ("text", "chars", "expected"),
    [
        ("责任清单", [], [(LINE, "责任清单", 0.9)]),  # no character boxes
        (
            "责任清单",
            [_chars((0, 30), (32, 62), (64, 94), (110, 140)), [], [0.9] * 4],
            [(LINE, "责任清单", 0.9)],  # gaps of 2 and 16 pixels: one line
        ),
        (
            "责任清瓦。",
            [_chars((0, 30), (30, 60), (60, 90), (150, 180), (180, 200)), [], [1, 1, 1, 0.8, 0.6]],
            [
                (_chars((0, 90))[0], "责任清", 1.0),
                (_chars((150, 200))[0], "瓦。", 0.7),
            ],  # a 60-pixel gutter
        ),
        (
            "背水一。",
            [_chars((0, 30), (30, 60), (60, 90), (140, 155)), [], [1, 1, 1, 0.5]],
            [(_chars((0, 90))[0], "背水一", 1.0)],  # the next column's edge, misread, dropped
        ),
    ],
)
def test_lines_are_split_at_column_gaps(
    text: str, chars: list[Any], expected: list[tuple[Any, str, float]]
) -> None:
    pieces = split_line(LINE, text, 0.9, chars)
    assert [(quad, piece, pytest.approx(score)) for quad, piece, score in pieces] == expected


def test_vertical_lines_are_not_split() -> None:
    column = [[0, 0], [30, 0], [30, 300], [0, 300]]
    chars = [[[0, y], [30, y], [30, y + 30], [0, y + 30]] for y in (0, 30, 200)]
    assert split_line(column, "社区报", 0.9, [chars, [], [0.9] * 3]) == [[column, "社区报", 0.9]]


def test_ocr_settings_load_from_the_environment() -> None:
    reading = load_reading_settings(
        {"TINGBAO_OCR_PAGE_TIMEOUT": "45", "TINGBAO_OCR_MEMORY_MB": "2048"}
    )
    assert (reading.ocr_page_timeout_s, reading.ocr_memory_mb) == (45.0, 2048)
    defaults = load_reading_settings({})
    assert (defaults.ocr_page_timeout_s, defaults.ocr_memory_mb) == (120.0, 3072)
    with pytest.raises(SettingsError):
        load_reading_settings({"TINGBAO_OCR_MEMORY_MB": "100"})
    with pytest.raises(SettingsError):
        load_reading_settings({"TINGBAO_OCR_PAGE_TIMEOUT": "soon"})


@pytest.mark.parametrize("degrees", [-8.0, -3.0, 0.0, 2.0, 6.0])
def test_a_turned_page_is_levelled(degrees: float) -> None:
    """Lines of a page turned by a few degrees lie level again, and keep their order."""
    import math

    from tingbao.reading.ocr_extract import level, skew

    angle = math.radians(degrees)
    centre = (500.0, 700.0)

    def turned(x0: float, y: float, width: float) -> list[tuple[float, float]]:
        square = [(x0, y), (x0 + width, y), (x0 + width, y + 30), (x0, y + 30)]
        return level(square, -angle, centre)  # turn the page by +angle

    quads = [turned(100, 200 + 45 * n, 400) for n in range(12)]
    assert skew(quads) == pytest.approx(angle, abs=1e-6)
    tops = [min(y for _, y in level(q, skew(quads), centre)) for q in quads]
    assert tops == pytest.approx([200 + 45 * n for n in range(12)], abs=1e-6)
