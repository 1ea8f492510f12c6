"""Feeds and pages: RSS 2.0, Atom and podcast feeds, the static accessible site, and its server.

Rendering is pure (values in, bytes out); `build.build_public` is the thin layer that reads the
stores and writes through the Publisher; `server` serves public/ with byte ranges.
"""

from tingbao.feeds.build import BuildReport, build_public
from tingbao.feeds.server import PublicServer, public_server, serve_public

__all__ = ["BuildReport", "PublicServer", "build_public", "public_server", "serve_public"]
