"""Settings: each part's loader, the root that holds them, and who may read the environment."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from tingbao.audio.settings import AudioSettings
from tingbao.bot.settings import BotSettings, ptb_environment
from tingbao.feeds.settings import FeedsSettings
from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import MB, PaperSettings, Secret
from tingbao.reading.settings import DEFAULT_BOILERPLATE_PATTERNS, ReadingSettings
from tingbao.worker.settings import PARTS, Settings, load_settings

PACKAGE = Path(__file__).resolve().parents[2] / "tingbao"


def test_defaults_from_an_empty_environment(tmp_path: Path) -> None:
    settings = load_settings({}, data_dir=tmp_path)
    assert (settings.data_dir, settings.inbox_dir, settings.public_dir) == (
        tmp_path,
        tmp_path / "inbox",
        tmp_path / "public",
    )
    assert settings.database_url == f"sqlite:///{tmp_path / 'tingbao.db'}"
    assert settings.paper == PaperSettings()
    assert settings.reading == ReadingSettings()
    assert settings.reading.max_input_bytes == 50 * MB
    assert settings.reading.boilerplate_patterns == DEFAULT_BOILERPLATE_PATTERNS
    assert settings.audio == AudioSettings(cache_dir=tmp_path / "cache" / "tts")
    assert settings.feeds == FeedsSettings(base_url="http://127.0.0.1:8080/")
    assert settings.bot == BotSettings(staging_dir=tmp_path / "bot" / "staging")
    assert (settings.inbox_interval_s, settings.reconcile_interval_s) == (60, 300)
    assert (settings.upgrade_interval_s, settings.fault) == (1800, None)


def test_each_variable_lands_in_its_part(tmp_path: Path) -> None:
    env = {
        "TINGBAO_DATA_DIR": str(tmp_path / "ignored"),
        "TINGBAO_PAPER_SLUG": "xinzhuang",
        "TINGBAO_HOTLINE": "021-1234567",
        "TINGBAO_MAX_INPUT_MB": "2",
        "TINGBAO_PDF_TIMEOUT": "3.5",
        "TINGBAO_TTS": " Edge ",
        "TINGBAO_SLOW_RATE": "-30%",
        "TINGBAO_HTTP_PORT": "9000",
        "TINGBAO_BASE_URL": "https://news.example.org",
        "TELEGRAM_BOT_TOKEN": " 123:abc ",
        "TINGBAO_ADMINS": "1, 2 3",
        "TINGBAO_RECONCILE_INTERVAL": "10",
        "TINGBAO_FAULT": "notify.before:2",
    }
    settings = load_settings(env, data_dir=tmp_path)  # --data-dir wins over TINGBAO_DATA_DIR
    assert settings.data_dir == tmp_path
    assert (settings.paper.slug, settings.paper.hotline) == ("xinzhuang", "021-1234567")
    assert (settings.reading.max_input_bytes, settings.reading.pdf_timeout_s) == (2 * MB, 3.5)
    assert (settings.audio.tts, settings.audio.slow_rate) == ("edge", "-30%")
    assert settings.feeds.base_url == "https://news.example.org/"
    assert settings.feeds.url("/audio/a.mp3") == "https://news.example.org/audio/a.mp3"
    assert settings.feeds.http_port == 9000
    assert settings.bot.telegram_token == Secret("123:abc")
    assert settings.bot.admins == frozenset({1, 2, 3})
    assert (settings.reconcile_interval_s, settings.fault) == (10, "notify.before:2")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TINGBAO_PAPER_SLUG": "Jin Hong"}, "TINGBAO_PAPER_SLUG='Jin Hong' must be lowercase"),
        ({"TINGBAO_MAX_INPUT_MB": "big"}, "TINGBAO_MAX_INPUT_MB='big' is not a whole number"),
        ({"TINGBAO_PDF_MEMORY_MB": "10"}, "TINGBAO_PDF_MEMORY_MB=10 must be at least 64"),
        ({"TINGBAO_PDF_TIMEOUT": "0"}, "TINGBAO_PDF_TIMEOUT=0.0 must be greater than 0"),
        ({"TINGBAO_MASTHEAD_PATTERNS": '["("]'}, "TINGBAO_MASTHEAD_PATTERNS: bad regular"),
        ({"TINGBAO_TTS": "loud"}, "TINGBAO_TTS='loud' must be edge, offline or auto"),
        ({"TINGBAO_SLOW_RATE": "slow"}, "TINGBAO_SLOW_RATE='slow' must look like -25%"),
        ({"TINGBAO_TTS_CHUNK_CHARS": "10"}, "TINGBAO_TTS_CHUNK_CHARS=10 must be at least 50"),
        ({"TINGBAO_BASE_URL": "example.org"}, "TINGBAO_BASE_URL='example.org' must start with"),
        ({"TINGBAO_HTTP_PORT": "0"}, "TINGBAO_HTTP_PORT=0 must be at least 1"),
        ({"TINGBAO_ADMINS": "1,editor"}, "TINGBAO_ADMINS: 'editor' is not a chat id"),
        ({"TINGBAO_BOT_USER_RATE": "0"}, "TINGBAO_BOT_USER_RATE=0 must be at least 1"),
        ({"TINGBAO_INBOX_INTERVAL": "x"}, "TINGBAO_INBOX_INTERVAL='x' is not a whole number"),
        ({"TINGBAO_FAULT": "inbox.stored:0"}, "TINGBAO_FAULT='inbox.stored:0' must look like"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env, data_dir=tmp_path)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_the_token_never_prints(tmp_path: Path) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123:secret-token"}, data_dir=tmp_path)
    assert "secret-token" not in repr(settings) and "secret-token" not in str(settings.bot)


def test_with_overrides_finds_the_part_that_holds_a_field(tmp_path: Path) -> None:
    settings = load_settings({}, data_dir=tmp_path)
    changed = settings.with_overrides(tts="edge", admins=frozenset({7}), inbox_interval_s=5)
    assert (changed.audio.tts, changed.bot.admins, changed.inbox_interval_s) == (
        "edge",
        frozenset({7}),
        5,
    )
    assert changed.audio.voice == settings.audio.voice and changed.paper == settings.paper
    paper = PaperSettings(name="莘庄")
    assert settings.with_overrides(paper=paper).paper is paper
    with pytest.raises(TypeError, match="no setting is called 'colour'"):
        settings.with_overrides(colour="red")


def test_field_names_are_unique_across_parts(tmp_path: Path) -> None:
    settings = load_settings({}, data_dir=tmp_path)
    names = [f.name for f in fields(Settings)]
    for part in PARTS:
        names += [f.name for f in fields(getattr(settings, part))]
    assert len(names) == len(set(names))


def test_ptb_timedelta_defaults_to_true_and_an_explicit_value_wins() -> None:
    assert ptb_environment({}) == {"PTB_TIMEDELTA": "true"}
    assert ptb_environment({"PTB_TIMEDELTA": "false"}) == {"PTB_TIMEDELTA": "false"}


def test_only_the_composition_root_reads_the_process_environment() -> None:
    """No module reads a variable by name; only the CLI hands the environment to load_settings.

    Copying the environment into a child process's ({**os.environ, ...}) reads no setting.
    """
    sources = {
        path.relative_to(PACKAGE).as_posix(): path.read_text(encoding="utf-8")
        for path in PACKAGE.rglob("*.py")
    }
    by_name = re.compile(r"os\.environ\s*(\.get\b|\.setdefault\b|\.pop\b|\[)|getenv")
    assert sorted(name for name, text in sources.items() if by_name.search(text)) == []
    whole = [
        name for name, text in sources.items() if "os.environ" in text.replace("{**os.environ", "")
    ]
    assert whole == ["cli/main.py"]


PAPERS = """
[[papers]]
slug = "jinhongqiao"
name = "金虹桥"
hotline = "021-64059791"
email = "jinhongqiao@163.com"
channel = "@jinhongqiao_news"

