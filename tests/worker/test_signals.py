"""SIGTERM stops a worker within seconds, whatever it is doing: during OCR the child is killed and
the scan stays in the inbox (not failed/, not done/) for the next start; during audio the offline
voice's worker processes are stopped too. A real `tingbao worker` in a child process, a real
signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]
EXIT_WITHIN_S = 8.0  # "a few seconds": the pass gets 2 s to unwind, the rest is start-up noise


def descendants(pid: int) -> dict[int, str]:
    """Return the processes below pid (pid -> command line), from /proc."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # ended meanwhile
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        commands[int(entry.name)] = command
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = commands[child]
                frontier.append(child)
    return found


def scanned_pages(path: Path, pages: int) -> Path:
    """Write a PDF of page images with text-like bars and no text layer (a scan: read by OCR)."""
    images = []
    for n in range(pages):
        image = Image.new("L", (1654, 2339), 255)
        draw = ImageDraw.Draw(image)
        for y in range(200, 2200, 60):
            draw.rectangle((150, y, 1500, y + 25), fill=0 if (y // 60 + n) % 3 else 128)
        images.append(image)
    images[0].save(path, "PDF", resolution=200, save_all=True, append_images=images[1:])
    return path


def long_issue(path: Path) -> Path:
    """Write an issue whose offline audio takes well over a minute to make."""
    words = [
        "社区",
        "食堂",
        "开张",
        "老人",
        "午餐",
        "电梯",
        "加装",
        "工作",
        "顺利",
        "推进",
        "居民",
        "志愿者",
        "活动",
        "服务",
        "健康",
    ]
    lines = ["金虹桥"]
    for a in range(8):
        lines += [f"第{a + 1}条新闻的标题", f"7月{a + 1}日，虹桥镇的新闻。"]
        for p in range(12):
            lines.append("".join(words[(a + p + i) % len(words)] for i in range(120)) + "。")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_worker(data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "TINGBAO_INBOX_SETTLE": "0.1",
    }
    env.pop("TINGBAO_FAULT", None)
    command = [sys.executable, "-m", "tingbao.cli.main", "--data-dir", str(data_dir), "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for(worker: subprocess.Popen[bytes], seen: Callable[[dict[int, str]], bool]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert worker.poll() is None, worker.communicate()[0].decode()[-3000:]
        if seen(descendants(worker.pid)):
            return
        time.sleep(0.1)
    raise AssertionError("the worker never got there")


def terminate(worker: subprocess.Popen[bytes]) -> tuple[float, str]:
    """Send SIGTERM; return how long the worker took to exit, and its output."""
    below = descendants(worker.pid)
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    try:
        output, _ = worker.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
        raise AssertionError("the worker did not exit within 60 s of SIGTERM") from None
    elapsed = time.monotonic() - started
    time.sleep(0.5)
    left = {pid: cmd for pid, cmd in below.items() if Path(f"/proc/{pid}").exists()}
    left = {pid: cmd for pid, cmd in left.items() if "resource_tracker" not in cmd}
    assert not left, f"processes left running: {left}"
    return elapsed, output.decode()


def test_sigterm_during_ocr_kills_the_child_and_leaves_the_scan_in_the_inbox(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    inbox = data / "inbox"
    inbox.mkdir(parents=True)
    scan = scanned_pages(inbox / "scan-2021-07-02.pdf", 12)
    before = scan.read_bytes()
    worker = start_worker(data)
    wait_for(worker, lambda below: any("ocr_extract" in cmd for cmd in below.values()))
    time.sleep(2)  # well into the pages
    elapsed, output = terminate(worker)
    assert elapsed < EXIT_WITHIN_S, f"exit took {elapsed:.1f} s\n{output[-2000:]}"
    assert worker.returncode == 0, output[-2000:]
    assert scan.read_bytes() == before  # where it was, as it was
    assert not list((inbox / "failed").glob("*")), output[-2000:]
    assert not list((inbox / "done").glob("*"))
    assert "stay in the inbox" in output


def test_sigterm_during_audio_stops_the_offline_voice_workers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "inbox").mkdir(parents=True)
    issue = long_issue(data / "inbox" / "news-2021-07-02.txt")
    worker = start_worker(data)
    # The offline voice starts its worker processes once pieces keep it busy for a second.
    wait_for(worker, lambda below: sum("spawn_main" in cmd for cmd in below.values()) >= 2)
    time.sleep(2)
    elapsed, output = terminate(worker)
    assert elapsed < EXIT_WITHIN_S, f"exit took {elapsed:.1f} s\n{output[-2000:]}"
    assert worker.returncode == 0, output[-2000:]
    assert "Traceback" not in output, output[-3000:]
    assert (data / "inbox" / "done" / issue.name).exists()  # it was stored before the audio
