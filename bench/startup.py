"""Benchmark: how long a command takes to start, and what a spawned audio worker imports.

Run: .venv/bin/python bench/startup.py [--runs N]

Each case is a fresh child process, timed from outside (wall time of the whole process, median of
N runs, 5 by default):
- `tingbao --help`;
- `tingbao parse samples/jinhongqiao-2020-07.txt --json` (reading only, nothing stored);
- a spawned offline audio worker's imports: what `tingbao` imports (the console script, which
  multiprocessing's spawn runs again as `__mp_main__` in every worker) and then
  tingbao.audio.offline (the worker's initializer and task function live there).

Then it starts one real worker the way the offline engine does (OfflineSynthesizer's spawn pool,
from a script that starts like the `tingbao` console script), and prints the modules the worker
has imported that it should not need.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The spawned worker's script is the one tests/test_startup.py holds to its imports.
from tests.test_startup import WORKER_SCRIPT  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
TINGBAO = ROOT / ".venv" / "bin" / "tingbao"
SAMPLE = ROOT / "samples" / "jinhongqiao-2020-07.txt"
# What an audio worker has no use for: the bot, the feeds and the libraries only they or the
# readers of other formats need.
UNWANTED = (
    "telegram",
    "boto3",
    "docx",
    "pypdfium2",
    "aiohttp",
    "apscheduler",
    "sqlalchemy",
    "rapidocr_onnxruntime",
    "onnxruntime",
    "tingbao.bot",
    "tingbao.feeds",
    "tingbao.phone",
    "tingbao.store",
)


def wall(command: list[str], runs: int) -> tuple[float, float]:
    """Return the best and the median wall time of running command to its end."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def unwanted(names: list[str]) -> list[str]:
    """Return the top-level unwanted modules (and tingbao parts) among names."""
    return [
        wanted
        for wanted in UNWANTED
        if any(name == wanted or name.startswith(wanted + ".") for name in names)
    ]


def worker_modules() -> list[str]:
    """Return the modules a real spawned offline-audio worker has imported."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "tingbao_like.py"
        script.write_text(WORKER_SCRIPT, encoding="utf-8")
        done = subprocess.run(
            [str(PYTHON), str(script)], check=True, capture_output=True, text=True, cwd=ROOT
        )
    names: list[str] = json.loads(done.stdout)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each case (default 5)")
    runs = parser.parse_args().runs
    cases = [
        ("tingbao --help", [str(TINGBAO), "--help"]),
        ("tingbao parse SAMPLE --json", [str(TINGBAO), "parse", str(SAMPLE), "--json"]),
        (
            "audio worker imports",
            [str(PYTHON), "-c", "import tingbao.cli.main, tingbao.audio.offline"],
        ),
        ("python -c pass", [str(PYTHON), "-c", "pass"]),
    ]
    print(f"{'case':<30} {'best':>9} {'median':>9}   (wall time of {runs} runs)")
    for label, command in cases:
        best, median = wall(command, runs)
        print(f"{label:<30} {best * 1000:>7.0f} ms {median * 1000:>7.0f} ms")
    names = worker_modules()
    tingbao = sorted({".".join(n.split(".")[:2]) for n in names if n.startswith("tingbao.")})
    print(f"spawned audio worker: {len(names)} modules, tingbao parts: {', '.join(tingbao)}")
    extra = unwanted(names)
    print(f"imported but not needed by audio: {', '.join(extra) if extra else 'none'}")


if __name__ == "__main__":
    main()
