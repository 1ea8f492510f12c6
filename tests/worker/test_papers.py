"""Two papers in one deployment, end to end: TINGBAO_PAPERS, inbox/<slug>/, audio in each paper's
voice, each paper's feeds and pages in public/<slug>/, the index of the papers, outbox rows for
each paper's subscribers and each paper's channel; a new issue of one paper leaves the other's
files alone."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.worker.conftest import SMALL_ISSUE, CountingAudio
from tingbao.chat.channel_store import ChannelIssueRow
from tingbao.chat.subscribers import SubscriberStore
from tingbao.chat.tables import OutboxRow
from tingbao.cli.context import Context, open_context
from tingbao.cli.services import make_services
from tingbao.worker.pipeline import RunReport
from tingbao.worker.settings import Settings, load_settings

PAPERS_TOML = """
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
channel = "@xinzhuang_news"
admins = [7001]
"""
A, B = "jinhongqiao", "xinzhuang"


def two_papers(settings: Settings) -> Settings:
    """Return settings like the test's, serving the two papers of PAPERS_TOML."""
    papers = settings.data_dir.parent / "papers.toml"
    papers.write_text(PAPERS_TOML, encoding="utf-8")
    env = {
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "TINGBAO_BASE_URL": "http://127.0.0.1:8080/",
        "DATABASE_URL": settings.database_url,
        "TINGBAO_PAPERS": str(papers),
    }
    return load_settings(env, data_dir=settings.data_dir)


def drop(settings: Settings, folder: str, name: str, town: str = "虹桥镇") -> Path:
    """Write the small issue (told in a town) into a folder of the inbox."""
    inbox = settings.inbox_dir / folder if folder else settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name
    path.write_text(SMALL_ISSUE.replace("虹桥镇", town), encoding="utf-8")
    return path


async def run_pass(settings: Settings) -> RunReport:
    """Run one pass of the deployment's own pipeline, with counting audio for each paper."""
    with open_context(settings) as ctx:
        services = make_services(ctx)
        try:
            for work in services.pipeline.papers:
                folder = settings.public_folder(work.paper)
                work.audio = CountingAudio(ctx.assets, ctx.publisher, folder=folder)
            return await services.pipeline.run_inbox()
        finally:
            services.close()


