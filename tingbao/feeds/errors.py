"""Exceptions raised by the feeds part.

FeedsError
 ├── RenderError        an issue could not be rendered into a feed or page (a bug or bad data)
 └── ServeError         the public server could not start (port taken, folder missing)
"""

from __future__ import annotations


class FeedsError(Exception):
    """Base of every error of the feeds part."""


class RenderError(FeedsError):
    """A feed or page could not be rendered from the given values."""


class ServeError(FeedsError):
    """The public HTTP server could not start."""
