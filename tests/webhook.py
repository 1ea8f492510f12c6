"""POST an update to a webhook as Telegram does: the bot's webhook server, or Caddy before it."""

from __future__ import annotations

import urllib.error
import urllib.request

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def post_webhook(url: str, body: bytes, secret: str | None) -> int:
    """POST body (an update's JSON) with the secret header (None: without it); return the status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code
