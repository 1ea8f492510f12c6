"""Private-use characters are tingbao's own marks in spoken text (audio/marks.py): the probe put
them in an issue's text and in `tingbao say`, and got a word read as the text chose. Now clean-up
strips them from what is read, and the speech side drops any it is handed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_TXT
from tingbao.cli.main import main

# The lexicon's mark, as an attacker writes it: 好 to be read "hao3", and stray pieces of one.
MARK = "\ue000好\ue001hao3\ue002"
PRIVATE = ("\ue000", "\ue001", "\ue002", "\uf8ff", "\U000f0000", "\U0010fffd")


@pytest.fixture(autouse=True)
def offline_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINGBAO_TTS", "offline")


def test_an_issue_with_private_use_characters_is_read_without_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SAMPLE_TXT.read_text("utf-8")
    title = "虹桥镇召开2020年年中工作会议 进一步明确下半年工作重点"
    assert title in text and "7月27日" in text
    text = text.replace(title, "虹桥镇\U000f0000召开2020年年中工作会议 进一步明确下半年工作重点")
    text = text.replace("7月27日", f"7月27日{MARK}\uf8ff\ue001", 1)
    issue = tmp_path / "jinhongqiao-2020-07-30.txt"
    issue.write_text(text, "utf-8")
    assert main(["--data-dir", str(tmp_path / "data"), "parse", str(issue), "--json"]) == 0
    printed = capsys.readouterr().out
    assert not any(char in printed for char in PRIVATE)
    parsed = json.loads(printed)
    first = parsed["articles"][0]
    assert first["title"] == "虹桥镇召开2020年年中工作会议 进一步明确下半年工作重点"
    body = "".join(p for section in first["sections"] for p in section["paragraphs"])
    assert "7月27日好hao3，虹桥镇召开" in body  # the text kept, the marks gone


def test_say_never_takes_a_mark_from_the_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "say", f"今天{MARK}天气，莘庄\ue002镇\U000f0000。"]) == 0
    printed = capsys.readouterr().out.strip()
    # Only the lexicon's own word (莘庄) is shown with a reading; 好 is said as written.
    assert printed == "今天好hao三天气，新庄(xīn zhuāng)镇。"
