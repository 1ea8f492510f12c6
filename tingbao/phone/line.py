"""The running line: register, answer every call in a thread of its own, log and record calls.

Calls are logged with the caller's number hashed (records.caller_hash), never in clear. Without
TINGBAO_SIP_SERVER the line is off: run_line says so once and returns.

A registrar that cannot be reached is said in one LineError line, soon: `probe_registrar` finds
a name that does not resolve or a port nothing listens on (the ICMP answer a connected UDP socket
reports) in about a second, before anything else is prepared; a registrar that stays silent is
given up after the stack's registration wait (pyvoip.py).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import threading
import uuid
from dataclasses import dataclass

from tingbao.phone.call import CallRunner
from tingbao.phone.errors import LineError
from tingbao.phone.media import Library
from tingbao.phone.menu import DEFAULT_TIMING, Timing
from tingbao.phone.records import CallRecords
from tingbao.phone.settings import HostPort, PhoneSettings
from tingbao.phone.sip import SipCall, SipStack
from tingbao.store.engine import Database

log = logging.getLogger(__name__)
PROBE_WAIT_S = 1.0  # how long probe_registrar waits for an answer or a refusal
CHECK_SETTING = "check TINGBAO_SIP_SERVER and that the registrar runs"


def local_address_towards(host: str, port: int) -> str:
    """Return this machine's address on the route to host (no packet is sent); raise LineError
    when host does not resolve or no route leads there."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((host, port))
            return str(probe.getsockname()[0])
    except OSError as exc:  # socket.gaierror included
        raise LineError(
            f"cannot reach the registrar {host}:{port}: {_why(exc)}; {CHECK_SETTING}"
        ) from None


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc) or exc.__class__.__name__


def probe_registrar(server: HostPort, user: str, wait_s: float = PROBE_WAIT_S) -> bool:
    """Send the registrar a SIP OPTIONS request and wait up to wait_s: return True when it
    answers, False when it stays silent (only registering can tell then); raise LineError when
    its name does not resolve, no route leads there, or its port refuses (nothing listens)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.settimeout(wait_s)
            # Connected, the socket is told of the ICMP "port unreachable" a closed port sends.
            probe.connect((server.host, server.port))
            local_host, local_port = probe.getsockname()[:2]
            probe.send(_options(server, user, f"{local_host}:{local_port}"))
            probe.recv(4096)
            return True
    except TimeoutError:
        return False
    except ConnectionRefusedError:
        raise LineError(
            f"nothing answers SIP at {server} (connection refused); {CHECK_SETTING}"
        ) from None
    except OSError as exc:  # socket.gaierror (no such host), no route, network down
        raise LineError(
            f"cannot reach the registrar {server}: {_why(exc)}; {CHECK_SETTING}"
        ) from None


def _options(server: HostPort, user: str, local: str) -> bytes:
    """Return an out-of-dialog OPTIONS request to the registrar itself (RFC 3261, 11)."""
    tag = uuid.uuid4().hex
    return (
        f"OPTIONS sip:{server} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {local};branch=z9hG4bK{tag[:16]};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:{user}@{server.host}>;tag={tag[16:24]}\r\n"
        f"To: <sip:{server}>\r\n"
        f"Call-ID: {tag}@{local}\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Accept: application/sdp\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode("ascii")


AUDIO_SWITCH_INTERVAL_S = 0.001


def tune_for_audio() -> None:
    """Have Python switch threads every 1 ms instead of 5: each call's RTP thread must wake every
    20 ms, and with 8 calls the default let packets slip by over 60 ms (bench/phone.py)."""
    sys.setswitchinterval(min(sys.getswitchinterval(), AUDIO_SWITCH_INTERVAL_S))


def make_stack(settings: PhoneSettings) -> SipStack:
    """Return the pyVoIP stack for these settings (imported here: only a running line needs it)."""
    from tingbao.phone.pyvoip import PyVoipStack

    server = settings.sip_server
    assert server is not None
    if not probe_registrar(server, settings.sip_user):
        log.debug("the registrar %s did not answer OPTIONS; registering all the same", server)
    host = settings.listen.host
    if host in ("", "0.0.0.0"):
        host = local_address_towards(server.host, server.port)
    return PyVoipStack(
        (server.host, server.port),
        settings.sip_user,
        settings.sip_password.get(),
        (host, settings.listen.port),
        settings.rtp_ports,
    )


@dataclass
class LineStats:
    """Counters of a running line (for logs, health checks and the bench)."""

    active: int = 0
    answered: int = 0
    failed: int = 0


@dataclass(frozen=True)
class RecordedCall:
    """A call's CallLog: its listens go to the database under its id."""

    records: CallRecords
    call_id: str

    def listened(self, item_id: str, issue_id: str, slow: bool) -> None:
        self.records.listened(self.call_id, item_id, issue_id, slow)


class Line:
    """Answer calls: one CallRunner per call, recorded when a database is given."""

    def __init__(
        self, library: Library, records: CallRecords | None, timing: Timing = DEFAULT_TIMING
    ) -> None:
        self.library = library
        self.records = records
        self.timing = timing
        self.stats = LineStats()
        self._lock = threading.Lock()

    def answer(self, call: SipCall) -> None:
        """Run one call to its end (in the call's own thread)."""
        with self._lock:
            self.stats.active += 1
            self.stats.answered += 1
        call_id, hashed = "-", "-"
        try:
            if self.records is not None:
                call_id, hashed = self.records.started(call.caller)
            log.info("call %s from caller %s answered", call_id, hashed)
            call_log = RecordedCall(self.records, call_id) if self.records is not None else None
            result = CallRunner(call, self.library, self.timing, call_log).run()
            if self.records is not None:
                self.records.ended(call_id, result.reason, result.keys)
            log.info(
                "call %s ended (%s) after %d keys, heard %s",
                call_id,
                result.reason,
                result.keys,
                ",".join(result.listened) or "no article",
            )
        except Exception:  # a call's thread is a top level: one bad call must not stop the line
            with self._lock:
                self.stats.failed += 1
            log.exception("call %s failed", call_id)
        finally:
            with self._lock:
                self.stats.active -= 1


async def run_line(
    settings: PhoneSettings,
    library: Library,
    db: Database | None,
    stop: asyncio.Event,
    *,
    timing: Timing = DEFAULT_TIMING,
    stack: SipStack | None = None,
    line: Line | None = None,
) -> None:
    """Register the line and answer calls until stop is set; return at once when the line is off."""
    if settings.sip_server is None:
        log.info("phone line off: TINGBAO_SIP_SERVER is not set")
        return
    stack = stack if stack is not None else make_stack(settings)
    tune_for_audio()
    if line is None:
        key = (settings.sip_password.get() or settings.sip_user).encode("utf-8")
        line = Line(library, CallRecords(db, key) if db is not None else None, timing)
    await asyncio.to_thread(stack.start, line.answer)
    log.info("phone line registered as %s on %s", settings.sip_user, settings.sip_server)
    try:
        await stop.wait()
    finally:
        await asyncio.to_thread(stack.stop)
        log.info("phone line stopped")
