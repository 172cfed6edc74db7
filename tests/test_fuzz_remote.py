"""Misbehaving servers on 127.0.0.1: every reply ends, within bounded time and memory, in a result or one line.

Each server is a raw socket loop (``http.server`` cannot misbehave on cue: trickle headers, send a line
without end, never answer), accepting on a free loopback port in a daemon thread. Every handler loop is
bounded in count and in time and stops when the client hangs up or the test ends, so nothing outlives its
test. Timeouts are passed small (``timeout_s``, ``read_timeout_s``, ``reply_timeout_s``) so each case takes
about a second; the defaults only scale them up.
"""

from __future__ import annotations

import json
import random
import resource
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tui.core.chat.conversation import FinishReason
from tui.core.contract import SamplingParams
from tui.core.errors import ModelError
from tui.engine.remote import RemoteEngine
from tui.engine.remote_http import MAX_LINE_BYTES

SEED = 1207
HANDLER_LIMIT_S = 15.0
"""No handler runs longer than this, whatever the client does."""

Handler = Callable[["Client"], None]


class Client:
    """One accepted connection, seen from the server: the request line and a bounded way to write."""

    def __init__(self, sock: socket.socket, stop: threading.Event) -> None:
        self.sock = sock
        self.stop = stop
        self.started = time.monotonic()
        self.method, self.path, self.body = self._read_request()

    def _read_request(self) -> tuple[str, str, dict]:
        self.sock.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 1 << 16:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path = (lines[0].split(" ") + ["", ""])[:2]
        length = next((int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length")), 0)
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        try:
            body = json.loads(rest or b"{}")
        except ValueError:
            body = {}
        return method, path, body

    @property
    def alive(self) -> bool:
        return not self.stop.is_set() and time.monotonic() - self.started < HANDLER_LIMIT_S

    def send(self, data: bytes | str) -> bool:
        try:
            self.sock.sendall(data.encode() if isinstance(data, str) else data)
            return True
        except OSError:
            return False

    def json(self, payload: object, status: str = "200 OK") -> None:
        raw = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
        self.send(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(raw)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + raw
        )

    def sse_headers(self) -> None:
        self.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")

    def wait(self, seconds: float) -> None:
        self.stop.wait(seconds)


class Server:
    def __init__(self, routes: dict[tuple[str, str], Handler]) -> None:
        self.routes = {("GET", "/v1/models"): _models, **routes}
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(sock,), daemon=True).start()

    def _handle(self, sock: socket.socket) -> None:
        with sock:
            try:
                client = Client(sock, self.stop)
                handler = self.routes.get((client.method, client.path))
                if handler is None:
                    client.json({"error": {"message": "not found"}}, "404 Not Found")
                else:
                    handler(client)
            except OSError:
                pass

    def __enter__(self) -> "Server":
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.listener.close()
        self.thread.join(timeout=5)


def _models(client: Client) -> None:
    client.json({"object": "list", "data": [{"id": "fake-model"}]})


def _chunk(text: str, finish: str | None = None, **extra) -> str:
    payload = {"choices": [{"text": text, "index": 0, "finish_reason": finish}], **extra}
    return "data: " + json.dumps(payload) + "\n\n"


def _params(max_new_tokens: int = 16) -> SamplingParams:
    return SamplingParams(
        max_new_tokens=max_new_tokens, temperature=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0, seed=1
    )


def _generate(url: str, max_new_tokens: int = 16, **engine_options):
    """(result or error, seconds, the texts on_text got)."""
    pieces: list[str] = []
    options = {"timeout_s": 0.5, "read_timeout_s": 0.5, "reply_timeout_s": 3.0, **engine_options}
    start = time.monotonic()
    try:
        engine = RemoteEngine(url, **options)
        outcome: object = engine.generate(
            "Hi", _params(max_new_tokens), lambda text, _n: pieces.append(text), threading.Event()
        )
    except ModelError as error:
        outcome = error
    return outcome, time.monotonic() - start, pieces


def _one_line(error: object) -> str:
    assert isinstance(error, ModelError), error
    message = str(error)
    assert "\n" not in message and len(message) < 600, message
    return message


def _completions(handler: Handler) -> dict[tuple[str, str], Handler]:
    return {("POST", "/v1/completions"): handler}


# -- bodies without end ------------------------------------------------------------------------------------


def _ignores_max_tokens(client: Client) -> None:
    client.sse_headers()
    for index in range(100_000):  # bounded: about a million tokens' worth of bytes at most
        if not client.alive or not client.send(_chunk(f" t{index}")):
            return


def test_a_server_that_ignores_max_tokens_is_stopped_at_max_new_tokens() -> None:
    with Server(_completions(_ignores_max_tokens)) as server:
        result, seconds, pieces = _generate(server.url, max_new_tokens=16)
    assert not isinstance(result, Exception), result
    assert result.finish_reason is FinishReason.LENGTH and result.completion_tokens == 16
    assert "".join(pieces) == result.text == "".join(f" t{index}" for index in range(16))
    assert seconds < 3


def _endless_line(client: Client) -> None:
    client.sse_headers()
    client.send("data: {\"choices\": [{\"text\": \"")
    block = b"x" * 65536
    for _ in range(1600):  # 100 MB, one line, generated as it goes
        if not client.alive or not client.send(block):
            return


def test_a_100_mb_single_line_is_refused_after_a_megabyte() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with Server(_completions(_endless_line)) as server:
        error, seconds, _ = _generate(server.url)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert f"the server sent a line longer than {MAX_LINE_BYTES // 2**20} MiB" in _one_line(error)
    assert seconds < 3 and grown_mib < 64


def _endless_json(client: Client) -> None:
    client.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
    for _ in range(2000):  # 128 MB of JSON without end
        if not client.alive or not client.send(b"1," * 32768):
            return


def test_an_endless_json_body_is_refused_at_its_limit() -> None:
    with Server(_completions(_endless_json)) as server:
        error, seconds, _ = _generate(server.url)
    assert "the server sent a completion larger than 16 MiB" in _one_line(error)
    assert seconds < 5


def _endless_models(client: Client) -> None:
    client.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    for _ in range(2000):
        if not client.alive or not client.send(b" " * 65536):
            return


def test_an_endless_answer_to_the_probe_is_refused() -> None:
    with Server({("GET", "/v1/models"): _endless_models}) as server:
        error, seconds, _ = _generate(server.url, timeout_s=5.0)
    assert "larger than 16 MiB" in _one_line(error)
    assert seconds < 10


# -- slow and silent servers ----------------------------------------------------------------------------------


def _never_answers(client: Client) -> None:
    client.wait(HANDLER_LIMIT_S)


def _trickled_headers(client: Client) -> None:
    for byte in "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + "a" * 1000:
        if not client.alive or not client.send(byte):
            return
        client.wait(0.05)


def _trickled_line(client: Client) -> None:
    client.sse_headers()
    client.send(_chunk("Hel"))
    for _ in range(300):
        if not client.alive or not client.send("x"):  # bytes, never a newline: no new token
            return
        client.wait(0.05)


def _keepalive_comments(client: Client) -> None:
    client.sse_headers()
    for _ in range(300):
        if not client.alive or not client.send(": still here\n\n"):
            return
        client.wait(0.05)


def _slow_tokens(client: Client) -> None:
    client.sse_headers()
    for index in range(300):  # one token every 0.3 s: under the idle timeout, forever
        if not client.alive or not client.send(_chunk(f" s{index}")):
            return
        client.wait(0.3)


@pytest.mark.parametrize(
    ("name", "routes", "expected", "limit_s"),
    [
        ("never answers the probe", {("GET", "/v1/models"): _never_answers}, "did not answer within 0.5 s", 3),
        (
            "trickles the probe's headers",
            {("GET", "/v1/models"): _trickled_headers},
            "did not answer GET /v1/models",
            3,
        ),
        ("never answers the completion", _completions(_never_answers), "did not answer POST /v1/completions", 3),
        (
            "trickles the completion's headers",
            _completions(_trickled_headers),
            "did not answer POST /v1/completions",
            3,
        ),
        ("trickles bytes of a line", _completions(_trickled_line), "did not answer within 0.5 s", 3),
        ("sends only keep-alive comments", _completions(_keepalive_comments), "did not answer within", 3),
        ("sends a token every 0.3 s forever", _completions(_slow_tokens), "did not finish the reply within 3 s", 5),
    ],
)
def test_slow_and_silent_servers_end_at_a_deadline(name: str, routes, expected: str, limit_s: float) -> None:
    with Server(routes) as server:
        error, seconds, _ = _generate(server.url, max_new_tokens=64)
    assert expected in _one_line(error), name
    assert seconds < limit_s, (name, seconds)


def test_the_partial_reply_of_a_stalled_stream_is_kept() -> None:
    from tui.engine.remote import RemoteStreamError

    with Server(_completions(_slow_tokens)) as server:
        error, _seconds, pieces = _generate(server.url, max_new_tokens=64, reply_timeout_s=1.0)
    assert isinstance(error, RemoteStreamError) and error.partial_text == "".join(pieces) and error.partial_text


# -- malformed JSON ----------------------------------------------------------------------------------------------


def _raw_models(body: bytes) -> Handler:
    return lambda client: client.json(body)


def _stream_of(*events: str) -> Handler:
    def handler(client: Client) -> None:
        client.sse_headers()
        for event in events:
            client.send(event)

    return handler


DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE_INT = b"1" * 5000


@pytest.mark.parametrize(
    ("name", "routes", "expected"),
    [
        ("100k-deep model list", {("GET", "/v1/models"): _raw_models(DEEP)}, "sent malformed JSON for GET /v1/models"),
        (
            "100-deep model list",
            {("GET", "/v1/models"): _raw_models(b'{"data": ' + b"[" * 100 + b"]" * 100 + b"}")},
            "nested deeper than 64",
        ),
        (
            "5000-digit model list",
            {("GET", "/v1/models"): _raw_models(b'{"data": [' + HUGE_INT + b"]}")},
            "sent malformed JSON for GET /v1/models",
        ),
        (
            "100k-deep event",
            _completions(_stream_of("data: " + DEEP.decode() + "\n\n")),
            "malformed JSON in the stream",
        ),
        (
            "5000-digit event",
            _completions(_stream_of(_chunk("a"), 'data: {"choices": ' + HUGE_INT.decode() + "}\n\n")),
            "malformed JSON in the stream",
        ),
        (
            "deep error event",
            _completions(_stream_of("error: " + '{"message": ' * 900 + "1" + "}" * 900 + "\n\n")),
            "malformed JSON in the stream",
        ),
    ],
)
def test_deep_and_huge_json_is_one_line(name: str, routes, expected: str) -> None:
    with Server(routes) as server:
        error, seconds, _ = _generate(server.url)
    assert expected in _one_line(error), name
    assert seconds < 3


def test_absurd_numbers_in_a_valid_reply_are_not_believed() -> None:
    final = _chunk("", "length", usage={"prompt_tokens": 2**70, "completion_tokens": 10**30}, timings={"prompt_n": -5})
    with Server(_completions(_stream_of(_chunk("a"), _chunk("b"), final, "data: [DONE]\n\n"))) as server:
        result, _seconds, _ = _generate(server.url, max_new_tokens=2)
    assert not isinstance(result, Exception), result
    assert result.completion_tokens == 2 and result.prompt_tokens < 2**31


# -- a seeded fuzz of a valid stream --------------------------------------------------------------------------------


def _mutated_stream(rng: random.Random) -> bytes:
    events = [_chunk(f" w{index}") for index in range(6)] + [_chunk("", "stop"), "data: [DONE]\n\n"]
    data = bytearray("".join(events).encode())
    for _ in range(rng.choice([0, 1, 1, 2, 3, 6])):  # some untouched: the fuzz must see both outcomes
        if not data:
            break
        kind = rng.randrange(5)
        position = rng.randrange(len(data))
        if kind == 0:
            data[position] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del data[position:]
        elif kind == 2:
            data[position:position] = rng.choice(
                [b"\n", b"\n\n", b"data: ", b"error: ", b"{", b"]", b"\xff\xfe", b"\r"]
            )
        elif kind == 3:
            data[position:position] = rng.choice([b'"text": null', b'"choices": 7', b"1e999999", b"[[[[[", b"\x00"])
        else:
            data[position : position + 8] = rng.randbytes(8)
    return bytes(data)


def test_seeded_stream_mutants_end_in_a_result_or_one_line() -> None:
    rng = random.Random(SEED)
    bodies = [_mutated_stream(rng) for _ in range(40)]
    served = iter(bodies)

    def handler(client: Client) -> None:
        client.sse_headers()
        client.send(next(served, b""))

    outcomes = {"result": 0, "error": 0}
    with Server(_completions(handler)) as server:
        engine = RemoteEngine(server.url, timeout_s=0.5, read_timeout_s=0.5, reply_timeout_s=3.0)
        for _ in bodies:
            start = time.monotonic()
            try:
                result = engine.generate("Hi", _params(), lambda *_: None, threading.Event())
                assert result.completion_tokens <= 16
                outcomes["result"] += 1
            except ModelError as error:
                _one_line(error)
                outcomes["error"] += 1
            assert time.monotonic() - start < 3
    assert outcomes["result"] and outcomes["error"], outcomes


# -- the command ----------------------------------------------------------------------------------------------------


def test_ask_against_a_misbehaving_server_is_one_line_and_exit_2(shotglass_cmd) -> None:
    deep = {("GET", "/v1/models"): _raw_models(DEEP)}
    with Server(deep) as server:
        url = server.url
        result = subprocess.run(
            [*shotglass_cmd, "ask", "hi", "--endpoint", url], capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"shotglass: error: {url} sent malformed JSON for GET /v1/models")
    assert len(result.stderr.splitlines()) == 1


@pytest.fixture(autouse=True)
def _no_thread_leaks() -> Iterator[None]:
    """Watchdog threads end with their request."""
    yield
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(t.name == "shotglass-remote-watchdog" for t in threading.enumerate()):
        time.sleep(0.05)
    assert not any(t.name == "shotglass-remote-watchdog" for t in threading.enumerate())
