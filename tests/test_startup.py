"""Start-up: the command line imports only what the command run needs, and a spawned offline-audio
worker only what audio needs (bench/startup.py times them)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_TXT

pytestmark = pytest.mark.subprocess

# Libraries (and parts) that take long to import and that only some commands use.
NOT_FOR_EVERY_COMMAND = (
    "telegram",
    "boto3",
    "docx",
    "pypdfium2",
    "scipy",
    "onnxruntime",
    "rapidocr_onnxruntime",
)
NOT_FOR_AUDIO = (
    "telegram",
    "boto3",
    "docx",
    "pypdfium2",
    "aiohttp",
    "tingbao.bot",
    "tingbao.feeds",
)

# Starts like the `tingbao` console script, which imports tingbao.cli.main at the top: a process
# spawned from it runs it again (as __mp_main__) before it unpickles its work. One worker of the
# offline engine's own pool then reports the modules it has imported.
WORKER_SCRIPT = textwrap.dedent(
    """
    import json
    import sys

    from tingbao.cli.main import main  # noqa: F401

    if __name__ == "__main__":
        from tingbao.audio.offline import OfflineSynthesizer

        engine = OfflineSynthesizer(workers=1)
        try:
            names = engine._pool().submit(eval, "sorted(__import__('sys').modules)").result()
        finally:
            engine.close()
        json.dump(names, sys.stdout)
    """
)


def child_modules(code: str) -> list[str]:
    """Return the modules a fresh interpreter has imported after running code."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"{code}\nimport json, sys\njson.dump(sorted(sys.modules), sys.stderr)",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    names: list[str] = json.loads(done.stderr.splitlines()[-1])
    return names


def among(names: list[str], unwanted: tuple[str, ...]) -> list[str]:
    """Return the unwanted packages (a package and its submodules) found among names."""
    return [u for u in unwanted if any(n == u or n.startswith(u + ".") for n in names)]


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    names = child_modules("import tingbao.cli.main")
    assert among(names, NOT_FOR_EVERY_COMMAND) == []
    assert among(names, ("tingbao.bot", "tingbao.audio", "tingbao.store", "sqlalchemy")) == []


def test_parse_reads_without_the_bot_the_audio_or_the_database() -> None:
    names = child_modules(
        "import contextlib, io\n"
        "from tingbao.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['parse', {str(SAMPLE_TXT)!r}, '--json']) == 0"
    )
    assert among(names, NOT_FOR_EVERY_COMMAND) == []
    # The other parts' settings are read (they are light); their machinery is not loaded.
    unwanted = ("telegram", "aiohttp", "sqlalchemy", "alembic", "numpy", "PIL", "edge_tts")
    assert among(names, unwanted) == []
    parts = ("tingbao.store", "tingbao.bot.app", "tingbao.audio.engines", "tingbao.feeds.build")
    assert among(names, parts) == []


def test_a_spawned_audio_worker_imports_only_what_audio_needs(tmp_path: Path) -> None:
    script = tmp_path / "tingbao_like.py"
    script.write_text(WORKER_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    names: list[str] = json.loads(done.stdout)
    assert "tingbao.audio.offline" in names  # the worker's initializer lives there
    assert among(names, NOT_FOR_AUDIO) == []


def test_build_and_the_worker_start_without_the_bot_phone_or_wechat() -> None:
    """`tingbao build` (and `worker`) import the long-running modes' module, not the bot, the
    phone line, WeChat or the web server: those are imported only where they are started."""
    names = child_modules("import tingbao.cli.run")
    unwanted = ("telegram", "wechatpy", "tingbao.bot.app", "tingbao.cli.phone")
    assert among(names, (*unwanted, "tingbao.cli.wechat", "tingbao.feeds.server")) == []
