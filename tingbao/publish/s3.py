"""Publish public/ into S3-compatible object storage (AWS S3, Aliyun OSS, Tencent COS, MinIO).

TINGBAO_PUBLISH=s3://bucket/prefix turns it on (`load_publish_target`); the endpoint, region and
keys are the standard AWS_ENDPOINT_URL, AWS_DEFAULT_REGION (or AWS_REGION), AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), taken from the mapping the CLI hands in and passed
to boto3 explicitly. TINGBAO_PUBLISH_ADDRESSING=virtual|path|auto picks the bucket addressing
(Aliyun OSS and Tencent COS need virtual, a MinIO without a domain needs path).

`S3Publisher` keeps the Publisher's promises in a bucket:
- each object carries its Content-Type and a Cache-Control: feeds and pages short (a minute);
  audio, transcripts and chapters longer with revalidation, because their names carry no content
  hash (a corrected article is re-read in place, audio/<issue>/<article>.mp3), so they must not be
  cached as immutable;
- a write of the bytes already stored uploads nothing: the prefix is listed once, and each
  object's ETag (the MD5 of a single-part upload) is compared with the new bytes' MD5; uploads
  send Content-MD5 so the server checks them. The listing is kept up to date by this publisher's
  own writes and deletes; a write lists again when it is older than `listing_ttl_s` (a worker
  that leads again after a standby wrote must not trust an old listing), reads never wait for a
  new listing and ask for an object the listing lacks (a bot replica sees new audio at once);
- writes are synchronous, in call order, so the pipeline's order (audio, then pages, then feeds)
  holds in the bucket and a reader never sees a feed whose audio or pages are missing.
Transient failures (5xx, throttling, timeouts) are retried by botocore's standard retry mode.

Failures are the publish part's (errors.py), in one line without a key: unreachable or failing
after retries is PublishUnavailableError, refused (keys, bucket, permissions) is
PublishRefusedError, a missing object is PublishNotFoundError. boto3 is imported only when a
client is made, so the rest of tingbao loads without it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import Secret, env_int
from tingbao.publish.errors import (
    PublishNotFoundError,
    PublishRefusedError,
    PublishUnavailableError,
)
from tingbao.publish.publisher import content_type, safe_relpath

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

SHORT_CACHE = "public, max-age=60"  # feeds, pages, anything that changes with each issue
# Audio names carry no content hash: an hour bounds how long a corrected reading stays stale.
MEDIA_CACHE = "public, max-age=3600, must-revalidate"
STATIC_CACHE = "public, max-age=3600"  # stylesheet, script, cover image

MEDIA_SUFFIXES = (".mp3", ".ogg", ".opus", ".vtt", ".chapters.json")
STATIC_SUFFIXES = (".css", ".js", ".png", ".jpg")
ADDRESSING = ("auto", "virtual", "path")
BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"


@dataclass(frozen=True)
class PublishTarget:
    """Where and how to reach the bucket public/ is published to."""

    bucket: str
    prefix: str = ""  # "" or "folder/" inside the bucket
    endpoint_url: str | None = None  # None: AWS itself
    region: str | None = None
    # None: boto3's own chain (instance role, ~/.aws). Not a secret alone, but never shown: with
    # the secret it signs, and it names the account.
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: Secret | None = None
    session_token: Secret | None = None
    addressing: str = "auto"
    max_attempts: int = 3  # botocore's standard retry mode, first try included

    @property
    def url(self) -> str:
        """Return the s3:// address (no keys in it)."""
        return f"s3://{self.bucket}/{self.prefix}"

    def credentials(self) -> tuple[str, ...]:
        """Return the key id, secret and session token given (AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), for keeping them out of the logs."""
        given = (
            self.access_key_id,
            self.secret_access_key.get() if self.secret_access_key else None,
            self.session_token.get() if self.session_token else None,
        )
        return tuple(value for value in given if value)

    @property
    def where(self) -> str:
        """Return the bucket and endpoint for messages (any user:password in it left out)."""
        return (
            f"{self.url} at {without_userinfo(self.endpoint_url) if self.endpoint_url else 'AWS'}"
        )


