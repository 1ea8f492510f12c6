"""Feeds and pages: RSS 2.0, Atom and podcast feeds, the static accessible site, and its server.

Rendering is pure (values in, bytes out); `build.build_public` is the thin layer that reads the
stores and writes through the Publisher; `server` serves public/ with byte ranges.

The names below are imported when first used, so that reading the settings (feeds/settings.py,
read by every command) does not load the builders, the server and their libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tingbao.feeds.build import BuildReport, build_public
    from tingbao.feeds.server import PublicServer, public_server, serve_public

__all__ = ["BuildReport", "PublicServer", "build_public", "public_server", "serve_public"]
_HOMES = {
    "BuildReport": "tingbao.feeds.build",
    "build_public": "tingbao.feeds.build",
    "PublicServer": "tingbao.feeds.server",
    "public_server": "tingbao.feeds.server",
    "serve_public": "tingbao.feeds.server",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
