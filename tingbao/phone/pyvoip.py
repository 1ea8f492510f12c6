"""The SIP stack on pyVoIP 1.6.8 (pure Python; pinned: this adapter reaches into its RTP queue).

What pyVoIP does and how this copes (checked against Debian's kamailio 5.6 and baresip 1.0):
- It sends every message to its registrar: kamailio (deploy/kamailio.cfg) must be in front.
- Audio is 8 kHz 8-bit unsigned mono, PCMU on the wire; DTMF by RFC 2833 only.
- `write_audio` appends to an unbounded buffer its RTP thread drains every 20 ms: the line
  writes 20 ms frames and keeps the queue short (`queued_s`), and `flush` cuts the queue so a
  new prompt starts at once. The buffer keeps everything ever written (and a log of it): `send`
  drops what was already sent now and then, so a 30-minute call stays small.
- It imports `audioop` (deprecated; gone in Python 3.13, where `audioop-lts` provides it).
- It waits 30 s for each answer to a REGISTER, tries again at once when none comes, and on
  stopping unregisters, waiting as long again: a silent registrar took 90 s to be given up. Each
  wait is cut to REGISTER_ANSWER_S here, and a line that never registered stops without
  unregistering, so `start` gives up after `register_wait_s` and a few seconds more at most.
"""

from __future__ import annotations

import io
import logging
import threading
import time
import warnings
from typing import Any

from tingbao.phone.errors import LineError
from tingbao.phone.media import SAMPLE_RATE
from tingbao.phone.sip import OnCall

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # audioop, imported by pyVoIP
    from pyVoIP.VoIP import CallState, InvalidStateError, VoIPCall, VoIPPhone
    from pyVoIP.VoIP.status import PhoneStatus

log = logging.getLogger(__name__)

COMPACT_BYTES = 64 * 1024  # drop sent audio from pyVoIP's buffer past this much (8 s)
REGISTER_ANSWER_S = 4.0  # pyVoIP's wait for each answer of the registrar (its own default: 30 s)


class PyVoipCall:
    """One answered pyVoIP call, as a SipCall."""

    def __init__(self, call: VoIPCall) -> None:
        self._call = call
        self._lock = threading.Lock()

    @property
    def caller(self) -> str:
        source: Any = self._call.request.headers.get("From", {})
        number = source.get("number") if isinstance(source, dict) else None
        return str(number or "")

    @property
    def ended(self) -> bool:
        return bool(self._call.state != CallState.ANSWERED)

    def digits(self) -> str:
        pressed = []
        while key := self._call.get_dtmf():
            pressed.append(key)
        return "".join(pressed)

    def send(self, frame: bytes) -> None:
        with self._lock:
            for client in self._call.RTPClients:
                client.write(frame)
                _compact(client)

    def queued_s(self) -> float:
        queued = 0
        for client in self._call.RTPClients:
            manager = client.pmout
            with manager.bufferLock:
                buffer: io.BytesIO = manager.buffer
                position = buffer.tell()
                end = buffer.seek(0, io.SEEK_END)
                buffer.seek(position)
            queued = max(queued, end - position)
        return queued / SAMPLE_RATE

    def flush(self) -> None:
        with self._lock:
            for client in self._call.RTPClients:
                manager = client.pmout
                with manager.bufferLock:
                    position = manager.buffer.tell()
                    manager.buffer.truncate(position)
                    manager.log = {}
                    # The next write lands where the RTP thread reads next.
                    client.outOffset = manager.offset + position

    def hang_up(self) -> None:
        if self._call.state == CallState.ANSWERED:
            try:
                self._call.hangup()
            except (InvalidStateError, OSError) as exc:
                log.debug("hang-up: %s", exc)


def _compact(client: Any) -> None:
    """Drop the audio pyVoIP already sent, so its buffer holds only what is queued."""
    manager = client.pmout
    with manager.bufferLock:
        buffer: io.BytesIO = manager.buffer
        position = buffer.tell()
        if position < COMPACT_BYTES:
            return
        rest = buffer.read()
        manager.buffer = io.BytesIO(rest)
        manager.offset += position
        manager.log = {}


class PyVoipStack:
    """A line registered through pyVoIP."""

    def __init__(
        self,
        server: tuple[str, int],
        user: str,
        password: str,
        local: tuple[str, int],
        rtp_ports: tuple[int, int],
        register_wait_s: float = 10.0,
    ) -> None:
        self._server = server
        self._user = user
        self._password = password
        self._local = local
        self._rtp_ports = rtp_ports
        self._register_wait_s = register_wait_s
        self._phone: VoIPPhone | None = None

    def start(self, on_call: OnCall) -> None:
        def answer(call: VoIPCall) -> None:
            try:
                call.answer()
            except (InvalidStateError, OSError) as exc:
                log.warning("could not answer a call: %s", exc)
                return
            wrapped = PyVoipCall(call)
            try:
                on_call(wrapped)
            finally:
                wrapped.hang_up()

        host, port = self._server
        phone = VoIPPhone(
            host,
            port,
            self._user,
            self._password,
            myIP=self._local[0],
            callCallback=answer,
            sipPort=self._local[1],
            rtpPortLow=self._rtp_ports[0],
            rtpPortHigh=self._rtp_ports[1],
        )
        # pyVoIP declares an int and hands it to select(), which takes a float as well.
        phone.sip.register_timeout = min(REGISTER_ANSWER_S, self._register_wait_s)  # type: ignore[assignment]
        self._phone = phone
        deadline = time.monotonic() + self._register_wait_s
        try:
            phone.start()  # registers once before it returns, even when that fails
        except OSError as exc:
            raise LineError(f"cannot listen on {self._local[0]}:{self._local[1]}: {exc}") from exc
        while phone.get_status() != PhoneStatus.REGISTERED:
            if phone.get_status() == PhoneStatus.FAILED or time.monotonic() > deadline:
                self.stop()
                raise LineError(
                    f"could not register {self._user} on {host}:{port}: check "
                    "TINGBAO_SIP_SERVER, TINGBAO_SIP_USER and TINGBAO_SIP_PASSWORD"
                )
            time.sleep(0.05)

    def registered(self) -> bool:
        return self._phone is not None and self._phone.get_status() == PhoneStatus.REGISTERED

    def stop(self) -> None:
        phone, self._phone = self._phone, None
        if phone is None:
            return
        if phone.get_status() != PhoneStatus.REGISTERED:
            _abandon(phone)
            return
        try:
            phone.stop()
        except (OSError, TimeoutError) as exc:
            log.warning("line stopped uncleanly: %s", exc)


def _abandon(phone: VoIPPhone) -> None:
    """Stop a phone that never registered. pyVoIP's stop would unregister (send, and wait for an
    answer that does not come); here its threads are told to end, waited for (a REGISTER in
    flight ends within register_timeout), and only then are its sockets closed: closed under
    them, its receive loop dies with a traceback."""
    sip = phone.sip
    sip.NSD = False  # no retry is scheduled again; the receive loop ends
    sip.registerThread = None
    threads = [thread for thread in threading.enumerate() if _runs_for(thread, sip)]
    for thread in threads:
        if isinstance(thread, threading.Timer):
            thread.cancel()  # one still waiting to start never starts
    for thread in threads:
        thread.join(timeout=sip.register_timeout + 1.0)
    sip._close_sockets()
    phone._status = PhoneStatus.INACTIVE


def _runs_for(thread: threading.Thread, sip: Any) -> bool:
    """Return whether thread is one of sip's Timers (its receive loop, a registration)."""
    function = getattr(thread, "function", None)
    return getattr(function, "__self__", None) is sip and thread is not threading.current_thread()