[[papers]]
slug = "xinzhuang"
name = "莘庄"
hotline = "021-54881234"
email = "xinzhuang@example.cn"
voice = "zh-CN-YunxiNeural"
admins = [7002]
"""


def test_papers_file_lands_in_each_part(tmp_path: Path) -> None:
    papers = tmp_path / "papers.toml"
    papers.write_text(PAPERS, encoding="utf-8")
    env = {
        "TINGBAO_PAPERS": str(papers),
        "TINGBAO_ADMINS": "9001",
        "TELEGRAM_CHANNEL": "@all_towns",
    }
    settings = load_settings(env, data_dir=tmp_path)
    assert [p.slug for p in settings.papers] == ["jinhongqiao", "xinzhuang"]
    assert settings.per_paper and settings.papers_file == papers
    assert settings.paper_inbox(settings.papers[1]) == tmp_path / "inbox" / "xinzhuang"
    assert settings.public_folder(settings.papers[1]) == "xinzhuang/"
    assert settings.audio.for_paper("xinzhuang").voice == "zh-CN-YunxiNeural"
    assert settings.audio.for_paper("jinhongqiao").voice == settings.audio.voice
    bot = settings.bot
    assert bot.channel_for("jinhongqiao") == "@jinhongqiao_news"
    assert bot.channel_for("xinzhuang") == "@all_towns"  # TELEGRAM_CHANNEL fills the gap
    slugs = ("jinhongqiao", "xinzhuang")
    assert bot.papers_edited_by(9001, slugs) == slugs  # TINGBAO_ADMINS edit every paper
    assert bot.papers_edited_by(7002, slugs) == ("xinzhuang",)
    assert bot.papers_edited_by(1234, slugs) == ()


def test_without_a_papers_file_the_single_paper_keeps_its_layout(tmp_path: Path) -> None:
    settings = load_settings({"TINGBAO_PAPER_SLUG": "xinzhuang"}, data_dir=tmp_path)
    assert settings.papers == (settings.paper,) and not settings.per_paper
    assert settings.paper_inbox(settings.paper) == tmp_path / "inbox"
    assert settings.public_folder(settings.paper) == ""
    assert settings.paper_named(None) is settings.paper


def test_paper_names_a_known_slug(tmp_path: Path) -> None:
    papers = tmp_path / "papers.toml"
    papers.write_text(PAPERS, encoding="utf-8")
    settings = load_settings({"TINGBAO_PAPERS": str(papers)}, data_dir=tmp_path)
    assert settings.paper_named("xinzhuang").name == "莘庄"
    with pytest.raises(SettingsError, match="known papers: jinhongqiao, xinzhuang"):
        settings.paper_named("nowhere")
    with pytest.raises(SettingsError, match="add --paper SLUG"):
        settings.paper_named(None)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--paper", "nowhere"], "--paper nowhere: no such paper; known papers: jinhongqiao, "),
        ([], "several papers are configured: add --paper SLUG (jinhongqiao, xinzhuang)"),
    ],
)
def test_cli_refuses_an_unknown_or_missing_paper_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    says: str,
) -> None:
    from tingbao.cli.main import main

    papers = tmp_path / "papers.toml"
    papers.write_text(PAPERS, encoding="utf-8")
    monkeypatch.setenv("TINGBAO_PAPERS", str(papers))
    issue = tmp_path / "issue.txt"
    issue.write_text("金虹桥\n标题\n正文。\n", encoding="utf-8")
    assert main(["--data-dir", str(tmp_path / "data"), "parse", str(issue), *args]) == 1
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1


def test_a_bad_papers_file_stops_the_cli_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tingbao.cli.main import main

    papers = tmp_path / "papers.toml"
    papers.write_text(PAPERS.replace('"xinzhuang"', '"jinhongqiao"'), encoding="utf-8")
    monkeypatch.setenv("TINGBAO_PAPERS", str(papers))
    assert main(["--data-dir", str(tmp_path / "data"), "build"]) == 1
    err = capsys.readouterr().err
    assert (
        err == f"tingbao: bad setting: TINGBAO_PAPERS={papers}: paper 2: slug 'jinhongqiao'"
        " is used twice; give each paper its own\n"
    )
