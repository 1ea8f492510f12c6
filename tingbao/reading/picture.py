"""The layout picture: each page drawn with what layout analysis understood, for editors to check.

Every fragment is a light grey box (with its text, when a CJK font is installed), every region is
outlined in its role's colour with its place in reading order in a badge, and a legend names the
roles on the page in Chinese. A photo's page is drawn over the photo itself, faded. Pure: pages and
regions in, PNG or PDF bytes out; the callers write or send them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from tingbao.reading.geometry import Box, LayoutRole, PageText, Region

WIDTH = 1200  # pixels across a page; enough to read a badge, small enough to send
MAX_HEIGHT = 6 * WIDTH  # a longer strip is not a page (Telegram: width + height <= 10000)
LEGEND_ROW = 32  # pixels per legend row
LEGEND_PAD = 12.0  # margin above the legend and at its sides
MAX_PIXELS = 89_478_485  # Pillow's decompression-bomb limit, whatever it is set to elsewhere
FADE = 0.6  # how far a photo background is faded towards white, so the outlines stand out

ROLE_NAMES: dict[LayoutRole, str] = {
    "headline": "标题",
    "kicker": "引题",
    "subtitle": "副题",
    "heading": "小标题",
    "body": "正文",
    "caption": "图片说明",
    "credit": "摄影",
    "byline": "作者",
    "running_head": "页眉",
    "folio": "页码",
    "jump": "转版",
    "box": "报尾信息",
    "masthead": "报头",
}
ROLE_COLOURS: dict[LayoutRole, tuple[int, int, int]] = {
    "headline": (214, 39, 40),
    "kicker": (255, 127, 14),
    "subtitle": (188, 100, 20),
    "heading": (148, 103, 189),
    "body": (31, 119, 180),
    "caption": (44, 160, 44),
    "credit": (23, 190, 207),
    "byline": (140, 86, 75),
    "running_head": (127, 127, 127),
    "folio": (160, 160, 160),
    "jump": (227, 119, 194),
    "box": (188, 189, 34),
    "masthead": (80, 80, 80),
}
FONT_CANDIDATES: tuple[Path, ...] = tuple(
    Path(p)
    for p in (
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
        "/System/Library/Fonts/PingFang.ttc",
        "C:/Windows/Fonts/msyh.ttc",
    )
)
_FRAGMENT_LINE = (200, 200, 200)
_FRAGMENT_FILL = (246, 246, 246)
_FRAGMENT_TEXT = (150, 150, 150)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def find_cjk_font(candidates: Sequence[Path] = FONT_CANDIDATES) -> Path | None:
    """Return the first installed font that draws Chinese, or None (then only boxes are drawn)."""
    return next((path for path in candidates if path.is_file()), None)


class _Fonts:
    """Fonts by pixel size: the CJK font when there is one, else Pillow's own (Latin only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._cache: dict[int, Font] = {}

    @property
    def cjk(self) -> bool:
        return self.path is not None

    def get(self, size: float) -> Font:
        pixels = max(6, round(size))
        if pixels not in self._cache:
            font: Font | None = None
            if self.path is not None:
                try:
                    font = ImageFont.truetype(str(self.path), pixels)
                except OSError:  # unreadable font file: fall back to boxes and Latin labels
                    self.path = None
            self._cache[pixels] = font or ImageFont.load_default(pixels)  # Pillow 10.1+
        return self._cache[pixels]


def load_background(data: bytes, page: PageText, width: int = WIDTH) -> Image.Image | None:
    """Return a photo or scan (PNG, JPEG, WebP) as a faded page background, or None.

    Pillow's decompression-bomb limit stays on, and a picture over it is not drawn at all; a
    picture whose shape is not the page's (it was turned for OCR) is left out too.
    """
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "WEBP")) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                return None
            opened.draft("RGB", (width, max(1, round(width * opened.height / opened.width))))
            upright = ImageOps.exif_transpose(opened)
            for candidate in (upright, opened):
                if _same_shape(candidate.size, (page.width, page.height)):
                    image = candidate.convert("RGB")
                    break
            else:
                return None
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    return image


def _same_shape(size: tuple[int, int], page: tuple[float, float]) -> bool:
    if min(size) <= 0 or min(page) <= 0:
        return False
    return abs(size[0] / size[1] - page[0] / page[1]) <= 0.02 * page[0] / page[1]


def _scaled(box: Box, scale: float) -> tuple[float, float, float, float]:
    return (box.x0 * scale, box.top * scale, box.x1 * scale, box.bottom * scale)


def _draw_fragments(draw: ImageDraw.ImageDraw, page: PageText, scale: float, fonts: _Fonts) -> None:
    for fragment in page.fragments:
        x0, top, x1, bottom = _scaled(fragment.box, scale)
        if x1 <= x0 or bottom <= top:
            continue
        draw.rectangle((x0, top, x1, bottom), fill=_FRAGMENT_FILL, outline=_FRAGMENT_LINE)
        text = fragment.text.strip()
        if fonts.cjk and text:
            # CJK characters are about one em wide: fit the run into its box.
            size = min((bottom - top) * 0.85, (x1 - x0) / max(len(text), 1))
            if size >= 6:
                draw.text((x0, top), text, fill=_FRAGMENT_TEXT, font=fonts.get(size))


