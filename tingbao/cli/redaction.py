"""Keep the deployment's secrets out of the log lines, from start-up on.

Every secret the settings hold is redacted from every log record (bot/logs.py): the bot's token
and webhook secret, the SIP password, the WeChat account's token, AppSecret and AES keys, the
object storage's keys (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, as
publish/s3.py reads them) and the database URL's password. Keys that boto3 finds by itself (an
instance role, ~/.aws) are unknown here, so the libraries that log credentials at DEBUG are also
kept above it, even under `-v`: botocore logs each request's signed headers
(`Authorization: … Credential=AKIA…/…`) and what it signs.

Its own module so that every command can call it without importing the bot and the services."""

from __future__ import annotations

import logging

from tingbao.bot.logs import install_redaction
from tingbao.worker.settings import Settings

# Loggers whose DEBUG lines hold credentials or signed requests, and the level they keep.
QUIETED = {
    "botocore": logging.INFO,
    "boto3": logging.INFO,
    "s3transfer": logging.INFO,
    "urllib3": logging.WARNING,
}


def quiet_credential_loggers() -> None:
    """Raise the loggers that write credentials at DEBUG above it."""
    for name, level in QUIETED.items():
        logging.getLogger(name).setLevel(level)


def deployment_secrets(settings: Settings) -> list[str]:
    """Return every secret value the settings hold (empty ones left out)."""
    bot = settings.bot
    held = [
        bot.telegram_token,
        bot.webhook.secret if bot.webhook is not None else None,
        settings.phone.sip_password,
        settings.wechat.token,
        settings.wechat.secret,
        settings.wechat.aes_key,
        settings.wechat.aes_key_previous,
    ]
    secrets = [secret.get() for secret in held if secret is not None]
    if settings.publish is not None:
        secrets += settings.publish.credentials()
    if "@" in settings.database_url:  # a URL with user info: the embedded SQLite has none
        from tingbao.store.urls import database_passwords  # parse and --help stay off store/

        secrets += database_passwords(settings.database_url)
    return [secret for secret in secrets if secret]


def redact_secrets(settings: Settings) -> None:
    """Keep every secret of the deployment out of this process's log lines, from start-up on."""
    quiet_credential_loggers()
    for secret in deployment_secrets(settings):
        install_redaction(secret)
