"""A database URL in messages and logs: shown without its password, and the password to redact.

Pure (no SQLAlchemy), so the CLI can redact at start-up without loading the database. The
password is read as a person wrote it: everything between the user's colon and the netloc's last
@ (a password with an unescaped @ in it, which SQLAlchemy would split, is still all of it), in the
form written and percent-decoded, as the driver is given it.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def _netloc(url: str) -> str:
    return urlsplit(url).netloc if "://" in url else ""


def database_passwords(url: str) -> tuple[str, ...]:
    """Return the password of url as written and as decoded (one form when they are the same),
    or () without one."""
    userinfo, at, _ = _netloc(url).rpartition("@")
    if not at or ":" not in userinfo:
        return ()
    written = userinfo.partition(":")[2]
    if not written:
        return ()
    return tuple(dict.fromkeys((written, unquote(written))))


def shown_database_url(url: str) -> str:
    """Return url for a message: scheme, user, host, port and path, the password as ***, no query
    (a password may be given there too); a string that is no URL is not shown at all."""
    if "://" not in url:
        return "(not shown: it is no URL)"
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0] if at else ""
    hidden = ":***" if database_passwords(url) else ""
    login = f"{user}{hidden}@" if at else ""
    return f"{parts.scheme}://{login}{hostport}{parts.path}"


def raw_at_in_login(url: str) -> bool:
    """Return whether url's user or password holds an @ not written %40 (drivers would take
    what follows it for the host, and put part of the password in their messages)."""
    return "@" in _netloc(url).rpartition("@")[0]


def redacted(text: str, url: str) -> str:
    """Return text with every form of url's password replaced by ***, and the pieces a raw @
    splits it into (which a driver then shows as part of the host)."""
    for password in database_passwords(url):
        pieces = [piece for piece in password.split("@") if piece]
        for secret in (password, *pieces):
            text = text.replace(secret, "***")
    return text
