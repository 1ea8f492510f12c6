"""Audio benchmark on the sample issue: offline engine, and edge through a fake slow server.

Run: .venv/bin/python bench/audio.py
Prints wall times, the real-time factor of the offline engine, and edge-tts timings with
200 ms latency per request at concurrency 1 and 2, then a cached re-run.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audio.fake_edge import FakeEdge, Faults  # noqa: E402
from tingbao.audio import AudioService, make_synthesizers  # noqa: E402
from tingbao.audio.cache import MemoryCache, PieceCache  # noqa: E402
from tingbao.audio.edge import EdgeSynthesizer  # noqa: E402
from tingbao.audio.offline import OfflineSynthesizer  # noqa: E402
from tingbao.audio.speech import Synthesizer  # noqa: E402
from tingbao.paper.assets import AssetStore  # noqa: E402
from tingbao.paper.db import Database  # noqa: E402
from tingbao.paper.model import Issue  # noqa: E402
from tingbao.paper.publish import LocalPublisher  # noqa: E402
from tingbao.paper.reader import read_issue  # noqa: E402
from tingbao.paper.store import IssueStore  # noqa: E402
from tingbao.worker.schema import create_schema  # noqa: E402
from tingbao.worker.settings import Settings, load_settings  # noqa: E402

SAMPLE = ROOT / "samples" / "jinhongqiao-2020-07.txt"


def service(
    mode: str,
    concurrency: int,
    cache: PieceCache,
    edge: Synthesizer | None = None,
    offline: Synthesizer | None = None,
) -> tuple[AudioService, Settings]:
    data = Path(tempfile.mkdtemp(prefix="tingbao-bench-"))
    settings = load_settings({"TINGBAO_TTS": mode}, data_dir=data)
    settings = settings.with_overrides(tts_concurrency=concurrency)
    db = Database(settings.database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    create_schema(db)
    engines = make_synthesizers(settings.audio, cache=cache, edge=edge, offline=offline)
    publisher = LocalPublisher(settings.public_dir)
    stores = IssueStore(db), AssetStore(db)
    return AudioService(settings.audio, settings.paper, *stores, publisher, engines), settings


async def timed(svc: AudioService, issue: Issue) -> tuple[float, float, int]:
    start = time.perf_counter()
    report = await svc.render_issue(issue)
    return time.perf_counter() - start, report.audio_seconds, report.requests


async def main() -> None:
    settings = load_settings({"TINGBAO_TTS": "offline"}, data_dir=Path(tempfile.mkdtemp()))
    issue = read_issue(SAMPLE, settings.paper, settings.reading).issue
    chars = sum(a.char_count for a in issue.articles)
    print(f"sample issue: {len(issue.articles)} articles, {chars} characters")

    svc, _ = service("offline", 2, MemoryCache(), offline=OfflineSynthesizer(workers=2))
    wall, audio, requests = await timed(svc, issue)
    print(
        f"offline (espeak-ng, 2 processes): {wall:.2f} s wall for {audio:.0f} s of audio in "
        f"11+ files ({requests} pieces synthesized), real-time factor {wall / audio:.4f} "
        f"({audio / wall:.0f}x faster than real time)"
    )
    wall, _, requests = await timed(svc, issue)
    print(f"offline re-run: {wall * 1000:.0f} ms, {requests} synthesis calls")
    svc.close()

    server = FakeEdge(faults=Faults(latency_s=0.2))
    runner = await server.start()
    try:
        for concurrency in (1, 2):
            cache = MemoryCache()
            edge = EdgeSynthesizer(wss_url=server.url)
            svc, _ = service("edge", concurrency, cache, edge=edge)
            server.max_active = 0
            wall, audio, requests = await timed(svc, issue)
            print(
                f"edge via fake server, 200 ms latency, concurrency {concurrency}: {wall:.2f} s "
                f"({requests} requests, max {server.max_active} at a time, {audio:.0f} s audio)"
            )
        wall, _, requests = await timed(svc, issue)
        print(f"edge cached re-run (files current): {wall * 1000:.0f} ms, {requests} requests")
        fresh, _ = service("edge", 2, cache, edge=edge)
        wall, _, requests = await timed(fresh, issue)
        print(
            f"edge re-run into an empty public/ from the piece cache: {wall:.2f} s, "
            f"{requests} requests"
        )
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