def _draw_regions(
    canvas: Image.Image, regions: Sequence[Region], scale: float, fonts: _Fonts
) -> None:
    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for region in regions:
        colour = ROLE_COLOURS.get(region.role, (0, 0, 0))
        x0, top, x1, bottom = _scaled(region.box, scale)
        if x1 <= x0 or bottom <= top:
            continue
        draw.rectangle((x0, top, x1, bottom), fill=(*colour, 36), outline=(*colour, 255), width=3)
    badge_font = fonts.get(20)
    for region in regions:
        if region.order < 0:  # left out of the reading (a masthead line): outlined, unnumbered
            continue
        colour = ROLE_COLOURS.get(region.role, (0, 0, 0))
        x0, top, _, _ = _scaled(region.box, scale)
        label = str(region.order + 1)
        text_width = draw.textlength(label, font=badge_font)
        left, upper = max(0.0, x0 - 4), max(0.0, top - 4)
        badge = (left, upper, left + max(30.0, text_width + 16), upper + 30)
        draw.rounded_rectangle(badge, radius=14, fill=(*colour, 255), outline=(255, 255, 255, 255))
        centre = ((badge[0] + badge[2]) / 2, (badge[1] + badge[3]) / 2)
        draw.text(centre, label, fill=(255, 255, 255, 255), font=badge_font, anchor="mm")
    canvas.alpha_composite(overlay)


def _legend(
    page: PageText, roles: Sequence[LayoutRole], width: int, fonts: _Fonts
) -> list[tuple[float, float, str, tuple[int, int, int] | None]]:
    """Lay the legend out in rows: (x, y from the legend's top, label, swatch colour)."""
    font = fonts.get(18)
    title = f"第{page.number}页" if fonts.cjk else f"page {page.number}"
    pad = LEGEND_PAD
    items: list[tuple[float, float, str, tuple[int, int, int] | None]] = [(pad, pad, title, None)]
    x, y = pad + font.getlength(title) + 24, pad
    for role in roles:
        name = ROLE_NAMES[role] if fonts.cjk else role
        item_width = 26 + font.getlength(name) + 18
        if x + item_width > width - pad:
            x, y = pad, y + LEGEND_ROW
        items.append((x, y, name, ROLE_COLOURS[role]))
        x += item_width
    return items


def _draw_legend(
    draw: ImageDraw.ImageDraw,
    items: Sequence[tuple[float, float, str, tuple[int, int, int] | None]],
    top: int,
    fonts: _Fonts,
) -> None:
    font = fonts.get(18)
    for x, y, label, colour in items:
        if colour is None:
            draw.text((x, top + y), label, fill=(0, 0, 0), font=font)
            continue
        draw.rectangle((x, top + y + 2, x + 18, top + y + 20), fill=colour)
        draw.text((x + 26, top + y), label, fill=(0, 0, 0), font=font)


def draw_page(
    page: PageText,
    regions: Sequence[Region],
    fonts: _Fonts,
    background: Image.Image | None = None,
    width: int = WIDTH,
) -> Image.Image:
    """Draw one page: background or white, fragments, regions with badges, and a legend below."""
    scale = width / page.width if page.width > 0 else 1.0
    height = min(MAX_HEIGHT, max(1, round(page.height * scale)))
    mine = sorted((r for r in regions if r.page == page.number), key=lambda r: r.order)
    roles = [role for role in ROLE_NAMES if any(r.role == role for r in mine)]
    legend = _legend(page, roles, width, fonts)
    full = (width, height + round(max(y for _, y, _, _ in legend)) + LEGEND_ROW)
    canvas = Image.new("RGBA", full, (255, 255, 255, 255))
    if background is not None:
        faded = Image.blend(
            background.resize((width, height)), Image.new("RGB", (width, height), "white"), FADE
        )
        canvas.paste(faded, (0, 0))
    else:
        _draw_fragments(ImageDraw.Draw(canvas), page, scale, fonts)
    _draw_regions(canvas, mine, scale, fonts)
    draw = ImageDraw.Draw(canvas)
    draw.line((0, height, width, height), fill=(180, 180, 180), width=1)
    _draw_legend(draw, legend, height, fonts)
    return canvas.convert("RGB")


def draw_pages(
    pages: Sequence[PageText],
    regions: Sequence[Region],
    *,
    background: bytes | None = None,
    fonts: Sequence[Path] = FONT_CANDIDATES,
    width: int = WIDTH,
) -> list[Image.Image]:
    """Draw every page; `background` is the photo or scan a one-page input was read from."""
    loaded = _Fonts(find_cjk_font(fonts))
    drawn: list[Image.Image] = []
    for page in pages:
        under = None
        if background is not None and len(pages) == 1:
            under = load_background(background, page, width)
        drawn.append(draw_page(page, regions, loaded, under, width))
    return drawn


def render_png(
    pages: Sequence[PageText],
    regions: Sequence[Region],
    *,
    background: bytes | None = None,
    fonts: Sequence[Path] = FONT_CANDIDATES,
    width: int = WIDTH,
) -> list[bytes]:
    """Return one PNG per page."""
    out: list[bytes] = []
    for image in draw_pages(pages, regions, background=background, fonts=fonts, width=width):
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        out.append(buffer.getvalue())
    return out


def render_pdf(
    pages: Sequence[PageText],
    regions: Sequence[Region],
    *,
    background: bytes | None = None,
    fonts: Sequence[Path] = FONT_CANDIDATES,
    width: int = WIDTH,
) -> bytes:
    """Return one PDF with a page per page."""
    images = draw_pages(pages, regions, background=background, fonts=fonts, width=width)
    if not images:
        raise ValueError("no pages to draw")
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=150.0)
    return buffer.getvalue()


def picture_paths(out: Path, count: int) -> list[Path]:
    """Return where the pictures go: OUT.png for one page, OUT-1.png, OUT-2.png … for several."""
    if count == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{n}{out.suffix}") for n in range(1, count + 1)]
