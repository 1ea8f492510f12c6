"""Limits benchmark: what the largest accepted file costs, and how fast SIGTERM stops a worker.

Run: .venv/bin/python bench/limits.py
Prints (a) the peak memory (largest RSS of the process and of its children) and time of
`tingbao parse` on a text file at the input size limit (TINGBAO_MAX_INPUT_MB, 50 MB: many
articles, each within the length limits) and on a scan at the page limit (64 pages, OCR), and the
time to refuse a PDF of 10,000 blank pages; (b) the time from SIGTERM to exit of `tingbao worker`
during OCR and during offline audio synthesis (median of three each).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reading.test_limits import blank_pdf  # noqa: E402
from tests.worker.test_signals import (  # noqa: E402
    long_issue,
    scanned_pages,
    start_worker,
    terminate,
    wait_for,
)
from tingbao.paper.settings import MB  # noqa: E402

PARAGRAPH = "7月1日，虹桥镇第一家社区食堂开张，居民们排队品尝午餐，老人凭证件享受八折优惠。" * 5


def text_at_the_limit(path: Path, size: int = 50 * MB) -> Path:
    """Write an issue of as many articles as fit in size bytes, each well within the limits."""
    article = "\n".join([PARAGRAPH] * 120)  # 24,000 characters: within the article limit
    with path.open("w", encoding="utf-8") as out:
        out.write("金虹桥\n")
        written, n = 0, 0
        while written + len(article.encode()) + 100 < size:
            n += 1
            block = f"第{n}篇新闻的标题\n{article}\n"
            out.write(block)
            written += len(block.encode())
    return path


def parse(path: Path) -> tuple[float, float, float, str]:
    """Run `tingbao parse` in a child; return seconds, its peak RSS and its children's (MB)."""
    script = (
        "import resource, subprocess, sys, time;"
        "t = time.monotonic();"
        "done = subprocess.run([sys.executable, '-m', 'tingbao.cli.main', 'parse', sys.argv[1]],"
        " capture_output=True, text=True);"
        "print(time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
        " done.returncode, done.stderr.strip().splitlines()[-1:] if done.returncode else '')"
    )
    # The parse command's own peak and its children's (the OCR child) are both covered by
    # RUSAGE_CHILDREN of this middle process: ru_maxrss is the largest of them.
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    ).stdout.split(maxsplit=3)
    return float(out[0]), int(out[1]) / 1024, float(out[2]), out[3] if len(out) > 3 else ""


def stop_time(data: Path, marker: str, count: int) -> float:
    worker = start_worker(data)
    wait_for(worker, lambda below: sum(marker in c for c in below.values()) >= count)
    time.sleep(2)
    elapsed, _ = terminate(worker)
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text = text_at_the_limit(root / "big-2021-07-02.txt")
        seconds, peak, status, _ = parse(text)
        print(
            f"(a) text at the limit ({text.stat().st_size / MB:.1f} MB): parsed in "
            f"{seconds:.1f} s, exit {status:g}, peak RSS {peak:.0f} MB"
        )
        scan = scanned_pages(root / "scan-2021-07-02.pdf", 64)
        seconds, peak, status, last = parse(scan)
        print(
            f"    scan at the page limit (64 pages, {scan.stat().st_size / MB:.1f} MB): "
            f"{seconds:.1f} s, exit {status:g} {last}, peak RSS (OCR child) {peak:.0f} MB"
        )
        blank = blank_pdf(root / "blank-2021-07-02.pdf", 10_000)
        seconds, peak, status, last = parse(blank)
        print(
            f"    10,000 blank pages ({blank.stat().st_size / MB:.1f} MB): refused in "
            f"{seconds:.2f} s, exit {status:g} {last}"
        )
        ocr, audio = [], []
        for n in range(3):
            data = root / f"ocr{n}"
            (data / "inbox").mkdir(parents=True)
            scanned_pages(data / "inbox" / "scan-2021-07-02.pdf", 12)
            ocr.append(stop_time(data, "ocr_extract", 1))
            data = root / f"audio{n}"
            (data / "inbox").mkdir(parents=True)
            long_issue(data / "inbox" / "news-2021-07-02.txt")
            audio.append(stop_time(data, "spawn_main", 2))
        print(
            f"(b) SIGTERM to exit during OCR: {statistics.median(ocr):.2f} s "
            f"(runs: {', '.join(f'{s:.2f}' for s in ocr)})"
        )
        print(
            f"    SIGTERM to exit during audio: {statistics.median(audio):.2f} s "
            f"(runs: {', '.join(f'{s:.2f}' for s in audio)})"
        )
    print(
        f"cpus: {len(os.sched_getaffinity(0))}, own peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
