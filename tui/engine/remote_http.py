"""HTTP plumbing for the remote engine: the endpoint URL, JSON requests, a server-sent-events reader.

Standard library only (http.client), so talking to a server adds no dependency. Every way the network
can fail is turned into a ``ModelError`` with one line that names the endpoint and what happened: the
CLI prints it and exits 2, the TUI shows it and stays usable.

A server is trusted for nothing: every body, line and event is read with a size limit, parsed JSON
deeper than ``MAX_JSON_DEPTH`` or with a 5,000-digit number is malformed JSON like any other, and a
``Watchdog`` thread hangs up at a deadline, so a server that answers byte by byte (slow loris) or never
ends ends all the same. A socket timeout alone cannot do that: each byte resets it.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tui.core.errors import ModelError, UserError

MAX_ERROR_BODY = 64 * 1024
MAX_JSON_BYTES = 16 << 20
"""A JSON answer (a model list, ``/props`` with its chat template, a tokenization of a long prompt):
16 MiB is far above any real one."""
MAX_LINE_BYTES = 1 << 20
"""One line of an event stream; a streamed token's chunk is a few hundred bytes."""
MAX_EVENT_BYTES = 1 << 20
MAX_JSON_DEPTH = 64
"""Real answers nest fewer than ten levels; deeper JSON is refused before anything walks it."""
REQUEST_DEADLINE_FACTOR = 3
"""A JSON request (probe, tokenize) must be answered within this many times the connect timeout."""


class StreamLimitError(ModelError):
    """The server sent more than a limit allows (a line, an event, a body)."""


class HttpStatusError(ModelError):
    """The server answered, but with an HTTP error status (probes treat 404 as 'not this dialect')."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class MalformedJsonError(ModelError):
    """The server answered 2xx with a body that is not JSON."""


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    base_path: str
    """Any path prefix before ``/v1`` (a reverse proxy's), without the trailing slash."""

    @classmethod
    def parse(cls, url: str) -> "Endpoint":
        """Accept ``http(s)://host[:port][/prefix][/v1]``; anything else is a one-line ``UserError``."""
        text = url.strip()
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as error:
            raise UserError(f"--endpoint is not a valid URL ({error}): {url!r}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or "://" not in text:
            raise UserError(f"--endpoint must be an http:// or https:// URL (e.g. http://127.0.0.1:8080), got {url!r}")
        if not parts.hostname:
            raise UserError(f"--endpoint has no host name: {url!r}")
        if parts.username is not None or parts.password is not None:
            raise UserError("--endpoint must not carry a user name or password; pass an API key instead")
        if parts.query or parts.fragment:
            raise UserError(f"--endpoint must not have a query or fragment: {url!r}")
        base = parts.path.rstrip("/")
        base = base.removesuffix("/v1")
        default_port = 443 if scheme == "https" else 80
        return cls(scheme, parts.hostname, port or default_port, base)

    @property
    def label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.label}{self.base_path}"

    def connect(self, timeout_s: float) -> http.client.HTTPConnection:
        if self.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout_s, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout_s)
        try:
            conn.connect()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            raise transport_error(self, error, timeout_s) from None
        return conn


def transport_error(endpoint: Endpoint, error: BaseException, timeout_s: float) -> ModelError:
    """One line for each way a connection fails, worded for the person who started the server."""
    where = endpoint.url
    if isinstance(error, ConnectionRefusedError):
        return ModelError(f"cannot connect to {where}: connection refused (is the server running?)")
    if isinstance(error, (socket.timeout, TimeoutError)):
        return ModelError(f"{where} did not answer within {timeout_s:g} s")
    if isinstance(error, socket.gaierror):
        return ModelError(f"cannot resolve the host name {endpoint.host!r} of {where}")
    if isinstance(error, ssl.SSLError):
        return ModelError(f"TLS error talking to {where}: {error.reason or error}")
    if isinstance(error, http.client.RemoteDisconnected):
        return ModelError(f"{where} closed the connection without answering")
    if isinstance(error, http.client.IncompleteRead):
        return ModelError(f"{where} closed the stream mid-reply")
    if isinstance(error, ConnectionResetError):
        return ModelError(f"{where} reset the connection")
    if isinstance(error, http.client.HTTPException):
        return ModelError(f"{where} sent a malformed HTTP response ({type(error).__name__})")
    if isinstance(error, OSError):
        return ModelError(f"cannot reach {where}: {error.strerror or error}")
    return ModelError(f"cannot talk to {where}: {error}")


