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

CASES = ("a4", "a3", "photo")


def make_input(case: str, folder: Path) -> tuple[Path, str]:
    """Write one input file and describe it."""
    from tests.paper.printissue import make_print_issue
    from tests.paper.printvariant import make_variant
    from tests.paper.scans import phone_photo, scanned_pdf

    if case == "a3":
        printed = make_print_issue(folder / "print.pdf").path
        return scanned_pdf(printed, folder / "scan-a3.pdf"), "A3 print issue scanned at 200 dpi"
    make_variant(folder / "variant.pdf")
    if case == "a4":
        return scanned_pdf(folder / "variant.pdf", folder / "scan-a4.pdf"), "A4 page scanned at 200 dpi"
    return phone_photo(folder / "variant.pdf", folder / "photo.jpg"), "phone photo of the A4 page"


def run_case(case: str) -> None:
    """Read one input by OCR and print its table row."""
    from PIL import Image

    from tingbao.paper.ocr import ocr_image, ocr_pdf
    from tingbao.paper.settings import ReadingSettings

    reading = ReadingSettings(ocr_page_timeout_s=600.0)
    with tempfile.TemporaryDirectory() as folder:
        path, label = make_input(case, Path(folder))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = ocr_image(path, reading) if case == "photo" else ocr_pdf(path, reading)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if case == "photo":
            with Image.open(path) as image:
                pixels = f"{image.width}x{image.height}"
        else:
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
    print("| input | pages | pixels | lines | wall | wall per page | CPU per page | child peak RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    for case in CASES:
        subprocess.run([sys.executable, __file__, case], check=True)


if __name__ == "__main__":
    main()
