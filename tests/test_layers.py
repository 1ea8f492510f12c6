"""The floor plan is checked, not remembered: `lint-imports` keeps the layers of pyproject.toml,
and a part importing one above it (or chat/ importing a wire library) breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.subprocess


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the copy of the package in `tree` (its own pyproject.toml)."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "tingbao", tmp_path / "tingbao", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(tree: Path, module: str, line: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(f"{line}  # noqa\n" + path.read_text())


def test_the_house_keeps_its_layers(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # the issue model reaching up into the command line
        ("tingbao.paper.model", "import tingbao.cli.main", "Parts import only the parts below"),
        # the store reaching up into the pipeline
        ("tingbao.store.issues", "import tingbao.worker.pipeline", "Parts import only"),
        # one channel importing its sibling
        ("tingbao.phone.menu", "import tingbao.bot.app", "Parts import only"),
        # the channel-neutral core importing Telegram
        ("tingbao.chat.texts", "import telegram", "has no wire in it"),
        # the WeChat part importing the Telegram one, and the bot speaking WeChat
        ("tingbao.wechat.conversation", "import tingbao.bot.reader", "Parts import only"),
        ("tingbao.bot.reader", "import wechatpy", "Only the WeChat part speaks WeChat"),
    ],
)
def test_a_wrong_import_breaks_the_contract(
    tree: Path, module: str, line: str, contract: str
) -> None:
    add_import(tree, module, line)
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if "BROKEN" in row]
    assert any(contract in row for row in broken), result.stdout