CANCEL_POLL_S = 0.02


def parse_json(raw: bytes | str) -> Any:
    """``json.loads`` that raises ``ValueError`` for everything that is not sane JSON: bad syntax, bad
    UTF-8, a number of more than 4,300 digits (Python's own limit), nesting that would exhaust the
    recursion limit or that is deeper than ``MAX_JSON_DEPTH`` (so later ``str()`` calls cannot recurse)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return value


def read_bounded(response: http.client.HTTPResponse, limit: int, what: str) -> bytes:
    """The whole body, or ``StreamLimitError`` once it passes ``limit`` bytes (an endless body included)."""
    raw = response.read(limit + 1)
    if len(raw) > limit:
        raise StreamLimitError(f"the server sent {what} larger than {limit // 2**20} MiB")
    return raw


@dataclass
class Exchange:
    """One request's connection and response. The socket is kept here because http.client lets go of it
    (``conn.sock = None``) when the response will close the connection, and a cancel needs it."""

    conn: http.client.HTTPConnection
    response: http.client.HTTPResponse
    sock: socket.socket | None
    watcher: "Watchdog | None" = None

    def close(self) -> None:
        """Hang up now, even on a kept-alive connection: a server stops generating when the client goes."""
        if self.watcher is not None:
            self.watcher.stop()
        _shutdown(self.sock)
        self.response.close()
        self.conn.close()
        if self.sock is not None:
            self.sock.close()


class Watchdog:
    """Shuts the socket as soon as ``cancel`` is set or ``deadline`` (``time.monotonic()``) passes, from its
    own thread: a read blocked while the server evaluates a long prompt, sends nothing, or trickles bytes
    wakes up at once and sees the end of the stream. The reader moves ``deadline`` as replies progress and
    reads ``expired`` to tell a deadline from a server that hung up."""

    def __init__(
        self, sock: socket.socket | None, cancel: threading.Event | None, deadline: float | None = None
    ) -> None:
        self._sock = sock
        self._cancel = cancel
        self.deadline = deadline
        self.expired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shotglass-remote-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(CANCEL_POLL_S):
            if self._cancel is not None and self._cancel.is_set():
                _shutdown(self._sock)
                return
            deadline = self.deadline
            if deadline is not None and time.monotonic() >= deadline:
                self.expired = True
                _shutdown(self._sock)
                return

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _shutdown(sock: socket.socket | None) -> None:
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def open_request(
    endpoint: Endpoint,
    method: str,
    path: str,
    body: Any | None,
    *,
    timeout_s: float,
    read_timeout_s: float | None = None,
    api_key: str | None = None,
    cancel: threading.Event | None = None,
    deadline: float | None = None,
) -> Exchange:
    """Send one request on a fresh connection; a non-2xx status raises ``HttpStatusError``.

    A connection per request keeps callers on different threads (the gauge's recount beside a
    streaming reply) from sharing a socket. With ``cancel``, setting it hangs up from the moment the
    connection is open (the caller checks ``cancel`` when this raises); with ``deadline``
    (``time.monotonic()``), so does the time running out, headers included (``exchange.watcher.expired``).
    """
    opened_at = time.monotonic()
    conn = endpoint.connect(timeout_s)
    sock = conn.sock
    if read_timeout_s is not None and sock is not None:
        sock.settimeout(read_timeout_s)
    watcher = Watchdog(sock, cancel, deadline) if cancel is not None or deadline is not None else None
    headers = {"Accept": "application/json, text/event-stream", "User-Agent": "shotglass"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    try:
        conn.request(method, endpoint.base_path + path, body=payload, headers=headers)
        response = conn.getresponse()
    except (OSError, http.client.HTTPException) as error:
        if watcher is not None:
            watcher.stop()
        conn.close()
        if sock is not None:
            sock.close()
        if watcher is not None and watcher.expired and deadline is not None:
            raise ModelError(
                f"{endpoint.url} did not answer {method} {path} within {deadline - opened_at:.3g} s"
            ) from None
        raise transport_error(endpoint, error, read_timeout_s or timeout_s) from None
    exchange = Exchange(conn, response, sock, watcher)
    if not 200 <= response.status < 300:
        try:
            detail = _error_detail(response.read(MAX_ERROR_BODY))
        except (OSError, http.client.HTTPException, ValueError):
            detail = ""
        finally:
            exchange.close()
        reason = f"HTTP {response.status} {response.reason}".strip()
        raise HttpStatusError(
            f"{endpoint.url} refused {method} {path} ({reason})" + (f": {detail}" if detail else ""), response.status
        )
    return exchange


def request_json(
    endpoint: Endpoint, method: str, path: str, body: Any | None = None, *, timeout_s: float, api_key: str | None = None
) -> Any:
    """One JSON request, answered within ``REQUEST_DEADLINE_FACTOR * timeout_s`` and ``MAX_JSON_BYTES``."""
    allowed = REQUEST_DEADLINE_FACTOR * timeout_s
    exchange = open_request(
        endpoint, method, path, body, timeout_s=timeout_s, api_key=api_key, deadline=time.monotonic() + allowed
    )
    try:
        raw = read_bounded(exchange.response, MAX_JSON_BYTES, f"a JSON answer to {method} {path}")
    except (OSError, http.client.HTTPException) as error:
        if exchange.watcher is not None and exchange.watcher.expired:
            raise ModelError(f"{endpoint.url} did not answer {method} {path} within {allowed:.3g} s") from None
        raise transport_error(endpoint, error, timeout_s) from None
    finally:
        exchange.close()
    if exchange.watcher is not None and exchange.watcher.expired:
        raise ModelError(f"{endpoint.url} did not answer {method} {path} within {allowed:.3g} s")
    try:
        return parse_json(raw)
    except ValueError as error:
        raise MalformedJsonError(
            f"{endpoint.url} sent malformed JSON for {method} {path} ({_one_line(str(error), 80)}): {_snippet(raw)}"
        ) from None


def _error_detail(raw: bytes) -> str:
    """The message an OpenAI-style, FastAPI or llama-server error body carries, on one line."""
    try:
        data = parse_json(raw)
    except ValueError:
        return _snippet(raw)
    for candidate in (data.get("error") if isinstance(data, dict) else None, data):
        if isinstance(candidate, dict):
            for key in ("message", "detail"):
                if candidate.get(key):
                    return _one_line(str(candidate[key]))
        elif isinstance(candidate, str) and candidate:
            return _one_line(candidate)
    return _snippet(raw)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _snippet(raw: bytes) -> str:
    return repr(_one_line(raw[:4096].decode("utf-8", errors="replace"), 80))


def iter_sse(response: http.client.HTTPResponse) -> Iterator[tuple[str, str]]:
    """``(event, data)`` per server-sent event; data lines joined with newlines, comments skipped.

    llama-server reports errors mid-stream as ``error: {...}`` lines, so that field is passed on as an
    ``error`` event. An event cut off by the end of the stream is still delivered: a server may omit the
    blank line after its last event, and the caller decides whether the reply was complete. A line over
    ``MAX_LINE_BYTES`` or an event over ``MAX_EVENT_BYTES`` raises ``StreamLimitError`` after reading no
    more than that: a 100 MB line never sits in memory.
    """
    event = "message"
    data: list[str] = []
    size = 0
    while True:
        line = response.readline(MAX_LINE_BYTES + 1)
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise StreamLimitError(f"the server sent a line longer than {MAX_LINE_BYTES // 2**20} MiB")
        if not line:
            if data:
                yield event, "\n".join(data)
            return
        text = line.decode("utf-8", errors="replace").rstrip("\r\n")
        if not text:
            if data:
                yield event, "\n".join(data)
            event, data, size = "message", [], 0
            continue
        if text.startswith(":"):
            continue
        field, _, value = text.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            size += len(value)
            if size > MAX_EVENT_BYTES:
                raise StreamLimitError(f"the server sent an event larger than {MAX_EVENT_BYTES // 2**20} MiB")
            data.append(value)
        elif field == "event":
            event = value or "message"
        elif field == "error":
            yield "error", value
