"""Keep the bot token, and every other secret handed in, out of every log line.

httpx logs each request URL at INFO, and a Bot API URL holds the token. The httpx and httpcore
loggers are raised to WARNING, and a filter rewrites every record created anywhere in the process
(message, arguments and traceback text) with each secret replaced by ***. The CLI hands in every
secret of the deployment at start-up (cli/redaction.py).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

MASK = "***"
_lock = threading.Lock()
_installed: RedactFilter | None = None


class RedactFilter(logging.Filter):
    """Replace every known secret in a log record; never drops a record."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def redact(self, text: str) -> str:
        """Return text with every secret masked."""
        # Longest first: a secret inside another must not leave the rest of the longer one.
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, int | float | bool) or value is None:
            return value
        text = str(value)
        return self.redact(text) if any(s in text for s in self.secrets) else value

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = self._clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._clean(v) for k, v in record.args.items()}
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, redacted; handlers reuse exc_text instead of re-formatting.
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


def install_redaction(secret: str) -> RedactFilter:
    """Redact secret from every log record of this process, and quiet httpx; safe to repeat."""
    global _installed
    with _lock:
        if _installed is None:
            _installed = RedactFilter()
            redactor = _installed
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                redactor.filter(record)
                return record

            logging.setLogRecordFactory(factory)
        if secret:
            _installed.secrets.add(secret)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return _installed
