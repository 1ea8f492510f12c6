"""Benchmark: parse the sample (text and PDF), a generated 100-page PDF, and a 16-page A3 print
issue in three and four columns (layout analysis); time and peak memory.

Run: .venv/bin/python bench/parse.py   (PDF parsing runs in a child process: its peak RSS is the
maximum over children, read from getrusage; the parent's peak is its own max RSS.)
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from tests.reading.pdfgen import write_issue_pdf  # noqa: E402
from tests.reading.printissue import make_print_issue  # noqa: E402
from tingbao.reading.reader import read_issue  # noqa: E402
from tingbao.worker.settings import load_settings  # noqa: E402

SAMPLE = ROOT / "samples" / "jinhongqiao-2020-07.txt"


def timed(label: str, path: Path, runs: int) -> None:
    settings = load_settings({}, data_dir=path.parent / "data")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        issue = read_issue(path, settings.paper, settings.reading).issue
        times.append(time.perf_counter() - start)
    chars = sum(a.char_count for a in issue.articles)
    best, median = min(times), sorted(times)[len(times) // 2]
    print(
        f"{label:<28} {path.stat().st_size / 1024:>8.0f} KiB  {len(issue.articles):>4} articles "
        f"{chars:>8} chars  best {best * 1000:>8.1f} ms  median {median * 1000:>8.1f} ms"
    )


def print_issue_pdf(folder: Path, copies: int) -> Path:
    """Return a 16-page A3 issue: the two-page print test issue, eight times over."""
    two = pdfium.PdfDocument(str(make_print_issue(folder / "two.pdf").path))
    issue = pdfium.PdfDocument.new()
    for _ in range(copies):
        issue.import_pages(two)
    out = folder / "print-2024-09-10.pdf"
    issue.save(str(out))
    return out


def main() -> None:
    settings = load_settings({}, data_dir="/tmp/unused")
    issue = read_issue(SAMPLE, settings.paper, settings.reading).issue
    with tempfile.TemporaryDirectory() as folder:
        sample_pdf = write_issue_pdf(issue, Path(folder) / "jinhongqiao-2020-07.pdf")
        big_pdf = write_issue_pdf(issue, Path(folder) / "big-2020-07.pdf", repeat=49)
        pages = len(pdfium.PdfDocument(str(big_pdf)))
        timed("sample text", SAMPLE, 20)
        timed("sample PDF", sample_pdf, 5)
        timed(f"generated PDF ({pages} pages)", big_pdf, 3)
        print_pdf = print_issue_pdf(Path(folder), copies=8)
        timed("A3 print issue (16 pages)", print_pdf, 3)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: parent {own:.0f} MiB, PDF child process {child:.0f} MiB")


if __name__ == "__main__":
    main()
