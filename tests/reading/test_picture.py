"""The layout picture: regions outlined in their role's colour, badges, legend, backgrounds, and
`tingbao parse --layout` writing one PNG per page, one PDF, or nothing for unpositioned input."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from tingbao.cli.main import main
from tingbao.paper.settings import PaperSettings
from tingbao.reading import formats
from tingbao.reading.blocks import Block
from tingbao.reading.formats import Extracted, InputFormat
from tingbao.reading.geometry import Box, Fragment, LayoutRole, PageText, Region
from tingbao.reading.picture import (
    LEGEND_PAD,
    LEGEND_ROW,
    MAX_HEIGHT,
    ROLE_COLOURS,
    WIDTH,
    picture_paths,
    render_pdf,
    render_png,
)
from tingbao.reading.settings import ReadingSettings
from tingbao.worker.settings import Settings

A4 = (595.0, 842.0)
SCALE = WIDTH / A4[0]
LEGEND = round(LEGEND_PAD) + LEGEND_ROW  # one row of legend under the page


def page(number: int = 1, size: tuple[float, float] = A4, source: str = "text") -> PageText:
    lines = [("社区新闻", 24.0, 60.0)] + [
        ("居民区开展垃圾分类宣传活动。", 10.5, 100 + 16 * n) for n in range(6)
    ]
    fragments = tuple(
        Fragment(text, Box(60, top, 60 + size_ * len(text), top + size_), size_)
        for text, size_, top in lines
    )
    return PageText(number, size[0], size[1], fragments, source)  # type: ignore[arg-type]


REGIONS = (
    Region(1, Box(60, 60, 156, 84), "headline", "社区新闻", 0),
    Region(1, Box(60, 100, 207, 206), "body", "居民区……", 1),
    Region(1, Box(280, 800, 320, 815), "folio", "— 1 —", 2),
    Region(2, Box(60, 60, 300, 84), "kicker", "引题", 3),
)


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def at(picture: Image.Image, x: float, y: float) -> tuple[int, int, int]:
    """Return the colour at a point given in page units."""
    pixel = picture.getpixel((round(x * SCALE), round(y * SCALE)))
    assert isinstance(pixel, tuple)
    return (pixel[0], pixel[1], pixel[2])


def legend_colours(picture: Image.Image, page_height: float) -> set[tuple[int, int, int]]:
    top = round(page_height * SCALE)
    strip = picture.crop((0, top, picture.width, picture.height))
    return {c for _, c in strip.getcolors(maxcolors=1 << 16) or []}  # type: ignore[misc]


@pytest.mark.parametrize("fonts", ["installed", "none"])
def test_regions_are_outlined_in_their_colour_and_named_in_the_legend(fonts: str) -> None:
    options = {} if fonts == "installed" else {"fonts": ()}
    [png] = render_png([page()], REGIONS, **options)  # type: ignore[arg-type]
    picture = image(png)
    assert picture.width == WIDTH
    assert picture.height == round(A4[1] * SCALE) + LEGEND
    # The outline of each region on this page, just inside its box, is in its role's colour.
    assert at(picture, 155.5, 72) == ROLE_COLOURS["headline"]
    assert at(picture, 206.5, 150) == ROLE_COLOURS["body"]
    assert at(picture, 319.5, 812) == ROLE_COLOURS["folio"]
    # The inside is tinted, not covered; a spot away from every region stays white.
    inside = at(picture, 190, 203)
    assert inside != (255, 255, 255) and inside != ROLE_COLOURS["body"]
    assert at(picture, 500, 500) == (255, 255, 255)
    # The legend names the roles on this page, and only those.
    found = legend_colours(picture, A4[1])
    assert {ROLE_COLOURS[r] for r in ("headline", "body", "folio")} <= found
    assert ROLE_COLOURS["kicker"] not in found


@pytest.mark.parametrize(
    ("order", "role"),
    [(0, "headline"), (1, "body"), (2, "folio")],
)
def test_each_region_has_a_badge_in_its_colour(order: int, role: LayoutRole) -> None:
    [png] = render_png([page()], REGIONS)
    picture = image(png)
    region = REGIONS[order]
    # The badge sits on the top-left corner: its left edge, a little inside, is the role colour.
    x = round(region.box.x0 * SCALE)
    y = round(region.box.top * SCALE) + 12
    assert picture.getpixel((x, y)) == ROLE_COLOURS[role]


def test_a_region_left_out_of_the_reading_has_no_badge() -> None:
    masthead = Region(1, Box(60, 60, 300, 84), "masthead", "联合主办", -1)
    [png] = render_png([page()], (masthead,))
    picture = image(png)
    assert at(picture, 299.5, 72) == ROLE_COLOURS["masthead"]
    x, y = round(60 * SCALE), round(60 * SCALE) + 12
    assert picture.getpixel((x + 8, y)) != ROLE_COLOURS["masthead"]


def test_pages_are_drawn_each_with_their_own_regions() -> None:
    first, second = (image(p) for p in render_png([page(1), page(2)], REGIONS))
    assert at(second, 300, 72) == ROLE_COLOURS["kicker"]
    assert at(first, 300, 72) != ROLE_COLOURS["kicker"]
    assert ROLE_COLOURS["kicker"] in legend_colours(second, A4[1])


def test_a_page_without_regions_shows_its_fragments() -> None:
    [png] = render_png([page()], ())
    picture = image(png)
    assert picture.height == round(A4[1] * SCALE) + LEGEND
    assert at(picture, 60, 60) != (255, 255, 255)  # a fragment's grey box


def test_a_strip_is_not_drawn_endlessly_tall() -> None:
    [png] = render_png([PageText(1, 100.0, 100_000.0, ())], (), width=100)
    assert image(png).height == MAX_HEIGHT + LEGEND


def test_pdf_has_a_page_per_page() -> None:
    pdf = pdfium.PdfDocument(render_pdf([page(1), page(2)], REGIONS))
    assert len(pdf) == 2
    pdf.close()
    with pytest.raises(ValueError, match="no pages"):
        render_pdf([], ())


def photo(size: tuple[int, int], colour: tuple[int, int, int] = (0, 0, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """Return a PNG header that claims a huge picture (decoding it would need gigabytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


@pytest.mark.parametrize(
    ("background", "drawn"),
    [
        (photo((1190, 1684)), True),  # the photo the page was read from: drawn, faded
        (photo((1684, 1190)), False),  # another shape: not this page's photo
        (b"%PDF-1.4 not a picture", False),
        (bomb_png(50_000, 50_000), False),  # over the decompression-bomb limit
    ],
)
def test_a_photo_is_drawn_under_its_page(background: bytes, drawn: bool) -> None:
    scan = page(source="ocr", size=(1190.0, 1684.0))
    [png] = render_png([scan], (), background=background)
    picture = image(png)
    pixel = picture.getpixel((WIDTH - 5, 5))
    assert (pixel != (255, 255, 255)) == drawn
    if drawn:
        assert pixel[2] > pixel[0]  # faded blue


@pytest.mark.parametrize(
    ("out", "count", "expected"),
    [
        ("p.png", 1, ["p.png"]),
        ("p.png", 3, ["p-1.png", "p-2.png", "p-3.png"]),
        ("dir/layout.PNG", 2, ["dir/layout-1.PNG", "dir/layout-2.PNG"]),
    ],
)
def test_picture_paths(out: str, count: int, expected: list[str]) -> None:
    assert picture_paths(Path(out), count) == [Path(e) for e in expected]


# The CLI, with a stand-in reader for positioned input (the PDF reader's layout comes later).


def read_positioned(
    path: Path, data: bytes, paper: PaperSettings, reading: ReadingSettings
) -> Extracted:
    """Read a '.pages2' test file: N pages (N in the file), one article."""
    count = int(data.decode().strip())
    return Extracted(
        [Block("社区新闻", "title"), Block("居民区开展垃圾分类宣传活动。", "para")],
        "2021年9月10日",
        pages=tuple(page(n) for n in range(1, count + 1)),
        regions=REGIONS,
    )


POSITIONED = InputFormat(
    "positioned",
    "a test layout",
    (".pages2",),
    "测试",
    "tests.reading.test_picture:read_positioned",
)


def with_positioned(settings: Settings) -> Settings:
    """Return the settings with the test's positioned format added to the formats table."""
    return settings.with_overrides(formats=(*formats.FORMATS, POSITIONED))


@pytest.mark.parametrize(
    ("pages", "out", "written"),
    [
        (1, "layout.png", ["layout.png"]),
        (2, "layout.png", ["layout-1.png", "layout-2.png"]),
        (2, "layout.pdf", ["layout.pdf"]),
    ],
)
def test_cli_writes_the_layout(
    pages: int,
    out: str,
    written: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "issue.pages2"
    source.write_text(str(pages))
    folder = tmp_path / "out"
    folder.mkdir()
    args = ["--data-dir", str(tmp_path / "d"), "parse", str(source), "--layout", str(folder / out)]
    assert main(args, adjust=with_positioned) == 0
    captured = capsys.readouterr()
    assert "社区新闻" in captured.out
    assert sorted(p.name for p in folder.iterdir()) == written  # no temporary file left
    for name in written:
        data = (folder / name).read_bytes()
        assert data.startswith(b"%PDF" if name.endswith(".pdf") else b"\x89PNG")
    assert captured.err.strip().splitlines()[-1].startswith("layout: ")


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        (
            "第10期-2021-09-10.txt",
            "社区新闻\n9月8日，居民区开展垃圾分类宣传活动。\n",
            "a text file",
        ),
        ("x-2021-09-10.md", "# 社区新闻\n\n居民区开展垃圾分类宣传活动。\n", "a Markdown file"),
    ],
)
def test_cli_layout_of_a_file_without_pages_writes_nothing(
    name: str, content: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    out = tmp_path / "layout.png"
    args = ["--data-dir", str(tmp_path / "d"), "parse", str(source), "--layout", str(out)]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "社区新闻" in captured.out
    [note] = captured.err.strip().splitlines()
    assert note == f"note: {source}: {kind} has no page layout to draw; {out} not written"
    assert not out.exists()


def test_cli_layout_must_be_png_or_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "x-2021-09-10.txt"
    source.write_text("社区新闻\n9月8日，居民区开展垃圾分类宣传活动。\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["parse", str(source), "--layout", str(tmp_path / "layout.jpg")])
    assert exited.value.code == 2
    assert "is a .png or a .pdf" in capsys.readouterr().err
