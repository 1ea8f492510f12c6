"""Exceptions raised by the publish part (a Publisher: the local folder or object storage).

PaperError
 └── PublishError               public files cannot be written or read; one line, never a key
      ├── PublishUnavailableError   storage down, unreachable or failing I/O (transient: a later
      │                             pass may succeed, so retry)
      ├── PublishRefusedError       refused: keys, bucket, permissions or the path are wrong
      │    │                        (permanent: the settings or the caller must change)
      │    └── UnsafePathError          an absolute path, or one climbing out with '..' (also a
      │                                 ValueError, as before there was a family)
      └── PublishNotFoundError      nothing is published at that path (also a FileNotFoundError,
                                    as before there was a family)
"""

from __future__ import annotations

from tingbao.paper.errors import PaperError


class PublishError(PaperError):
    """Public files cannot be written or read; the message is one line without secrets."""


class PublishUnavailableError(PublishError):
    """The storage is down, unreachable or failing I/O; a later pass may succeed."""


class PublishRefusedError(PublishError):
    """The storage refuses the request (keys, bucket, permissions, path): something must change."""


class UnsafePathError(PublishRefusedError, ValueError):
    """The public path is absolute or climbs out of public/ with '..'."""


class PublishNotFoundError(PublishError, FileNotFoundError):
    """Nothing is published at the path (size and read_bytes of a missing file)."""
