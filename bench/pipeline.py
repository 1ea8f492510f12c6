"""Benchmark: from dropping the sample in the inbox to feeds ready (offline voice), then a second
unchanged drop, then a corrected drop (one paragraph of one article changed).

Run: .venv/bin/python bench/pipeline.py
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tingbao.cli.run import run_once  # noqa: E402
from tingbao.worker.settings import load_settings  # noqa: E402

SAMPLE = ROOT / "samples" / "jinhongqiao-2020-07.txt"


def drop_and_run(label: str, data_dir: Path, text: str) -> None:
    settings = load_settings(
        {"TINGBAO_TTS": "offline", "TINGBAO_OFFLINE_VOICE": "espeak"}, data_dir=data_dir
    )
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    (settings.inbox_dir / SAMPLE.name).write_text(text, encoding="utf-8")
    report = asyncio.run(run_once(settings))
    elapsed = time.perf_counter() - start
    feeds_ready = (settings.public_dir / "feed.xml").exists()
    print(
        f"{label:<34} {elapsed:>7.2f} s   stored {len(report.stored)} unchanged "
        f"{len(report.unchanged)} audio {len(report.audio)} site rebuilt {report.site_built} "
        f"feed.xml present {feeds_ready}"
    )


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    text = SAMPLE.read_text(encoding="utf-8")
    folder = Path(tempfile.mkdtemp(prefix="tingbao-bench-"))
    try:
        data_dir = folder / "data"
        drop_and_run("first drop (offline voice)", data_dir, text)
        drop_and_run("same file dropped again", data_dir, text)
        corrected = text.replace("不容有失。", "绝不容有失。")
        drop_and_run("corrected drop (1 paragraph)", data_dir, corrected)
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