def without_userinfo(url: str) -> str:
    """Return url without a user:password@ part, for messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="…@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def load_publish_target(env: Mapping[str, str]) -> PublishTarget | None:
    """Return the object storage of TINGBAO_PUBLISH, or None to publish into the local folder."""
    raw = env.get("TINGBAO_PUBLISH", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    prefix = parts.path.strip("/")
    prefix_ok = not prefix or all(p not in ("", ".", "..") for p in prefix.split("/"))
    if (
        parts.scheme != "s3"
        or not re.fullmatch(BUCKET_NAME, parts.netloc)
        or parts.query
        or parts.fragment
        or not prefix_ok
    ):
        shown = without_userinfo(raw)  # keys written into the URL are never echoed
        raise SettingsError(f"TINGBAO_PUBLISH: {shown!r} must be s3://bucket[/prefix]")
    addressing = env.get("TINGBAO_PUBLISH_ADDRESSING") or "auto"
    if addressing not in ADDRESSING:
        raise SettingsError(
            f"TINGBAO_PUBLISH_ADDRESSING={addressing!r} must be auto, virtual or path"
        )
    key_id = env.get("AWS_ACCESS_KEY_ID") or None
    secret = env.get("AWS_SECRET_ACCESS_KEY") or None
    if (key_id is None) != (secret is None):
        raise SettingsError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
    token = env.get("AWS_SESSION_TOKEN") or None
    return PublishTarget(
        bucket=parts.netloc,
        prefix=f"{prefix}/" if prefix else "",
        endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        region=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or None,
        access_key_id=key_id,
        secret_access_key=Secret(secret) if secret else None,
        session_token=Secret(token) if token else None,
        addressing=addressing,
        max_attempts=env_int(env, "AWS_MAX_ATTEMPTS", 3, minimum=1),
    )


def cache_control(relpath: str) -> str:
    """Return the Cache-Control of a public file: media long, static middling, the rest short."""
    name = relpath.lower()
    if name.endswith(MEDIA_SUFFIXES):
        return MEDIA_CACHE
    if name.endswith(STATIC_SUFFIXES):
        return STATIC_CACHE
    return SHORT_CACHE


def make_s3_client(target: PublishTarget) -> Any:
    """Return a boto3 S3 client for target, with standard retries and short connect timeouts."""
    import boto3  # imported here: only a deployment publishing to a bucket needs it
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=target.access_key_id,
        aws_secret_access_key=target.secret_access_key.get() if target.secret_access_key else None,
        aws_session_token=target.session_token.get() if target.session_token else None,
        region_name=target.region,
    )
    config = Config(
        retries={"mode": "standard", "max_attempts": target.max_attempts},
        connect_timeout=5,
        read_timeout=60,
        s3={"addressing_style": target.addressing},
        # S3-compatible services (OSS, COS, older MinIO) reject botocore's default CRC checksums;
        # uploads carry Content-MD5 instead.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.client("s3", endpoint_url=target.endpoint_url, config=config)


@dataclass(frozen=True)
class _Stored:
    md5: str  # lower-case hex; an ETag that is not an MD5 (multipart, SSE-KMS) never matches
    size: int


def _not_found(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3Publisher:
    """Publish into a bucket under a prefix (see the module docstring for what it promises)."""

    def __init__(
        self,
        target: PublishTarget,
        client: Any,
        *,
        listing_ttl_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.client = client
        self.listing_ttl_s = listing_ttl_s
        self.clock = clock
        self._listed: dict[str, _Stored] | None = None
        self._listed_at = 0.0
        self._lock = threading.Lock()

    def _key(self, relpath: str) -> str:
        return self.target.prefix + safe_relpath(relpath)

    def _call(self, operation: str, relpath: str, call: Callable[[], Any]) -> Any:
        """Run one request; turn botocore's failures into one-line PublishErrors."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            ReadTimeoutError,
        )

        what = f"{operation} {relpath}".rstrip() + f" on {self.target.where} failed"
        try:
            return call()
        except ClientError as exc:
            if _not_found(exc):
                raise PublishNotFoundError(f"{self.target.url}{relpath} is not published") from None
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            message = " ".join(str(error.get("Message", "")).split())  # one line, whatever it was
            detail = f"{error.get('Code', status)}: {message}".rstrip(": ")
            kind = (
                PublishUnavailableError if status >= 500 or status == 429 else PublishRefusedError
            )
            raise kind(f"{what}: {detail}") from None
        except NoCredentialsError:
            raise PublishRefusedError(f"{what}: no credentials (AWS_ACCESS_KEY_ID)") from None
        except (EndpointConnectionError, ConnectTimeoutError):
            raise PublishUnavailableError(f"{what}: cannot connect") from None
        except ReadTimeoutError:
            raise PublishUnavailableError(f"{what}: no answer in time") from None
        except BotoCoreError as exc:
            raise PublishUnavailableError(f"{what}: {exc.__class__.__name__}") from None

    def _index(self, *, fresh: bool = False) -> dict[str, _Stored]:
        """Return what the prefix holds (relpath -> MD5, size); fresh: listed within the TTL."""
        with self._lock:
            now = self.clock()
            stale = fresh and now - self._listed_at > self.listing_ttl_s
            if self._listed is None or stale:
                self._listed = self._list()
                self._listed_at = now
            return self._listed

    def _list(self) -> dict[str, _Stored]:
        prefix = self.target.prefix
        listed: dict[str, _Stored] = {}
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.target.bucket, Prefix=prefix
        )

        def collect() -> None:
            for page in pages:
                for item in page.get("Contents", ()):
                    md5 = str(item["ETag"]).strip('"').lower()
                    listed[item["Key"][len(prefix) :]] = _Stored(md5, int(item["Size"]))

        self._call("listing", "", collect)
        return listed

    def _head(self, relpath: str) -> _Stored | None:
        """Ask for one object the listing does not hold (another process may have written it)."""
        key = self._key(relpath)
        try:
            head = self._call(
                "reading",
                relpath,
                lambda: self.client.head_object(Bucket=self.target.bucket, Key=key),
            )
        except PublishNotFoundError:
            return None
        stored = _Stored(str(head["ETag"]).strip('"').lower(), int(head["ContentLength"]))
        self._index()[relpath] = stored
        return stored

    def _stored(self, relpath: str) -> _Stored | None:
        relpath = safe_relpath(relpath)
        return self._index().get(relpath) or self._head(relpath)

    def write_bytes(self, relpath: str, data: bytes) -> bool:
        relpath = safe_relpath(relpath)
        digest = hashlib.md5(data, usedforsecurity=False)
        stored = self._index(fresh=True).get(relpath)
        if stored is not None and stored == _Stored(digest.hexdigest(), len(data)):
            return False
        self._call(
            "writing",
            relpath,
            lambda: self.client.put_object(
                Bucket=self.target.bucket,
                Key=self._key(relpath),
                Body=data,
                ContentType=content_type(relpath),
                CacheControl=cache_control(relpath),
                ContentMD5=base64.b64encode(digest.digest()).decode("ascii"),
            ),
        )
        self._index()[relpath] = _Stored(digest.hexdigest(), len(data))
        return True

    def write_file(self, relpath: str, source: Path) -> None:
        try:
            data = source.read_bytes()
        except OSError as exc:
            what = f"writing {relpath} on {self.target.where} failed"
            raise PublishUnavailableError(f"{what}: {source}: {exc.strerror or exc}") from exc
        self.write_bytes(relpath, data)
        try:
            source.unlink(missing_ok=True)
        except OSError as exc:
            raise PublishUnavailableError(
                f"{relpath} is published, but {source} could not be removed: {exc.strerror or exc}"
            ) from exc

    def exists(self, relpath: str) -> bool:
        return self._stored(relpath) is not None

    def size(self, relpath: str) -> int:
        stored = self._stored(relpath)
        if stored is None:
            raise PublishNotFoundError(f"{self.target.url}{relpath} is not published")
        return stored.size

    def read_bytes(self, relpath: str) -> bytes:
        key = self._key(relpath)
        answer = self._call(
            "reading", relpath, lambda: self.client.get_object(Bucket=self.target.bucket, Key=key)
        )
        body: bytes = self._call("reading", relpath, answer["Body"].read)
        return body

    def delete(self, relpath: str) -> None:
        relpath = safe_relpath(relpath)
        key = self._key(relpath)
        self._call(
            "deleting",
            relpath,
            lambda: self.client.delete_object(Bucket=self.target.bucket, Key=key),
        )
        self._index().pop(relpath, None)

    def probe(self) -> str:
        """Write and delete a small object (the health check); return what was checked."""
        relpath = f".check-{uuid.uuid4().hex}"
        self.write_bytes(relpath, b"tingbao check\n")
        self.delete(relpath)
        return f"{self.target.where} is writable"


def open_s3_publisher(target: PublishTarget) -> S3Publisher:
    """Return a publisher for target with its own client (one per process)."""
    return S3Publisher(target, make_s3_client(target))
