"""Keep the deployment's secrets out of the log lines, from start-up on.

Its own module so that every command can call it without importing the bot and the services."""

from __future__ import annotations

from tingbao.bot.logs import install_redaction
from tingbao.worker.settings import Settings


def redact_secrets(settings: Settings) -> None:
    """Keep every secret of the deployment out of this process's log lines, from start-up on."""
    bot = settings.bot
    secrets = [
        bot.telegram_token,
        bot.webhook.secret if bot.webhook is not None else None,
        settings.phone.sip_password,
    ]
    for secret in secrets:
        if secret is not None and secret.get():
            install_redaction(secret.get())
