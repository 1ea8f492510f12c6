"""Raw-socket HTTP clients that behave as an attacker or a bad network would, for server tests.

Blocking sockets: call them from a thread (asyncio.to_thread) when the server runs in the test's
own event loop.
"""

from __future__ import annotations

import select
import socket
import time

HALF_HEADER = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"


def closed_after(sock: socket.socket, limit_s: float) -> float | None:
    """Return the seconds until the server closed sock (EOF or reset), or None if it did not."""
    start = time.monotonic()
    sock.settimeout(0.05)
    while time.monotonic() - start < limit_s:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - start
        except TimeoutError:
            continue
        except OSError:  # a reset is a close too
            return time.monotonic() - start
    return None


def slow_header_closed_after(
    port: int, limit_s: float, trickle_s: float | None = None, host: str = "127.0.0.1"
) -> float | None:
    """Send half a request header (then a byte every trickle_s, if given) and never finish it;
    return the seconds until the server closed the connection, or None within limit_s."""
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(HALF_HEADER)
        start = time.monotonic()
        sock.settimeout(0.05)
        next_byte = start + (trickle_s or limit_s * 2)
        while time.monotonic() - start < limit_s:
            if time.monotonic() >= next_byte and trickle_s is not None:
                try:
                    sock.sendall(b"w")
                except OSError:
                    return time.monotonic() - start
                next_byte += trickle_s
            try:
                if sock.recv(65536) == b"":
                    return time.monotonic() - start
            except TimeoutError:
                continue
            except OSError:
                return time.monotonic() - start
        return None


def post_unread(
    port: int,
    path: str,
    size: int,
    headers: dict[str, str],
    host: str = "127.0.0.1",
    chunk: int = 64 * 1024,
    limit_s: float = 30.0,
) -> tuple[int | None, float | None, int]:
    """POST a body of size bytes, sending it while watching for an answer.

    Return the status line's code (None: none came), the seconds from the first byte sent to the
    answer, and how many body bytes the server took before it answered or closed.
    """
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {size}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    block = b"x" * chunk
    sent = 0
    answer = b""
    answered: float | None = None
    start = time.monotonic()
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        while time.monotonic() - start < limit_s:
            readable, writable, _ = select.select([sock], [sock] if sent < size else [], [], 0.5)
            if readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                answer += data
                if answered is None and b"\r\n" in answer:
                    answered = time.monotonic() - start
                    if sent >= size:
                        break
            if writable:
                try:
                    sent += sock.send(block[: min(chunk, size - sent)])
                except BlockingIOError:
                    continue
                except OSError:  # the server closed: it will take no more
                    break
            if sent >= size and answered is not None:
                break
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return status, answered, sent
