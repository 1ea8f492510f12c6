"""S3Publisher against moto's real S3 server on 127.0.0.1: types, cache headers, change detection,
read back, delete, errors; and the TINGBAO_PUBLISH loader."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests import s3 as s3_server
from tests.s3 import KEY_ID, SECRET, KeyLog, raw_client, s3_env
from tingbao.paper.errors import SettingsError
from tingbao.publish.errors import (
    PublishNotFoundError,
    PublishRefusedError,
    PublishUnavailableError,
    UnsafePathError,
)
from tingbao.publish.s3 import (
    MEDIA_CACHE,
    SHORT_CACHE,
    STATIC_CACHE,
    PublishTarget,
    S3Publisher,
    load_publish_target,
    open_s3_publisher,
)

moto_s3 = s3_server.moto_s3  # one server for this module
bucket_target = s3_server.bucket_target


@pytest.fixture
def publisher(bucket_target: PublishTarget) -> S3Publisher:
    return open_s3_publisher(bucket_target)


STORED = [
    ("feed.xml", b"<rss/>", "application/rss+xml; charset=utf-8", SHORT_CACHE),
    ("podcast.xml", b"<rss/>", "application/rss+xml; charset=utf-8", SHORT_CACHE),
    ("atom.xml", b"<feed/>", "application/atom+xml; charset=utf-8", SHORT_CACHE),
    ("index.html", "<p>金虹桥</p>".encode(), "text/html; charset=utf-8", SHORT_CACHE),
    ("jinhongqiao/feed.xml", b"<rss/>", "application/rss+xml; charset=utf-8", SHORT_CACHE),
    ("audio/2020-07-30/a1.mp3", b"ID3mp3", "audio/mpeg", MEDIA_CACHE),
    ("audio/2020-07-30/a1.ogg", b"OggS", "audio/ogg", MEDIA_CACHE),
    ("audio/2020-07-30/a1.vtt", b"WEBVTT", "text/vtt; charset=utf-8", MEDIA_CACHE),
    ("audio/2020-07-30/issue.chapters.json", b"{}", "application/json", MEDIA_CACHE),
    ("tingbao.css", b"body{}", "text/css; charset=utf-8", STATIC_CACHE),
    ("cover.png", b"\x89PNG", "image/png", STATIC_CACHE),
]


@pytest.mark.parametrize(("relpath", "data", "ctype", "cache"), STORED)
def test_objects_carry_their_type_and_cache_policy(
    publisher: S3Publisher, relpath: str, data: bytes, ctype: str, cache: str
) -> None:
    assert publisher.write_bytes(relpath, data)
    head = raw_client(publisher.target).head_object(
        Bucket=publisher.target.bucket, Key=f"news/{relpath}"
    )
    assert (head["ContentType"], head["CacheControl"]) == (ctype, cache)
    assert head["ContentLength"] == len(data)


def test_unchanged_bytes_are_not_uploaded_again(bucket_target: PublishTarget) -> None:
    first = open_s3_publisher(bucket_target)
    log = KeyLog().attach(first.client)
    assert first.write_bytes("index.html", b"one")
    assert not first.write_bytes("index.html", b"one")
    assert first.write_bytes("index.html", b"two")
    assert log.puts == ["news/index.html", "news/index.html"]
    # A new process knows what is stored from one listing, not from the bytes it wrote.
    second = open_s3_publisher(bucket_target)
    log = KeyLog().attach(second.client)
    assert not second.write_bytes("index.html", b"two")
    assert second.write_bytes("index.html", b"three")
    assert log.puts == ["news/index.html"]


def test_one_listing_answers_exists_and_size(bucket_target: PublishTarget) -> None:
    writer = open_s3_publisher(bucket_target)
    for n in range(30):
        writer.write_bytes(f"audio/i/{n}.mp3", b"x" * n)
    reader = open_s3_publisher(bucket_target)
    calls: list[str] = []
    reader.client.meta.events.register(
        "before-call.s3", lambda model, **_: calls.append(model.name)
    )
    assert all(reader.exists(f"audio/i/{n}.mp3") for n in range(30))
    assert [reader.size(f"audio/i/{n}.mp3") for n in range(30)] == list(range(30))
    assert calls == ["ListObjectsV2"]
    assert not reader.exists("audio/i/missing.mp3")  # asked once: another process may add it
    writer.write_bytes("audio/i/new.mp3", b"new")
    assert reader.exists("audio/i/new.mp3") and reader.size("audio/i/new.mp3") == 3
    assert calls == ["ListObjectsV2", "HeadObject", "HeadObject"]


def test_an_old_listing_is_listed_again_before_a_write(bucket_target: PublishTarget) -> None:
    now = [0.0]
    target = bucket_target
    leader = S3Publisher(target, open_s3_publisher(target).client, clock=lambda: now[0])
    assert leader.write_bytes("feed.xml", b"mine")
    open_s3_publisher(target).write_bytes("feed.xml", b"a standby's")  # while this one waited
    now[0] = 301.0
    assert leader.write_bytes("feed.xml", b"mine")  # not skipped on the old listing
    assert leader.read_bytes("feed.xml") == b"mine"


def test_read_back_delete_and_missing(publisher: S3Publisher, tmp_path: Path) -> None:
    data = "社区食堂开张".encode()
    publisher.write_bytes("audio/i/a.vtt", data)
    assert publisher.read_bytes("audio/i/a.vtt") == data
    source = tmp_path / "episode.mp3"
    source.write_bytes(b"ID3 episode")
    publisher.write_file("audio/i/issue.mp3", source)
    assert not source.exists()
    assert publisher.read_bytes("audio/i/issue.mp3") == b"ID3 episode"
    publisher.delete("audio/i/a.vtt")
    publisher.delete("audio/i/a.vtt")  # deleting what is gone is fine
    assert not publisher.exists("audio/i/a.vtt")
    with pytest.raises(FileNotFoundError):
        publisher.read_bytes("audio/i/a.vtt")
    with pytest.raises(FileNotFoundError):
        publisher.size("audio/i/a.vtt")
    keys = raw_client(publisher.target).list_objects_v2(Bucket=publisher.target.bucket)
    assert [item["Key"] for item in keys["Contents"]] == ["news/audio/i/issue.mp3"]


def test_paths_stay_inside_the_prefix(publisher: S3Publisher) -> None:
    with pytest.raises(ValueError, match="not a safe public path"):
        publisher.write_bytes("../other/feed.xml", b"x")


def test_errors_are_the_publishers_family(publisher: S3Publisher) -> None:
    with pytest.raises(PublishNotFoundError, match="is not published"):
        publisher.read_bytes("audio/i/never.vtt")
    with pytest.raises(PublishNotFoundError):
        publisher.size("audio/i/never.vtt")
    with pytest.raises(UnsafePathError):
        publisher.read_bytes("/feed.xml")


def test_probe_writes_and_removes_an_object(publisher: S3Publisher) -> None:
    detail = publisher.probe()
    target = publisher.target
    assert detail == f"s3://{target.bucket}/news/ at {target.endpoint_url} is writable"
    listed = raw_client(publisher.target).list_objects_v2(Bucket=publisher.target.bucket)
    assert listed["KeyCount"] == 0


def test_an_unreachable_endpoint_is_one_line_without_the_keys(
    bucket_target: PublishTarget,
) -> None:
    target = dataclasses.replace(bucket_target, endpoint_url="http://127.0.0.1:9")
    with pytest.raises(PublishUnavailableError) as caught:
        open_s3_publisher(target).write_bytes("feed.xml", b"x")
    message = str(caught.value)
    assert (
        message
        == f"listing on s3://{target.bucket}/news/ at http://127.0.0.1:9 failed: cannot connect"
    )
    assert "\n" not in message and SECRET not in message and KEY_ID not in message


def test_a_missing_bucket_is_refused(bucket_target: PublishTarget) -> None:
    target = dataclasses.replace(bucket_target, bucket="no-such-bucket-here")
    with pytest.raises(PublishRefusedError, match="NoSuchBucket"):
        open_s3_publisher(target).write_bytes("feed.xml", b"x")


def test_loader_reads_the_standard_variables() -> None:
    env = s3_env("http://oss.example:9000", "papers", "shanghai/") | {
        "TINGBAO_PUBLISH_ADDRESSING": "virtual"
    }
    target = load_publish_target(env)
    assert target is not None
    assert (target.bucket, target.prefix, target.endpoint_url) == (
        "papers",
        "shanghai/",
        "http://oss.example:9000",
    )
    assert (target.region, target.access_key_id, target.addressing) == (
        "us-east-1",
        KEY_ID,
        "virtual",
    )
    assert target.secret_access_key is not None and SECRET not in repr(target)
    assert load_publish_target({}) is None
    assert load_publish_target({"TINGBAO_PUBLISH": "s3://papers"}) == PublishTarget("papers")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"TINGBAO_PUBLISH": "ftp://x"},
            "TINGBAO_PUBLISH: 'ftp://x' must be s3://bucket[/prefix]",
        ),
        (
            {"TINGBAO_PUBLISH": "s3://AKIDEXAMPLE:s3cr3t@Bad_Bucket/x"},  # keys never echoed
            "TINGBAO_PUBLISH: 's3://…@Bad_Bucket/x' must be s3://bucket[/prefix]",
        ),
        (
            {"TINGBAO_PUBLISH": "s3://Bad_Bucket/x"},
            "TINGBAO_PUBLISH: 's3://Bad_Bucket/x' must be s3://bucket[/prefix]",
        ),
        (
            {"TINGBAO_PUBLISH": "s3://papers/a/../b"},
            "TINGBAO_PUBLISH: 's3://papers/a/../b' must be s3://bucket[/prefix]",
        ),
        (
            {"TINGBAO_PUBLISH": "s3://papers", "TINGBAO_PUBLISH_ADDRESSING": "dns"},
            "TINGBAO_PUBLISH_ADDRESSING='dns' must be auto, virtual or path",
        ),
        (
            {"TINGBAO_PUBLISH": "s3://papers", "AWS_ACCESS_KEY_ID": "k"},
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together",
        ),
    ],
)
def test_loader_refuses_bad_values_in_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_publish_target(env)
    assert str(caught.value) == message


def test_a_target_never_shows_its_keys_and_hands_them_for_redaction() -> None:
    env = {**s3_env("http://127.0.0.1:9", "papers"), "AWS_SESSION_TOKEN": "token-value"}
    target = load_publish_target(env)
    assert target is not None
    assert target.credentials() == (KEY_ID, SECRET, "token-value")
    for secret in target.credentials():
        assert secret not in repr(target) and secret not in target.where
    assert PublishTarget("papers").credentials() == ()  # boto3's own chain: none known
