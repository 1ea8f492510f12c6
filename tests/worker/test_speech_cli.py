"""`tingbao lexicon`, `say` and `script`: what an editor sees, and bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tingbao.audio.loudness import TARGET_LUFS, measure
from tingbao.audio.mp3 import SAMPLE_RATE, decode, parse_frames
from tingbao.cli.main import main


@pytest.fixture(autouse=True)
def offline_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINGBAO_TTS", "offline")


def test_lexicon_add_list_remove_and_say(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "say", "欢迎收听虹桥镇新闻。"]) == 0
    assert capsys.readouterr().out.strip() == "欢迎收听虹桥镇新闻。"
    assert main([*data, "lexicon", "add", "虹桥", "洪桥"]) == 0
    assert "虹桥 is read 洪桥 (hóng qiáo)" in capsys.readouterr().out
    assert main([*data, "say", "欢迎收听虹桥镇新闻。"]) == 0
    assert capsys.readouterr().out.strip() == "欢迎收听洪桥(hóng qiáo)镇新闻。"
    assert main([*data, "lexicon"]) == 0
    listed = capsys.readouterr().out
    assert "虹桥\t洪桥\thóng qiáo\teditor" in listed and "莘庄\t新庄" in listed
    assert main([*data, "lexicon", "remove", "虹桥"]) == 0
    assert main([*data, "lexicon", "remove", "虹桥"]) == 1
    assert "not in the lexicon" in capsys.readouterr().err


def test_a_bad_reading_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "lexicon", "add", "莘庄", "xxx"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["tingbao: 'xxx' has no tones: write xin1 zhuang1 or xīn zhuāng"]


def test_say_play_writes_mastered_audio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "say.mp3"
    assert main(["--data-dir", str(tmp_path), "say", "--play", str(out), "莘庄镇召开会议。"]) == 0
    assert "新庄(xīn zhuāng)镇召开会议。" in capsys.readouterr().out
    samples = decode(parse_frames(out.read_bytes()).data)
    assert abs(measure(samples, SAMPLE_RATE).lufs - TARGET_LUFS) <= 1.0


def test_script_prints_an_article_and_refuses_an_unknown_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    sample = Path(__file__).resolve().parents[2] / "samples" / "jinhongqiao-2020-07.txt"
    assert main([*data, "ingest", str(sample)]) == 0
    assert main([*data, "script", "nope"]) == 1
    assert "no article 'nope'" in capsys.readouterr().err
    assert main([*data, "show", "jinhongqiao-2020-07-30", "--json"]) == 0
    article = json.loads(capsys.readouterr().out)["articles"][0]["id"]
    assert main([*data, "script", article]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("虹桥镇") and "[800 ms]" in printed
