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

Last, the whole command as a person runs it (issue 25): `tingbao build` of the sample issue with
the offline voice (TINGBAO_TTS=offline, TINGBAO_OFFLINE_VOICE=espeak; the issue stored first by
`tingbao ingest`, not timed), start-up included, beside the same spoken text through espeak-ng,
lame and opusenc scripted by hand (bench/audio.py's shell pipeline), alternating, `--builds`
rounds (2 by default); the ratio is the build's wall time over the pipeline's.
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


def timed_build(env: dict[str, str]) -> float:
    """Store the sample in a fresh data folder (not timed), then time `tingbao build` there."""
    with tempfile.TemporaryDirectory() as folder:
        data = ["--data-dir", folder]
        ingest = [str(TINGBAO), *data, "ingest", str(SAMPLE)]
        subprocess.run(ingest, check=True, env=env, capture_output=True, cwd=ROOT)
        start = time.perf_counter()
        subprocess.run([str(TINGBAO), *data, "build"], check=True, env=env, capture_output=True)
        return time.perf_counter() - start


def whole_build(rounds: int) -> None:
    """Print `tingbao build` of the sample (whole command) beside the hand-made pipeline."""
    import os

    from bench.audio import SAMPLE as AUDIO_SAMPLE
    from bench.audio import shell_pipeline
    from tingbao.reading.reader import read_issue
    from tingbao.worker.settings import load_settings

    env = {**os.environ, "TINGBAO_TTS": "offline", "TINGBAO_OFFLINE_VOICE": "espeak"}
    env.pop("DATABASE_URL", None)
    settings = load_settings(
        {"TINGBAO_TTS": "offline", "TINGBAO_OFFLINE_VOICE": "espeak"},
        data_dir=Path(tempfile.mkdtemp()),
    )
    issue = read_issue(AUDIO_SAMPLE, settings.paper, settings.reading).issue
    for n in range(1, rounds + 1):
        script = shell_pipeline(issue, settings)
        build = timed_build(env)
        if script is None:
            print(f"round {n}: tingbao build (whole command) {build:.2f} s; no pipeline to compare")
            continue
        print(
            f"round {n}: tingbao build (whole command, offline voice espeak) {build:.2f} s; "
            f"espeak-ng | lame | opusenc by hand {script:.2f} s; ratio {build / script:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each case (default 5)")
    parser.add_argument("--builds", type=int, default=2, help="rounds of the whole build")
    args = parser.parse_args()
    runs = args.runs
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
    if args.builds:
        whole_build(args.builds)


if __name__ == "__main__":
    main()
