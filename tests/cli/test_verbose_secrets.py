"""`tingbao -v build` publishing to object storage, as the probe ran it: a child process with
debug logs on stderr, against moto's real S3 server. botocore logs each request's signed headers
at DEBUG (Authorization: … Credential=KEY_ID/…): neither the key id nor the secret may appear."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import s3 as s3_server
from tests.s3 import KEY_ID, SECRET, raw_client, s3_env
from tingbao.publish.s3 import PublishTarget

moto_s3 = s3_server.moto_s3  # one server for this module
bucket_target = s3_server.bucket_target

pytestmark = [pytest.mark.subprocess]


def test_verbose_build_logs_no_credentials(tmp_path: Path, bucket_target: PublishTarget) -> None:
    assert bucket_target.endpoint_url is not None
    env = {
        **os.environ,
        **s3_env(bucket_target.endpoint_url, bucket_target.bucket, "news"),
        "TINGBAO_TTS": "offline",
        "TINGBAO_OFFLINE_VOICE": "espeak",
        "TINGBAO_BASE_URL": "https://cdn.example.cn/news/",
        "AWS_SESSION_TOKEN": "tingbao-test-session-token",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "tingbao.cli.main", "-v", "--data-dir", str(tmp_path), "build"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    logged = done.stdout + done.stderr
    assert " DEBUG " in logged  # -v was in force
    for secret in (KEY_ID, SECRET, "tingbao-test-session-token"):
        assert secret not in logged
    listed = raw_client(bucket_target).list_objects_v2(Bucket=bucket_target.bucket)
    keys = {item["Key"] for item in listed.get("Contents", [])}
    assert {"news/feed.xml", "news/index.html"} <= keys  # the build did publish
