"""The feeds part's settings: the public URL that feeds and pages link with (TINGBAO_BASE_URL),
how many items a feed keeps and what pins its guids (TINGBAO_FEED_*), and where `serve` and `run`
listen (TINGBAO_HTTP_HOST, TINGBAO_HTTP_PORT).

Loaded once by the worker's `load_settings`; see README.md (Configuration) and .env.example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import env_int


@dataclass(frozen=True)
class FeedsSettings:
    """Where the public site is seen and served, and what its feeds keep."""

    base_url: str  # ends with "/"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    feed_max_items: int = 60
    feed_tag_authority: str | None = None  # pins feed guids when the domain changes

    def url(self, relpath: str) -> str:
        """Return the public URL of a path under public/."""
        return self.base_url + relpath.lstrip("/")


def load_feeds_settings(env: Mapping[str, str]) -> FeedsSettings:
    """Return the feeds settings from TINGBAO_BASE_URL, TINGBAO_HTTP_* and TINGBAO_FEED_*."""
    http_host = env.get("TINGBAO_HTTP_HOST") or "127.0.0.1"
    http_port = env_int(env, "TINGBAO_HTTP_PORT", 8080, minimum=1)
    base_url = env.get("TINGBAO_BASE_URL") or f"http://{http_host}:{http_port}/"
    if not re.match(r"^https?://", base_url):
        raise SettingsError(f"TINGBAO_BASE_URL={base_url!r} must start with http:// or https://")
    if not base_url.endswith("/"):
        base_url += "/"
    return FeedsSettings(
        base_url=base_url,
        http_host=http_host,
        http_port=http_port,
        feed_max_items=env_int(env, "TINGBAO_FEED_MAX_ITEMS", 60, minimum=1),
        feed_tag_authority=env.get("TINGBAO_FEED_TAG_AUTHORITY") or None,
    )
