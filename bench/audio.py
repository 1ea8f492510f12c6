"""Audio benchmark on the sample issue: offline engine, and edge through a fake slow server.

Run: .venv/bin/python bench/audio.py
Prints, in one run: tingbao's offline build of the sample beside the same text pushed through
the command-line tools a person would script by hand (espeak-ng, lame, opusenc; two at once);
where the time of a build goes, per second of audio; then edge-tts timings with 200 ms latency
per request at concurrency 1 and 2, and cached re-runs.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audio.fake_edge import FakeEdge, Faults  # noqa: E402
from tingbao.audio.cache import MemoryCache, PieceCache  # noqa: E402
from tingbao.audio.edge import EdgeSynthesizer  # noqa: E402
from tingbao.audio.engines import make_synthesizers  # noqa: E402
from tingbao.audio.espeak import DEFAULT_WPM  # noqa: E402
from tingbao.audio.marks import for_online  # noqa: E402
from tingbao.audio.offline import OfflineSynthesizer  # noqa: E402
from tingbao.audio.plan import plan_readings  # noqa: E402
from tingbao.audio.service import AudioService  # noqa: E402
from tingbao.audio.speech import Synthesizer, rate_factor  # noqa: E402
from tingbao.audio.text import piece_text  # noqa: E402
from tingbao.audio.voice_notes import VoiceNotes  # noqa: E402
from tingbao.paper.model import Issue  # noqa: E402
from tingbao.publish.publisher import LocalPublisher  # noqa: E402
from tingbao.reading.reader import read_issue  # noqa: E402
from tingbao.store.assets import AssetStore  # noqa: E402
from tingbao.store.engine import Database  # noqa: E402
from tingbao.store.issues import IssueStore  # noqa: E402
from tingbao.store.schema import create_schema  # noqa: E402
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


async def offline_build(issue: Issue, *, loudness: bool = False) -> tuple[float, float, int, float]:
    """Build every file of the issue offline from an empty cache, then make every article's
    voice note as a listener's first request would; return the build's wall time, audio
    seconds and pieces, and the voice notes' wall time. With loudness, print every file's."""
    offline = OfflineSynthesizer(workers=2)
    svc, _ = service("offline", 2, MemoryCache(), offline=offline)
    try:
        await offline.start()
        wall, audio, requests = await timed(svc, issue)
        notes = VoiceNotes(svc.assets, svc.publisher)
        start = time.perf_counter()
        made = await asyncio.gather(*(notes.make(a.id) for a in issue.articles))
        assert all(made), "every article has a voice note"
        notes_wall = time.perf_counter() - start
        if loudness:
            show_loudness(svc, issue)
        return wall, audio, requests, notes_wall
    finally:
        svc.close()


def show_loudness(svc: AudioService, issue: Issue) -> None:
    """Print every published audio file's loudness by ffmpeg's ebur128 and as recorded."""
    if shutil.which("ffmpeg") is None:
        print("loudness by ffmpeg skipped: install ffmpeg")
        return
    from tests.audio.test_loudness import ffmpeg_loudness

    publisher = svc.publisher
    assert isinstance(publisher, LocalPublisher)
    print("loudness of every published file, by ffmpeg's ebur128 | as recorded:")
    for asset in sorted(svc.assets.for_issue(issue.id), key=lambda a: a.path):
        if asset.mime not in ("audio/mpeg", "audio/ogg"):
            continue
        lufs, peak = ffmpeg_loudness(publisher.local_path(asset.path))
        print(
            f"  {asset.path.rsplit('/', 1)[-1]:<22} {lufs:6.1f} LUFS {peak:5.1f} dBTP | "
            f"{asset.loudness_lufs:6.2f} LUFS {asset.true_peak_dbtp:5.2f} dBTP"
        )


async def main() -> None:
    settings = load_settings(
        {"TINGBAO_TTS": "offline", "TINGBAO_OFFLINE_VOICE": "espeak"},
        data_dir=Path(tempfile.mkdtemp()),
    )
    issue = read_issue(SAMPLE, settings.paper, settings.reading).issue
    chars = sum(a.char_count for a in issue.articles)
    print(f"sample issue: {len(issue.articles)} articles, {chars} characters")

    runs = []
    for n in range(2):  # alternate, so all three see the same machine
        plain = shell_pipeline(issue, settings)
        normed = shell_pipeline(issue, settings, loudnorm=True)
        runs.append((plain, normed, await offline_build(issue, loudness=n == 0)))
    for n, (plain, normed, (wall, audio, requests, notes)) in enumerate(runs, 1):
        print(
            f"run {n}: tingbao offline (espeak-ng in 2 processes, mastered, all files): "
            f"{wall:.2f} s wall for {audio:.0f} s of audio ({requests} pieces synthesized), "
            f"{audio / wall:.0f}x faster than real time; then both voice notes, as on a "
            f"listener's first request: {notes:.2f} s"
        )
        for label, script in (("", plain), (" | ffmpeg loudnorm", normed)):
            if script is not None:
                print(
                    f"run {n}: shell pipeline (espeak-ng{label} | lame | opusenc, 2 at once): "
                    f"{script:.2f} s; tingbao / pipeline = {wall / script:.2f} "
                    f"(with the voice notes made too: {(wall + notes) / script:.2f})"
                )
    costs()

    svc, _ = service("offline", 2, MemoryCache(), offline=OfflineSynthesizer(workers=2))
    await timed(svc, issue)
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


def shell_pipeline(issue: Issue, settings: Settings, *, loudnorm: bool = False) -> float | None:
    """Time the same spoken text through espeak-ng, lame and opusenc as a person would script
    it: per article a normal and a slow reading (MP3) and a voice note (Opus), and the episode;
    two jobs at once. espeak-ng is Debian's program run on espeakng-loader's library and data,
    the very engine tingbao uses (Debian's own 1.51 data reads Mandarin wrongly).

    With loudnorm, each reading also goes through ffmpeg's loudnorm filter (-16 LUFS, -1.5 dBTP)
    before it is encoded: the step a person would add to publish files at the norm, as
    tingbao's are."""
    import espeakng_loader

    needed = ("espeak-ng", "lame", "opusenc", "xargs") + (("ffmpeg",) if loudnorm else ())
    tools = {name: shutil.which(name) for name in needed}
    if not all(tools.values()):
        missing = " ".join(name for name, path in tools.items() if path is None)
        print(
            f"shell pipeline skipped: install {missing} (Debian: espeak-ng lame opus-tools ffmpeg)"
        )
        return None
    folder = Path(tempfile.mkdtemp(prefix="tingbao-shell-"))
    names = []
    for reading in plan_readings(issue, settings.paper, 1000, settings.audio.slow_rate):
        text = "\n".join(for_online(piece_text(part.lines)) for part in reading.script.parts)
        name = f"{reading.owner_id}.{reading.kind}"
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        names.append(name)
    lib = Path(espeakng_loader.get_library_path()).parent
    slow_wpm = round(DEFAULT_WPM * rate_factor(settings.audio.slow_rate))
    job = folder / "job.sh"
    job.write_text(
        "set -e\n"
        f'speed={DEFAULT_WPM}; case "$1" in *.slow) speed={slow_wpm};; esac\n'
        f'LD_LIBRARY_PATH={lib} espeak-ng --path={lib} -v cmn -s "$speed" '
        f'-f "{folder}/$1.txt" -w "{folder}/$1.wav"\n'
        + (
            f'ffmpeg -loglevel error -y -i "{folder}/$1.wav" -af loudnorm=I=-16:TP=-1.5 '
            f'-ar 22050 -fflags +bitexact -map_metadata -1 "{folder}/$1.n.wav"\n'
            f'mv "{folder}/$1.n.wav" "{folder}/$1.wav"\n'
            if loudnorm
            else ""
        )
        + f'lame --quiet -m m -b 48 --resample 24 "{folder}/$1.wav" "{folder}/$1.mp3"\n'
        f'case "$1" in *.article) opusenc --quiet "{folder}/$1.wav" "{folder}/$1.ogg";; esac\n'
    )
    start = time.perf_counter()
    subprocess.run(
        ["xargs", "-P", "2", "-n", "1", "bash", str(job)],
        input="\n".join(names),
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    shutil.rmtree(folder)
    return wall


def costs() -> None:
    """Print the CPU time of each step of an offline build per second of audio, as it was
    before issue 12 and as it is now (one 60-second piece of the offline voice)."""
    import lameenc
    import soundfile

    from tingbao.audio.espeak import speak_pcm
    from tingbao.audio.loudness import measure, normalize
    from tingbao.audio.master import heard_mp3, voice_note_measured
    from tingbao.audio.mp3 import decode, encode, pcm_samples, to_sample_rate

    sentence = "虹桥镇召开年中工作会议，会上强调要为十四五发展开好局、起好步。"
    start = time.process_time()
    rate, pcms = speak_pcm([sentence] * 12, DEFAULT_WPM)
    pcm = b"".join(pcms)
    seconds = len(pcm) / 2 / rate
    synthesis = time.process_time() - start

    def per_second(step: Callable[[], object], repeat: int = 3) -> float:
        begin = time.process_time()
        for _ in range(repeat):
            step()
        return (time.process_time() - begin) / repeat / seconds * 1000

    def lame_before() -> bytes:
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(48)
        encoder.set_in_sample_rate(rate)
        encoder.set_out_sample_rate(24000)
        encoder.set_channels(1)
        encoder.set_quality(5)
        return bytes(encoder.encode(pcm)) + bytes(encoder.flush())

    samples = to_sample_rate(pcm_samples(pcm), rate)
    mastered = normalize(samples, 24000)
    mp3 = encode(mastered).data
    decoded = decode(mp3)

    def opus_before() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "v.ogg"
            soundfile.write(path, decoded, 24000, format="OGG", subtype="OPUS")
            return path.read_bytes()

    rows = [
        ("espeak-ng synthesis", 1000 * synthesis / seconds, "same"),
        (
            "resample 22.05 -> 24 kHz (scipy, polyphase)",
            per_second(lambda: to_sample_rate(pcm_samples(pcm), rate)),
            "new",
        ),
        (
            "master: loudness, true-peak limiter",
            per_second(lambda: normalize(samples, 24000)),
            "new",
        ),
        ("MP3 before: lame q5 resampling itself", per_second(lame_before), "before"),
        ("MP3 now: lame q7 at 24 kHz", per_second(lambda: encode(mastered)), "now"),
        (
            "profile a piece as decoded (once, when made)",
            per_second(lambda: heard_mp3(mp3)),
            "now",
        ),
        (
            "measure a file decoded whole (before; now only a file without profiles)",
            per_second(lambda: measure(decode(mp3), 24000)),
            "before",
        ),
        ("voice note before: libsndfile Opus", per_second(opus_before, 1), "before"),
        (
            "voice note now, on first request: decode, libopus, decode and meter",
            per_second(lambda: voice_note_measured(mp3)),
            "now",
        ),
    ]
    print(f"where the time goes, CPU ms per second of audio ({seconds:.0f} s piece):")
    for label, cost, when in rows:
        print(f"  {label}: {cost:.2f} ms ({when})")


if __name__ == "__main__":
    asyncio.run(main())
