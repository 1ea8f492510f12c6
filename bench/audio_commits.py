"""Each change's effect on the offline build: the sample built at several commits, alternating.

Run: .venv/bin/python bench/audio_commits.py COMMIT [COMMIT ...] [--rounds N]
Checks each commit out into a temporary git worktree, and times there, in a fresh process with
this venv, bench/audio.py's build of the sample (empty piece cache, both worker processes started
before timing); rounds alternate the commits so each sees the same machine. Prints every time and
the median per commit.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE_BUILD = r"""
import asyncio, sys, tempfile
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/bench"]
import audio as bench
from tingbao.reading.reader import read_issue

async def build() -> float:
    env = {"TINGBAO_TTS": "offline", "TINGBAO_OFFLINE_VOICE": "espeak"}
    settings = bench.load_settings(env, data_dir=Path(tempfile.mkdtemp()))
    issue = read_issue(bench.SAMPLE, settings.paper, settings.reading).issue
    offline = bench.OfflineSynthesizer(workers=2)
    svc, _ = bench.service("offline", 2, bench.MemoryCache(), offline=offline)
    try:
        if hasattr(offline, "start"):
            await offline.start()
        else:  # before the engine could be started: four pieces at once start both workers
            speaker = svc.engines.offline
            await asyncio.gather(*(speaker.speak(f"你好{n}。", "zh", "+0%") for n in range(4)))
        wall, _, _ = await bench.timed(svc, issue)
        return wall
    finally:
        svc.close()

if __name__ == "__main__":
    print(asyncio.run(build()))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commits", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tingbao-commits-") as folder:
        trees = {}
        for commit in args.commits:
            tree = Path(folder) / commit
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(tree), commit],
                check=True,
            )
            trees[commit] = tree
        script = Path(folder) / "one_build.py"
        script.write_text(ONE_BUILD, encoding="utf-8")
        times: dict[str, list[float]] = {commit: [] for commit in args.commits}
        try:
            for _ in range(args.rounds):
                for commit, tree in trees.items():
                    run = subprocess.run(
                        [sys.executable, str(script), str(tree)],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    times[commit].append(float(run.stdout.split()[-1]))
                    print(f"{commit}: {times[commit][-1]:.2f} s", flush=True)
        finally:
            for tree in trees.values():
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                    check=False,
                )
    for commit, walls in times.items():
        listed = ", ".join(f"{w:.2f}" for w in walls)
        print(f"{commit}: {listed} s; median {statistics.median(walls):.2f} s")


if __name__ == "__main__":
    main()
