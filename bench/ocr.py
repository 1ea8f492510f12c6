"""Benchmark: OCR of scanned pages and a phone photo (RapidOCR in its child process): seconds per
page, the child's CPU seconds per page, and the child's peak memory; one markdown table row each.

Run: .venv/bin/python bench/ocr.py   (each case runs in a fresh process of this script, so that
getrusage(RUSAGE_CHILDREN) holds that case's OCR child only; its time includes starting the child
and loading the models once per file.)
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = ("a4", "a3", "photo", "dense")
SONG = "/usr/share/fonts/truetype/arphic/uming.ttc"


def dense_photo(path: Path) -> Path:
    """Write a 3000 x 4000 photo of a page packed with five columns of 24-pixel text (the sample
    issue's text, over and over): about 490 lines, the most a page is likely to hold."""
    from PIL import Image, ImageDraw, ImageFont

    text = "".join((ROOT / "samples" / "jinhongqiao-2020-07.txt").read_text("utf-8").split()) * 5
    font = ImageFont.truetype(SONG, 24)
    image = Image.new("L", (3000, 4000), 235)
    draw = ImageDraw.Draw(image)
    width, used = 512, 0
    for column in range(5):
        for y in range(150, 3850, 38):
            line = ""
            while draw.textlength(line + text[used], font=font) <= width:
                line, used = line + text[used], used + 1
            draw.text((100 + column * 572, y), line, font=font, fill=30)
    image.convert("RGB").save(path, "JPEG", quality=85)
    return path


def make_input(case: str, folder: Path) -> tuple[Path, str]:
    """Write one input file and describe it."""
    from tests.reading.printissue import make_print_issue
    from tests.reading.printvariant import make_variant
    from tests.reading.scans import phone_photo, scanned_pdf

    if case == "a3":
        printed = make_print_issue(folder / "print.pdf").path
        return scanned_pdf(printed, folder / "scan-a3.pdf"), "A3 print issue scanned at 200 dpi"
    if case == "dense":
        return dense_photo(folder / "dense.jpg"), "dense photo, 5 columns of small print"
    make_variant(folder / "variant.pdf")
    if case == "a4":
        return scanned_pdf(
            folder / "variant.pdf", folder / "scan-a4.pdf"
        ), "A4 page scanned at 200 dpi"
    return phone_photo(folder / "variant.pdf", folder / "photo.jpg"), "phone photo of the A4 page"


def run_case(case: str) -> None:
    """Read one input by OCR and print its table row."""
    from tingbao.reading.ocr import ocr_image, ocr_pdf
    from tingbao.reading.settings import ReadingSettings

    reading = ReadingSettings(ocr_page_timeout_s=600.0)
    with tempfile.TemporaryDirectory() as folder:
        path, label = make_input(case, Path(folder))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        read = ocr_image if case in ("photo", "dense") else ocr_pdf
        result = read(path, reading)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    page = result.pages[0]
    pixels = f"{page.width:.0f}x{page.height:.0f}"
    pages = len(result.pages)
    lines = sum(len(p.fragments) for p in result.pages)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = after.ru_maxrss / 1024
    print(
        f"| {label} | {pages} | {pixels} | {lines} | {seconds:.1f} s | {seconds / pages:.1f} s "
        f"| {cpu / pages:.1f} s | {peak:.0f} MiB |",
        flush=True,
    )


def main() -> None:
    if len(sys.argv) > 1:
        run_case(sys.argv[1])
        return
    print(
        "| input | pages | pixels | lines | wall | wall per page | CPU per page | child peak RSS |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    for case in CASES:
        subprocess.run([sys.executable, __file__, case], check=True)


if __name__ == "__main__":
    main()
