"""Scans and phone photos of generated print pages, the way residents bring old issues in.

A scan is each page rendered at 200 dpi in grey and saved into a PDF with no text layer. A phone
photo is one page rendered, turned by a degree or two, lit unevenly, with sensor noise, saved as a
JPEG at a phone's size with its orientation in the EXIF data (the pixels lie on their side).
"""

from __future__ import annotations

import difflib
import io
import re
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

DPI = 200
# OCR reads a character here and there differently (、 as 丶, full-width marks as ASCII):
# compare its text with punctuation and spaces folded away.
_FOLD = re.compile(r"[\s，,。.、丶；;：:！!？?“”\"‘’'（）()—\-·《》]")


def fold(text: str) -> str:
    """Return text without spaces and punctuation."""
    return _FOLD.sub("", text)


def similar(a: str, b: str) -> float:
    """Return how alike two texts are once folded (1.0: the same)."""
    return difflib.SequenceMatcher(None, fold(a), fold(b), autojunk=False).ratio()


def render_pages(pdf: Path, dpi: int = DPI) -> list[Image.Image]:
    """Render every page of a PDF to a grey image."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [
            document[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            for i in range(len(document))
        ]
    finally:
        document.close()


def scanned_pdf(pdf: Path, out: Path) -> Path:
    """Write a PDF of page images only (no text layer), as a scanner makes."""
    pages = render_pages(pdf)
    pages[0].save(out, "PDF", resolution=DPI, save_all=True, append_images=pages[1:])
    return out


def phone_photo(pdf: Path, out: Path, page: int = 0, angle: float = 1.5, seed: int = 7) -> Path:
    """Write a JPEG of one page as a phone photographs it: turned, unevenly lit, noisy, and
    stored on its side with an EXIF orientation tag saying how to turn it upright."""
    image = render_pages(pdf)[page]
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=235)
    pixels = np.asarray(image, dtype=np.float32)
    height, width = pixels.shape
    light = np.linspace(0.82, 1.0, width)[None, :] * np.linspace(0.9, 1.0, height)[:, None]
    noise = np.random.default_rng(seed).normal(0.0, 6.0, pixels.shape)
    pixels = np.clip(pixels * light + noise, 0, 255).astype(np.uint8)
    photo = Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(0.6)).convert("RGB")
    # The camera stores the pixels as the sensor saw them (on their side) and says so in EXIF.
    stored = photo.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90 degrees clockwise to view
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=82, exif=exif.tobytes())
    out.write_bytes(buffer.getvalue())
    return out
