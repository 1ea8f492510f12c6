"""Feeds and pages: RSS 2.0, Atom and podcast feeds, the static accessible site, and its server.

Rendering is pure (values in, bytes out); `build.build_public` is the thin layer that reads the
stores and writes through the Publisher; `server` serves public/ with byte ranges. Nothing is
imported here, so reading the settings (feeds/settings.py, read by every command) loads neither
the builders nor the server.
"""
