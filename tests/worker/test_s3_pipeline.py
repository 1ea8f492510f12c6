"""Publishing to object storage end to end, against moto's real S3 server on 127.0.0.1: a worker
pass puts audio, pages and feeds in the bucket (feeds last, links from TINGBAO_BASE_URL), a second
pass uploads nothing, a correction deletes dropped audio only after the feeds stop linking it; the
CLI's worker and check with TINGBAO_PUBLISH."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import s3 as s3_server
from tests.s3 import KeyLog, raw_client, s3_env
from tests.worker.conftest import World, write_small_issue
from tingbao.cli.context import bucket_notice
from tingbao.cli.main import main
from tingbao.publish.s3 import PublishTarget, S3Publisher, open_s3_publisher
from tingbao.store.engine import Database
from tingbao.worker.settings import Settings, load_settings

moto_s3 = s3_server.moto_s3  # one server for this module
bucket_target = s3_server.bucket_target

BASE_URL = "https://cdn.example.cn/jinhongqiao/"
FEEDS = ("news/feed.xml", "news/atom.xml", "news/podcast.xml")
ISSUE = "jinhongqiao-2021-07-02"


def bucket_keys(target: PublishTarget) -> dict[str, str]:
    """Return every key in the bucket with its Content-Type."""
    client = raw_client(target)
    listed = client.list_objects_v2(Bucket=target.bucket).get("Contents", [])
    return {
        item["Key"]: client.head_object(Bucket=target.bucket, Key=item["Key"])["ContentType"]
        for item in listed
    }


@pytest.fixture
def s3_publisher(bucket_target: PublishTarget) -> S3Publisher:
    return open_s3_publisher(bucket_target)


@pytest.fixture
def s3_world(settings: Settings, db: Database, s3_publisher: S3Publisher) -> World:
    """The pipeline world with its audio and site published to the bucket."""
    world = World(settings.with_overrides(base_url=BASE_URL), db)
    world.publisher = world.audio.publisher = s3_publisher
    return world


async def test_a_pass_puts_audio_and_pages_before_the_feeds(
    s3_world: World, s3_publisher: S3Publisher, bucket_target: PublishTarget
) -> None:
    log = KeyLog().attach(s3_publisher.client)
    write_small_issue(s3_world.settings.inbox_dir)
    report = await s3_world.pipeline.run_inbox()
    assert report.stored == [ISSUE] and report.site_built
    keys = bucket_keys(bucket_target)
    assert {key: keys[key] for key in FEEDS} == {
        "news/feed.xml": "application/rss+xml; charset=utf-8",
        "news/atom.xml": "application/atom+xml; charset=utf-8",
        "news/podcast.xml": "application/rss+xml; charset=utf-8",
    }
    assert keys["news/index.html"] == "text/html; charset=utf-8"
    audio = sorted(k for k in keys if k.startswith(f"news/audio/{ISSUE}/"))
    assert len(audio) == 2 and {keys[k] for k in audio} == {"audio/mpeg"}
    feed = s3_world.publisher.read_bytes("feed.xml").decode()
    for key in audio:
        assert f'url="{BASE_URL}{key.removeprefix("news/")}"' in feed

    puts = log.puts
    assert sorted(puts[:2]) == audio  # the audio first, then the pages, then the feeds
    first_feed = min(puts.index(key) for key in FEEDS)
    pages = [k for k in puts if k.endswith(".html")]
    assert pages and all(puts.index(page) < first_feed for page in pages)
    assert set(puts[first_feed:]) <= {*FEEDS, "news/.pages-manifest.txt"}

    log.calls.clear()
    again = await s3_world.pipeline.reconcile()
    assert not again.site_built and log.calls == []  # nothing changed, nothing uploaded


async def test_a_correction_deletes_dropped_audio_after_the_feeds_changed(
    s3_world: World, s3_publisher: S3Publisher, bucket_target: PublishTarget
) -> None:
    inbox = s3_world.settings.inbox_dir
    write_small_issue(inbox)
    await s3_world.pipeline.run_inbox()
    issue = s3_world.issues.get_issue(ISSUE)
    dropped = f"news/audio/{ISSUE}/{issue.articles[1].id}.mp3"
    log = KeyLog().attach(s3_publisher.client)
    text = (s3_world.settings.inbox_done_dir / "news-2021-07-02.txt").read_text(encoding="utf-8")
    shorter = text.split("消夏活动开始")[0] + text[text.index("本报编审团") :]
    (inbox / "news-2021-07-02.txt").write_text(shorter, encoding="utf-8")
    await s3_world.pipeline.run_inbox()
    assert log.calls.index(("delete", dropped)) > log.calls.index(("put", "news/feed.xml"))
    assert dropped not in bucket_keys(bucket_target)
    assert issue.articles[1].id not in s3_world.publisher.read_bytes("feed.xml").decode()


def s3_cli_env(monkeypatch: pytest.MonkeyPatch, endpoint: str, bucket: str) -> None:
    for name, value in s3_env(endpoint, bucket, "news").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TINGBAO_TTS", "offline")
    monkeypatch.setenv("TINGBAO_BASE_URL", BASE_URL)


@pytest.mark.slow
def test_cli_worker_publishes_real_audio_to_the_bucket(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bucket_target: PublishTarget
) -> None:
    assert bucket_target.endpoint_url is not None
    s3_cli_env(monkeypatch, bucket_target.endpoint_url, bucket_target.bucket)
    data = tmp_path / "data"
    write_small_issue(data / "inbox")
    assert main(["--data-dir", str(data), "worker", "--once"]) == 0
    keys = bucket_keys(bucket_target)
    assert keys[f"news/audio/{ISSUE}/issue.mp3"] == "audio/mpeg"
    assert keys[f"news/audio/{ISSUE}/issue.vtt"] == "text/vtt; charset=utf-8"
    assert {*FEEDS, "news/index.html"} <= set(keys)
    podcast = raw_client(bucket_target).get_object(
        Bucket=bucket_target.bucket, Key="news/podcast.xml"
    )
    assert f"{BASE_URL}audio/{ISSUE}/issue.mp3".encode() in podcast["Body"].read()
    assert not (data / "public" / "feed.xml").exists()  # nothing went to the local folder


def test_cli_check_probes_the_bucket(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    bucket_target: PublishTarget,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bucket_target.endpoint_url is not None
    s3_cli_env(monkeypatch, bucket_target.endpoint_url, bucket_target.bucket)
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "check", "--no-voice", "--no-bot"]) == 0
    where = f"s3://{bucket_target.bucket}/news/ at {bucket_target.endpoint_url}"
    assert f"ok   public: {where} is writable" in capsys.readouterr().out
    assert bucket_keys(bucket_target) == {}  # the probe object is gone

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    assert main(["--data-dir", data, "check", "--no-voice", "--no-bot"]) == 1
    out = capsys.readouterr().out
    nowhere = f"s3://{bucket_target.bucket}/news/ at http://127.0.0.1:9"
    assert f"FAIL public: listing on {nowhere} failed: cannot connect\n" in out
    assert s3_server.SECRET not in out


def test_cli_refuses_a_bad_publish_target_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TINGBAO_PUBLISH", "ftp://x")
    assert main(["--data-dir", str(tmp_path / "data"), "check", "--no-voice", "--no-bot"]) == 1
    assert capsys.readouterr().err == (
        "tingbao: bad setting: TINGBAO_PUBLISH: 'ftp://x' must be s3://bucket[/prefix]\n"
    )


def test_serving_says_the_site_is_in_the_bucket(tmp_path: Path) -> None:
    env = s3_env("http://127.0.0.1:9", "papers", "news") | {"TINGBAO_BASE_URL": BASE_URL}
    assert bucket_notice(load_settings(env, data_dir=tmp_path)) == (
        f"public files go to s3://papers/news/; the site is served from there at {BASE_URL}"
        " (TINGBAO_BASE_URL), not by this process"
    )
    assert bucket_notice(load_settings({}, data_dir=tmp_path)) is None
