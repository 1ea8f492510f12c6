"""A real S3-speaking server for the tests: moto's server mode on 127.0.0.1 and a free port.

`moto_s3` starts one server per test module; `bucket_target` gives a test its own empty bucket
and a PublishTarget for it. `KeyLog` records the PutObject and DeleteObject calls a client makes (a
botocore event hook on the real client: the requests still go to the server).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tingbao.paper.settings import Secret
from tingbao.publish.s3 import PublishTarget

REGION = "us-east-1"
KEY_ID = "tingbao-test-key"
SECRET = "tingbao-test-secret-never-printed"


def s3_env(endpoint: str, bucket: str, prefix: str = "") -> dict[str, str]:
    """Return the environment that publishes into bucket/prefix at endpoint."""
    return {
        "TINGBAO_PUBLISH": f"s3://{bucket}/{prefix}",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_MAX_ATTEMPTS": "1",
    }


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[str]:
    """Run moto's S3 server for a test module; yield its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket_target(moto_s3: str) -> PublishTarget:
    """Create an empty bucket on the module's server; return a target for it under news/."""
    bucket = f"tingbao-{uuid.uuid4().hex[:12]}"
    target = PublishTarget(
        bucket=bucket,
        prefix="news/",
        endpoint_url=moto_s3,
        region=REGION,
        access_key_id=KEY_ID,
        secret_access_key=Secret(SECRET),
        max_attempts=1,
    )
    raw_client(target).create_bucket(Bucket=bucket)
    return target


def raw_client(target: PublishTarget) -> Any:
    """Return a plain boto3 client for the server of target (to look at the bucket directly)."""
    return boto3.client(
        "s3",
        endpoint_url=target.endpoint_url,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )


@dataclass
class KeyLog:
    """The objects a client put and deleted, in order: ("put" or "delete", key)."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def attach(self, client: Any) -> KeyLog:
        events = client.meta.events
        events.register("before-parameter-build.s3.PutObject", partial(self._record, "put"))
        events.register("before-parameter-build.s3.DeleteObject", partial(self._record, "delete"))
        return self

    def _record(self, operation: str, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((operation, params["Key"]))

    @property
    def puts(self) -> list[str]:
        """Return the keys put, in order."""
        return [key for operation, key in self.calls if operation == "put"]