def files_of(root: Path) -> dict[str, tuple[bytes, int]]:
    """Return every file under root with its bytes and modification time."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def rows(ctx: Context) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """Return the outbox's (chat, issue) rows and the channel queue's (issue, channel) rows."""
    with ctx.db.session() as session:
        outbox = session.execute(select(OutboxRow.chat_id, OutboxRow.issue_id)).all()
        channel = session.execute(select(ChannelIssueRow.issue_id, ChannelIssueRow.channel)).all()
    return sorted((r[0], r[1]) for r in outbox), sorted((r[0], r[1]) for r in channel)


async def test_two_papers_end_to_end(settings: Settings) -> None:
    settings = two_papers(settings)
    with open_context(settings) as ctx:
        subscribers = SubscriberStore(ctx.db)
        subscribers.add_many([101, 102], paper=A)
        subscribers.add_many([102, 201], paper=B)
    drop(settings, A, "news-2021-07-02.txt")
    drop(settings, B, "news-2021-07-02.txt", town="莘庄镇")
    stray = drop(settings, "", "news-2021-07-03.txt")

    report = await run_pass(settings)

    a_id, b_id = f"{A}-2021-07-02", f"{B}-2021-07-02"
    assert sorted(report.stored) == [a_id, b_id]
    assert report.failed == [stray.name]
    reason = (settings.inbox_failed_dir / f"{stray.name}.error.txt").read_text(encoding="utf-8")
    assert "inbox/<slug>/" in reason and "jinhongqiao, xinzhuang" in reason
    assert (settings.inbox_dir / A / "done" / "news-2021-07-02.txt").is_file()
    assert (settings.inbox_dir / B / "done" / "news-2021-07-02.txt").is_file()

    public = settings.public_dir
    a_home = (public / A / "index.html").read_text(encoding="utf-8")
    b_home = (public / B / "index.html").read_text(encoding="utf-8")
    assert "<title>金虹桥</title>" in a_home and f"issues/{a_id}.html" in a_home
    assert "<title>莘庄</title>" in b_home and f"issues/{b_id}.html" in b_home
    b_issue = (public / B / "issues" / f"{b_id}.html").read_text(encoding="utf-8")
    assert "莘庄镇" in b_issue and "虹桥镇" not in b_issue
    a_feed = (public / A / "feed.xml").read_text(encoding="utf-8")
    assert f"http://127.0.0.1:8080/{A}/audio/{a_id}/" in a_feed and b_id not in a_feed
    assert any((public / B / "audio" / b_id).iterdir())
    assert not (public / "feed.xml").exists() and not (public / "audio").exists()
    index = (public / "index.html").read_text(encoding="utf-8")
    assert f'href="{A}/index.html"' in index and f'href="{B}/podcast.xml"' in index
    assert index.index("金虹桥") < index.index("莘庄") and 'lang="zh-CN"' in index
    assert (public / "static" / "tingbao.css").is_file()

    with open_context(settings) as ctx:
        outbox, channel = rows(ctx)
    assert outbox == [(101, a_id), (102, a_id), (102, b_id), (201, b_id)]
    assert channel == [(a_id, "@jinhongqiao_news"), (b_id, "@xinzhuang_news")]

    # A new issue of one paper rebuilds that paper's files only.
    b_before, index_before = files_of(public / B), files_of(public)["index.html"]
    a_feed_before = (public / A / "feed.xml").read_bytes()
    drop(settings, A, "news-2021-08-06.txt", town="虹桥地区")  # a new issue: new content
    again = await run_pass(settings)
    assert again.stored == [f"{A}-2021-08-06"] and again.notified == {f"{A}-2021-08-06": 2}
    assert files_of(public / B) == b_before
    assert files_of(public)["index.html"] == index_before
    assert (public / A / "feed.xml").read_bytes() != a_feed_before


def test_each_paper_gets_its_own_voice(settings: Settings) -> None:
    settings = two_papers(settings)
    with open_context(settings) as ctx:
        services = make_services(ctx)
        try:
            voices = [(a.paper.slug, a.settings.voice, a.paper_folder) for a in services.audio]
        finally:
            services.close()
    assert voices == [(A, "zh-CN-XiaoxiaoNeural", f"{A}/"), (B, "zh-CN-YunxiNeural", f"{B}/")]


async def test_one_paper_in_the_papers_file_takes_top_level_files(settings: Settings) -> None:
    one = settings.data_dir.parent / "one.toml"
    one.write_text(PAPERS_TOML.split("[[papers]]")[1].join(["[[papers]]", ""]), encoding="utf-8")
    env = {
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "DATABASE_URL": settings.database_url,
    }
    settings = load_settings({**env, "TINGBAO_PAPERS": str(one)}, data_dir=settings.data_dir)
    drop(settings, "", "news-2021-07-02.txt")
    report = await run_pass(settings)
    assert report.stored == [f"{A}-2021-07-02"]
    assert (settings.public_dir / A / "feed.xml").is_file()
    assert (settings.inbox_done_dir / "news-2021-07-02.txt").is_file()


async def test_build_of_one_paper_works_on_that_paper_only(settings: Settings) -> None:
    settings = two_papers(settings)
    drop(settings, A, "news-2021-07-02.txt")
    drop(settings, B, "news-2021-07-02.txt", town="莘庄镇")
    report = await run_pass(settings.only(settings.paper_named(B)))
    assert sorted(report.stored) == [f"{A}-2021-07-02", f"{B}-2021-07-02"]
    assert report.audio == [f"{B}-2021-07-02"]
    assert not (settings.public_dir / A).exists()
    index = (settings.public_dir / "index.html").read_text(encoding="utf-8")
    assert "金虹桥" in index and "莘庄" in index  # the index still lists every paper
