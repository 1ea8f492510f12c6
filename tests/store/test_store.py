"""The store: identical content changes nothing, a correction replaces and keeps article ids."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_TXT
from tingbao.cli.main import main
from tingbao.paper.errors import NotFoundError
from tingbao.paper.model import Issue, issue_from_dict, issue_to_dict
from tingbao.reading.reader import read_issue
from tingbao.store.issues import ArticleHit, IssueStore
from tingbao.worker.settings import Settings


def found(store: IssueStore, words: str | list[str]) -> list[ArticleHit]:
    """Return every article matching words, in rank order."""
    return list(store.search(words, limit=100).hits)


def test_round_trip(sample_issue: Issue) -> None:
    assert issue_from_dict(issue_to_dict(sample_issue)) == sample_issue


def test_same_content_twice_changes_nothing(store: IssueStore, sample_issue: Issue) -> None:
    assert store.save_issue(sample_issue, "a.txt").status == "new"
    before = store.list_issues()[0].updated_at
    assert store.save_issue(sample_issue, "a.txt").status == "unchanged"
    assert store.list_issues()[0].updated_at == before
    assert store.get_issue(sample_issue.id) == sample_issue
    assert store.count_issues() == 1


def test_correction_replaces_and_keeps_ids_of_unchanged_titles(
    store: IssueStore, settings: Settings, tmp_path: Path
) -> None:
    original = read_issue(SAMPLE_TXT, settings.paper, settings.reading).issue
    store.save_issue(original)
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    corrected_text = text.replace("卢国庆指出", "镇党委书记卢国庆指出").replace(
        "2020年虹桥镇精神文明建设暨决战全国文明城区创建推进大会召开",
        "虹桥镇精神文明建设推进大会召开",
    )
    corrected_path = tmp_path / SAMPLE_TXT.name
    corrected_path.write_text(corrected_text, encoding="utf-8")
    corrected = read_issue(corrected_path, settings.paper, settings.reading).issue
    result = store.save_issue(corrected)
    assert result.status == "updated" and result.previous_hash == original.content_hash
    stored = store.get_issue(original.id)
    assert stored.articles[0].id == original.articles[0].id
    assert "镇党委书记卢国庆指出" in stored.articles[0].body_text
    assert stored.articles[1].id != original.articles[1].id
    assert store.find_article(original.articles[1].id) is None
    assert store.count_issues() == 1


def test_lookup_and_search(store: IssueStore, sample_issue: Issue, settings: Settings) -> None:
    older = read_issue(
        SAMPLE_TXT, settings.paper, settings.reading, published=date(2020, 6, 1)
    ).issue
    store.save_issue(older)
    store.save_issue(sample_issue)
    assert store.latest_issue() == sample_issue
    assert [i.id for i in store.recent_issues()] == [sample_issue.id, older.id]
    looked_up = store.find_article(sample_issue.articles[1].id)
    assert looked_up is not None and looked_up[1] == sample_issue.articles[1]
    hits = found(store, ["垃圾分类"])
    assert [h.article.title for h in hits] == [sample_issue.articles[0].title] * 2
    assert hits[0].issue_id == sample_issue.id
    assert found(store, ["不存在的词"]) == []
    assert found(store, ["%"]) == found(store, ["%"])  # wildcards are inert
    with pytest.raises(NotFoundError):
        store.get_issue("nope")


def test_stages_follow_content(store: IssueStore) -> None:
    assert not store.stage_done("i", "audio", "h1")
    store.mark_stage("i", "audio", "h1")
    assert store.stage_done("i", "audio", "h1")
    assert not store.stage_done("i", "audio", "h2")
    store.mark_stage("i", "audio", "h2")
    assert store.stages("i") == {"audio": "h2"}


def test_parse_json_shape_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    assert main(["--data-dir", str(data_dir), "parse", str(SAMPLE_TXT), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"issue", "articles", "contact"}
    assert {"id", "title", "published"} <= set(data["issue"])
    assert {"id", "title", "kicker", "sections"} <= set(data["articles"][0])
    assert set(data["articles"][0]["sections"][0]) == {"heading", "paragraphs"}
    assert set(data["contact"]) == {"hotline", "email", "address", "editors"}
    assert not data_dir.exists()


def test_ingest_issues_show(
    settings: Settings, store: IssueStore, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The commands on the test's database (DATABASE_URL names it when it is PostgreSQL)."""
    data_dir = str(settings.data_dir)
    assert main(["--data-dir", data_dir, "ingest", str(SAMPLE_TXT)]) == 0
    assert "stored (2 articles)" in capsys.readouterr().out
    assert main(["--data-dir", data_dir, "ingest", str(SAMPLE_TXT)]) == 0
    assert "unchanged" in capsys.readouterr().out
    # The same articles under another date are the issue stored: content, not names or dates.
    assert (
        main(["--data-dir", data_dir, "ingest", str(SAMPLE_TXT), "--published", "2020-08-15"]) == 0
    )
    assert "jinhongqiao-2020-07-30: the same articles are stored already" in (
        capsys.readouterr().out
    )
    text = SAMPLE_TXT.read_text(encoding="utf-8").replace("年中工作会议", "八月工作会议")
    august = tmp_path / "august.txt"
    august.write_text(text, encoding="utf-8")
    assert main(["--data-dir", data_dir, "ingest", str(august), "--published", "2020-08-15"]) == 0
    assert main(["--data-dir", data_dir, "issues"]) == 0
    listing = capsys.readouterr().out
    assert listing.index("jinhongqiao-2020-08-15") < listing.index("jinhongqiao-2020-07-30")
    assert main(["--data-dir", data_dir, "show", "jinhongqiao-2020-08-15", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["issue"]["title"] == "金虹桥 2020年8月15日"
    assert main(["--data-dir", data_dir, "show", "nope"]) == 1
    assert "no issue 'nope'" in capsys.readouterr().err
    assert store.count_issues() == 2


def test_parse_warns_on_stderr_when_the_date_is_guessed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    undated = tmp_path / "issue.txt"
    undated.write_bytes(SAMPLE_TXT.read_bytes())
    assert main(["--data-dir", str(tmp_path / "d"), "parse", str(undated), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["issue"]["published"] == "2020-07-30"
    assert err.startswith(f"warning: {undated}: publication date 2020-07-30 guessed")
