"""The phone part's settings: where the line registers and where it listens.

TINGBAO_SIP_SERVER (host:port of the registrar; unset: the line is off), TINGBAO_SIP_USER (the
extension callers reach, default `news`), TINGBAO_SIP_PASSWORD (digest password; never shown),
TINGBAO_SIP_LISTEN (this side's host:port; a blank host means the address that routes to the
registrar), TINGBAO_RTP_PORTS (low-high, the UDP ports for audio). Loaded once by the worker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tingbao.paper.errors import SettingsError
from tingbao.paper.settings import Secret

DEFAULT_LISTEN_PORT = 5062
DEFAULT_RTP_PORTS = (30000, 30100)
_HOST = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class HostPort:
    """A host (name or IPv4 address; blank: choose one) and a UDP port."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class PhoneSettings:
    """The line: registrar, extension, credentials, local SIP address and RTP ports."""

    sip_server: HostPort | None = None  # None: the line is off
    sip_user: str = "news"
    sip_password: Secret = field(default_factory=lambda: Secret(""))
    listen: HostPort = HostPort("", DEFAULT_LISTEN_PORT)
    rtp_ports: tuple[int, int] = DEFAULT_RTP_PORTS

    @property
    def enabled(self) -> bool:
        """Return whether the line should run (a registrar is set)."""
        return self.sip_server is not None


def _port(name: str, raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name}: {raw!r} is not a port number (1-65535)")
    return int(raw)


def parse_host_port(name: str, raw: str, default_port: int | None = None) -> HostPort:
    """Return host:port (the port may be left out when there is a default), or raise."""
    host, sep, port = raw.strip().rpartition(":")
    if not sep:
        host, port = raw.strip(), ""
    if host and not _HOST.fullmatch(host):
        raise SettingsError(f"{name}={raw!r} must look like host:port")
    if port == "":
        if default_port is None:
            raise SettingsError(f"{name}={raw!r} must look like host:port")
        return HostPort(host, default_port)
    return HostPort(host, _port(name, port))


def parse_port_range(raw: str) -> tuple[int, int]:
    """Return (low, high) from `low-high` (at least two ports: each call takes one)."""
    match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", raw)
    if match is None:
        raise SettingsError(f"TINGBAO_RTP_PORTS={raw!r} must look like 30000-30100")
    low = _port("TINGBAO_RTP_PORTS", match[1])
    high = _port("TINGBAO_RTP_PORTS", match[2])
    if high <= low:
        raise SettingsError(f"TINGBAO_RTP_PORTS={raw!r}: the second port must be above the first")
    return low, high


def load_phone_settings(env: Mapping[str, str]) -> PhoneSettings:
    """Return the phone settings from the TINGBAO_SIP_* and TINGBAO_RTP_PORTS variables."""
    server_raw = (env.get("TINGBAO_SIP_SERVER") or "").strip()
    server = parse_host_port("TINGBAO_SIP_SERVER", server_raw, 5060) if server_raw else None
    if server is not None and not server.host:
        raise SettingsError(f"TINGBAO_SIP_SERVER={server_raw!r} must name a host")
    user = (env.get("TINGBAO_SIP_USER") or "news").strip()
    if not re.fullmatch(r"[A-Za-z0-9._+-]{1,64}", user):
        raise SettingsError(f"TINGBAO_SIP_USER={user!r} must be letters, digits or ._+-")
    listen_raw = (env.get("TINGBAO_SIP_LISTEN") or "").strip()
    listen = (
        parse_host_port("TINGBAO_SIP_LISTEN", listen_raw, DEFAULT_LISTEN_PORT)
        if listen_raw
        else HostPort("", DEFAULT_LISTEN_PORT)
    )
    ports_raw = (env.get("TINGBAO_RTP_PORTS") or "").strip()
    ports = parse_port_range(ports_raw) if ports_raw else DEFAULT_RTP_PORTS
    return PhoneSettings(
        sip_server=server,
        sip_user=user,
        sip_password=Secret(env.get("TINGBAO_SIP_PASSWORD") or ""),
        listen=listen,
        rtp_ports=ports,
    )
