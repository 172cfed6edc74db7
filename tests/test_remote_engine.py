"""The remote engine against a real server and against small misbehaving ones, all on loopback.

The real one is llama-cpp-python's own server (its ``[server]`` extra) on the embedded model, started
once per session on a free port: greedy replies and token counts must match the local engine exactly.
The misbehaving ones are a few lines of ``http.server`` each, because a real server does not send
malformed JSON or hang up mid-reply on cue. Every wait is bounded.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tui.core.chat.conversation import FinishReason
from tui.core.chat.prompt import CompletionFormat, PromptParts
from tui.core.contract import SamplingParams, header_line
from tui.core.errors import ModelError, UserError
from tui.engine.estimate import estimate_tokens
from tui.engine.remote import DEFAULT_REMOTE_CTX, RemoteEngine, RemoteStreamError

SERVER_START_TIMEOUT_S = 60
GREEDY = dict(temperature=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0, seed=7)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _params(max_new_tokens: int = 48, stop: tuple[str, ...] = (), **overrides) -> SamplingParams:
    return SamplingParams(max_new_tokens=max_new_tokens, stop=stop, **{**GREEDY, **overrides})


def _question(text: str) -> tuple[str, tuple[str, ...]]:
    parts = PromptParts(new_message=text)
    return CompletionFormat().render(parts), CompletionFormat().stop_strings(parts)


class _Collect:
    def __init__(self, cancel_after: int | None = None, cancel: threading.Event | None = None) -> None:
        self.pieces: list[str] = []
        self.counts: list[int] = []
        self.cancel_after = cancel_after
        self.cancel = cancel or threading.Event()

    def __call__(self, text: str, tokens: int) -> None:
        self.pieces.append(text)
        self.counts.append(tokens)
        if self.cancel_after is not None and tokens >= self.cancel_after:
            self.cancel.set()

    @property
    def text(self) -> str:
        return "".join(self.pieces)


# -- the real server -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def llama_server(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m llama_cpp.server`` on the embedded model: what a user runs to serve a model locally."""
    try:
        import llama_cpp.server.app  # noqa: F401
    except ImportError as error:
        pytest.fail(f"llama-cpp-python's [server] extra is missing ({error}); pip install -e '.[test]'")
    from tui.core.models.hardware import physical_cores

    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "llama-server.log"
    command = [
        sys.executable,
        "-m",
        "tui.engine.llama_cpp_server",  # llama_cpp.server, loading as shotglass does (no crashing AMX kernels)
        "--model",
        str(model_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--n_threads",
        str(physical_cores()),
    ]
    with log.open("w") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the llama-cpp-python server exited with {process.returncode}:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/v1/models", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the llama-cpp-python server did not start in {SERVER_START_TIMEOUT_S} s:\n"
                    f"{log.read_text()[-2000:]}"
                )
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def remote(llama_server: str) -> Iterator[RemoteEngine]:
    engine = RemoteEngine(llama_server + "/v1", n_ctx=2048)
    yield engine
    engine.close()


@pytest.mark.model
def test_detects_llama_cpp_python_server(remote: RemoteEngine, llama_server: str, model_path: Path) -> None:
    port = llama_server.rsplit(":", 1)[1]
    assert remote.server_kind == "llama-cpp-python"
    assert remote.capabilities.exact_counts is True
    assert remote.capabilities.ignored_params == ()
    assert remote.info.backend == f"remote (127.0.0.1:{port})"
    assert remote.info.path == str(model_path)
    assert remote.info.n_ctx == 2048 and remote.capabilities.context_known is True
    assert remote.prompt_format == CompletionFormat()
    assert header_line(remote.info, remote.capabilities) == (
        f"gemma-3-270m-q4_k_m · ctx 2,048 · remote (127.0.0.1:{port}) · completion (User/Assistant)"
    )


@pytest.mark.model
def test_context_size_is_marked_as_assumed_when_the_server_does_not_say(llama_server: str) -> None:
    engine = RemoteEngine(llama_server)
    assert (engine.info.n_ctx, engine.capabilities.context_known) == (DEFAULT_REMOTE_CTX, False)
    assert "ctx 2,048 (assumed; set --ctx)" in header_line(engine.info, engine.capabilities)


@pytest.mark.model
def test_greedy_reply_is_the_local_engines_reply(remote: RemoteEngine, engine) -> None:
    prompt, stops = _question("What is the capital of France?")
    local = engine.generate(prompt, _params(stop=stops), lambda *_: None, threading.Event())
    collect = _Collect()
    result = remote.generate(prompt, _params(stop=stops), collect, threading.Event())
    assert result.text == local.text == collect.text
    assert "Paris" in result.text
    assert result.finish_reason is local.finish_reason is FinishReason.STOP_STRING
    assert result.prompt_tokens == local.prompt_tokens
    assert result.completion_tokens == local.completion_tokens
    assert collect.counts == list(range(1, len(collect.counts) + 1))
    assert result.ttft_s > 0 and result.tokens_per_s > 0
    assert result.seed == 7 and result.tokens == ()


@pytest.mark.model
def test_length_limit_matches_the_local_engine(remote: RemoteEngine, engine) -> None:
    prompt = "The three primary colours are"
    local = engine.generate(prompt, _params(max_new_tokens=6), lambda *_: None, threading.Event())
    result = remote.generate(prompt, _params(max_new_tokens=6), _Collect(), threading.Event())
    assert (result.finish_reason, result.completion_tokens) == (FinishReason.LENGTH, 6)
    assert result.text == local.text


@pytest.mark.model
@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hello",
        "User: What is the capital of France?\nAssistant:",
        "<start_of_turn>user\nHi<end_of_turn>\n",
        "naïve café — 日本語 🍵 " * 20,
    ],
)
def test_token_counts_are_exact(remote: RemoteEngine, engine, text: str) -> None:
    assert remote.count_tokens(text) == engine.count_tokens(text)


@pytest.mark.model
def test_cancel_mid_stream_keeps_the_partial_reply(remote: RemoteEngine) -> None:
    prompt = "Once upon a time, in a small village by the sea,"
    collect = _Collect(cancel_after=3)
    result = remote.generate(prompt, _params(max_new_tokens=200), collect, collect.cancel)
    assert result.finish_reason is FinishReason.CANCELLED
    assert result.text == collect.text and result.text.strip()
    assert 3 <= result.completion_tokens < 20
    # The server noticed the hang-up and serves the next request.
    again = remote.generate(prompt, _params(max_new_tokens=5), _Collect(), threading.Event())
    assert again.finish_reason is FinishReason.LENGTH and again.text.startswith(result.text)


@pytest.mark.model
def test_a_recount_during_a_reply_waits_instead_of_cutting_it_short(remote: RemoteEngine) -> None:
    """llama-cpp-python's server ends a stream when another request arrives; the engine serializes."""
    started = threading.Event()
    counted: list[tuple[int, float]] = []
    collect = _Collect()

    def on_text(text: str, tokens: int) -> None:
        collect(text, tokens)
        started.set()

    def recount() -> None:
        started.wait(30)
        counted.append((remote.count_tokens("hello world"), time.monotonic()))

    counter = threading.Thread(target=recount)
    counter.start()
    result = remote.generate(
        "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,", _params(max_new_tokens=40), on_text, threading.Event()
    )
    finished_at = time.monotonic()
    counter.join(30)
    assert (result.finish_reason, result.completion_tokens) == (FinishReason.LENGTH, 40)
    assert counted[0][0] == 3 and counted[0][1] >= finished_at


def test_down_endpoint_fails_fast_with_one_line() -> None:
    port = _free_port()  # bound and released: nothing listens there
    start = time.monotonic()
    with pytest.raises(ModelError) as caught:
        RemoteEngine(f"http://127.0.0.1:{port}", timeout_s=5)
    assert time.monotonic() - start < 5
    assert (
        str(caught.value) == f"cannot connect to http://127.0.0.1:{port}: connection refused (is the server running?)"
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1:8080",
        "127.0.0.1:8080",
        "localhost:8080",
        "file:///tmp/x",
        "",
        "http://",
        "http://user:secret@127.0.0.1:8080",
        "http://127.0.0.1:99999",
    ],
)
def test_endpoint_must_be_an_http_url(url: str) -> None:
    with pytest.raises(UserError) as caught:
        RemoteEngine(url)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("--endpoint")
    assert not isinstance(caught.value, ModelError)


def test_endpoint_urls_are_normalised() -> None:
    from tui.engine.remote_http import Endpoint

    assert Endpoint.parse("http://127.0.0.1:8080/v1/") == Endpoint("http", "127.0.0.1", 8080, "")
    assert Endpoint.parse(" HTTPS://gpu-box/proxy/v1 ") == Endpoint("https", "gpu-box", 443, "/proxy")
    ipv6 = Endpoint.parse("http://[::1]:9000")
    assert (ipv6.host, ipv6.label, ipv6.url) == ("::1", "[::1]:9000", "http://[::1]:9000")


# -- small fake servers -----------------------------------------------------------------------------------

Route = Callable[[BaseHTTPRequestHandler, dict], None]


@dataclass
class FakeServer:
    routes: dict[tuple[str, str], Route]
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "FakeServer":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append((method, self.path, body))
                route = fake.routes.get((method, self.path))
                if route is None:
                    _json(self, {"detail": "Not Found"}, status=404)
                else:
                    route(self, body)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _json(handler: BaseHTTPRequestHandler, payload: object, status: int = 200) -> None:
    raw = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)


def _models(*ids: str, **extra) -> Route:
    return lambda handler, _body: _json(handler, {"object": "list", "data": [{"id": i, **extra} for i in ids]})


def _chunk(text: str, finish: str | None = None) -> str:
    return (
        "data: "
        + json.dumps({"object": "text_completion", "choices": [{"text": text, "index": 0, "finish_reason": finish}]})
        + "\n\n"
    )


def _stream(*events: str, then: Callable[[FakeServer], None] | None = None, server: list | None = None) -> Route:
    def route(handler: BaseHTTPRequestHandler, _body: dict) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        for event in events:
            handler.wfile.write(event.encode())
            handler.wfile.flush()
        if then is not None and server:
            then(server[0])

    return route


def _fake(routes: dict[tuple[str, str], Route]) -> FakeServer:
    return FakeServer({("GET", "/v1/models"): _models("fake-model"), **routes})


def test_malformed_json_mid_stream_is_a_clear_error_and_keeps_the_partial_reply() -> None:
    stream = _stream(_chunk("Hello"), _chunk(" world"), 'data: {"choices": [{"text": "!"\n\n')
    with _fake({("POST", "/v1/completions"): stream}) as server:
        engine = RemoteEngine(server.url)
        collect = _Collect()
        with pytest.raises(RemoteStreamError) as caught:
            engine.generate("Hi", _params(), collect, threading.Event())
    assert collect.text == caught.value.partial_text == "Hello world"
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("the server sent malformed JSON in the stream")
    assert message.endswith("(after 2 tokens; the partial reply is kept)")


def test_done_without_a_finish_reason_is_an_interrupted_reply() -> None:
    with _fake({("POST", "/v1/completions"): _stream(_chunk("Cut"), "data: [DONE]\n\n")}) as server:
        with pytest.raises(RemoteStreamError) as caught:
            RemoteEngine(server.url).generate("Hi", _params(), _Collect(), threading.Event())
    assert caught.value.partial_text == "Cut"
    assert str(caught.value).startswith(f"{server.url} ended the reply without a finish reason")


def test_stream_closed_mid_reply_is_a_clear_error_and_keeps_the_partial_reply() -> None:
    with _fake({("POST", "/v1/completions"): _stream(_chunk("Half"), _chunk(" a reply"))}) as server:
        engine = RemoteEngine(server.url)
        collect = _Collect()
        with pytest.raises(RemoteStreamError) as caught:
            engine.generate("Hi", _params(), collect, threading.Event())
    assert collect.text == caught.value.partial_text == "Half a reply"
    assert str(caught.value) == (
        f"{server.url} closed the stream mid-reply (after 2 tokens; the partial reply is kept)"
    )


def test_a_stalled_server_times_out_and_keeps_the_partial_reply() -> None:
    holder: list[FakeServer] = []
    stall = _stream(_chunk("Slow"), then=lambda server: server.release.wait(5), server=holder)
    with _fake({("POST", "/v1/completions"): stall}) as server:
        holder.append(server)
        engine = RemoteEngine(server.url, read_timeout_s=0.5)
        collect = _Collect()
        start = time.monotonic()
        with pytest.raises(RemoteStreamError) as caught:
            engine.generate("Hi", _params(), collect, threading.Event())
        assert time.monotonic() - start < 3
    assert collect.text == "Slow"
    assert str(caught.value).startswith(f"{server.url} did not answer within 0.5 s")


@pytest.mark.parametrize("headers_first", [True, False], ids=["silent-stream", "no-headers-yet"])
def test_cancel_while_the_server_is_silent_returns_quickly(headers_first: bool) -> None:
    holder: list[FakeServer] = []
    if headers_first:
        silent = _stream(then=lambda server: server.release.wait(5), server=holder)
    else:  # still evaluating a long prompt: not even the response headers yet
        silent = lambda _handler, _body: holder[0].release.wait(5)
    with _fake({("POST", "/v1/completions"): silent}) as server:
        holder.append(server)
        engine = RemoteEngine(server.url)
        cancel = threading.Event()
        threading.Timer(0.2, cancel.set).start()
        start = time.monotonic()
        result = engine.generate("Hi", _params(), _Collect(), cancel)
        assert time.monotonic() - start < 2
    assert (result.finish_reason, result.text, result.completion_tokens) == (FinishReason.CANCELLED, "", 0)


def test_http_errors_and_error_events_are_one_line() -> None:
    refuse = lambda handler, _body: _json(
        handler,
        {"error": {"message": "This model's maximum context length is 2048 tokens", "type": "invalid_request_error"}},
        400,
    )
    with _fake({("POST", "/v1/completions"): refuse}) as server:
        with pytest.raises(ModelError) as caught:
            RemoteEngine(server.url).generate("Hi", _params(), _Collect(), threading.Event())
    assert str(caught.value) == (
        f"{server.url} refused POST /v1/completions (HTTP 400 Bad Request): "
        "This model's maximum context length is 2048 tokens"
    )
    failing = _stream(_chunk("Par"), 'error: {"code": 500, "message": "llama_decode failed"}\n\n')
    with _fake({("POST", "/v1/completions"): failing}) as server:
        with pytest.raises(RemoteStreamError) as caught:
            RemoteEngine(server.url).generate("Hi", _params(), _Collect(), threading.Event())
    assert str(caught.value) == (
        "the server reported an error mid-reply: llama_decode failed (after 1 tokens; the partial reply is kept)"
    )


def test_stop_strings_are_matched_across_chunks_and_end_the_stream() -> None:
    stream = _stream(_chunk(" Paris"), _chunk(".\nUs"), _chunk("er: and"), _chunk(" more"), "data: [DONE]\n\n")
    with _fake({("POST", "/v1/completions"): stream}) as server:
        collect = _Collect()
        result = RemoteEngine(server.url).generate("Q", _params(stop=("\nUser:",)), collect, threading.Event())
        sent = server.requests[-1][2]
    assert (result.text, collect.text, result.finish_reason) == (" Paris.", " Paris.", FinishReason.STOP_STRING)
    assert "stop" not in sent  # matched here, so the reason is known exactly


def test_a_generic_server_gets_estimates_and_a_list_of_parameters_it_may_ignore() -> None:
    finish = _stream(_chunk("Hi"), _chunk(" there"), _chunk("", "stop"), "data: [DONE]\n\n")
    with _fake({("POST", "/v1/completions"): finish}) as server:
        engine = RemoteEngine(server.url)
        result = engine.generate("Hi", _params(top_k=0, min_p=0.0), _Collect(), threading.Event())
        sent = server.requests[-1][2]
    assert engine.server_kind == "openai-compatible"
    assert engine.capabilities.exact_counts is False
    assert engine.count_tokens("The capital of France") == estimate_tokens("The capital of France")
    assert engine.capabilities.ignored_params == ("top_k", "min_p", "repeat_penalty")
    assert engine.ignored_params(_params(top_k=0, min_p=0.0)) == ()
    assert engine.ignored_params(_params(top_k=40, repeat_penalty=1.3)) == ("top_k", "min_p", "repeat_penalty")
    assert header_line(engine.info, engine.capabilities).endswith("· token counts ≈ (cl100k estimate)")
    assert (result.text, result.finish_reason, result.completion_tokens) == (
        "Hi there",
        FinishReason.END_OF_SEQUENCE,
        2,
    )
    assert {
        key: sent[key]
        for key in (
            "model",
            "prompt",
            "max_tokens",
            "temperature",
            "top_p",
            "seed",
            "stream",
            "top_k",
            "min_p",
            "repeat_penalty",
        )
    } == {
        "model": "fake-model",
        "prompt": "Hi",
        "max_tokens": 48,
        "temperature": 0.0,
        "top_p": 0.95,
        "seed": 7,
        "stream": True,
        "top_k": 0,
        "min_p": 0.0,
        "repeat_penalty": 1.0,
    }


def test_llama_server_dialect_template_exact_counts_and_usage() -> None:
    template = (
        "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}"
    )
    props = {
        "default_generation_settings": {"n_ctx": 4096},
        "chat_template": template,
        "bos_token": "<s>",
        "eos_token": "</s>",
    }
    tokenize = lambda handler, body: (
        _json(handler, {"tokens": list(range(len(body["content"]) + 1))})
        if body.get("add_special") is True
        else _json(handler, {"error": "add_special expected"}, 400)
    )
    final = (
        "data: "
        + json.dumps(
            {
                "choices": [{"text": "", "index": 0, "finish_reason": "length"}],
                "usage": {"prompt_tokens": 30, "completion_tokens": 2},
                "timings": {"prompt_n": 4},
            }
        )
        + "\n\n"
    )
    routes = {
        ("GET", "/props"): lambda handler, _body: _json(handler, props),
        ("POST", "/tokenize"): tokenize,
        ("POST", "/v1/completions"): _stream(_chunk("Hi"), _chunk(" you"), final, "data: [DONE]\n\n"),
    }
    with _fake(routes) as server:
        engine = RemoteEngine(server.url + "/v1/")
        prompt = engine.prompt_format.render(PromptParts(new_message="Hello"))
        result = engine.generate(prompt, _params(max_new_tokens=2), _Collect(), threading.Event())
        sent = server.requests[-1][2]
        assert engine.count_tokens(prompt) == len("<user>Hello\n<assistant>") + 1
    assert engine.server_kind == "llama-server" and engine.capabilities.exact_counts is True
    assert engine.info.n_ctx == 4096 and engine.format_source == "the server's chat template"
    assert prompt == "<s><user>Hello\n<assistant>"
    assert sent["prompt"] == "<user>Hello\n<assistant>"  # the server adds BOS itself
    assert (result.finish_reason, result.completion_tokens) == (FinishReason.LENGTH, 2)
    assert (result.prompt_tokens, result.evaluated_prompt_tokens) == (30, 4)


def test_vllm_dialect_context_and_parameter_names() -> None:
    tokenize = lambda handler, body: (
        _json(handler, {"tokens": [1, 2, 3], "count": 3})
        if "prompt" in body
        else _json(handler, {"detail": "prompt is required"}, 422)
    )
    routes = {
        ("GET", "/v1/models"): _models("org/model", max_model_len=8192),
        ("POST", "/tokenize"): tokenize,
        ("POST", "/v1/completions"): _stream(_chunk("ok", "stop"), "data: [DONE]\n\n"),
    }
    with FakeServer(routes) as server:
        engine = RemoteEngine(server.url)
        engine.generate("Hi", _params(top_k=0, repeat_penalty=1.2), _Collect(), threading.Event())
        sent = server.requests[-1][2]
        assert engine.count_tokens("x") == 3
    assert engine.server_kind == "vllm" and engine.info.n_ctx == 8192
    assert engine.capabilities.ignored_params == ()
    assert (sent["top_k"], sent["repetition_penalty"], "repeat_penalty" in sent) == (-1, 1.2, False)


def test_unknown_model_and_non_openai_servers_are_refused_at_start() -> None:
    with _fake({}) as server:
        with pytest.raises(ModelError) as caught:
            RemoteEngine(server.url, model="other")
    assert str(caught.value) == f"{server.url} does not serve model 'other' (it serves: fake-model)"
    with FakeServer({}) as server:
        with pytest.raises(ModelError) as caught:
            RemoteEngine(server.url)
    assert str(caught.value) == (
        f"{server.url} does not look like an OpenAI-compatible server (GET /v1/models answered HTTP 404)"
    )


def test_forced_tokens_and_use_after_close_are_refused() -> None:
    with _fake({}) as server:
        engine = RemoteEngine(server.url)
        with pytest.raises(ModelError, match="forking from a token needs the local engine"):
            engine.generate("Hi", _params(), _Collect(), threading.Event(), forced=(1, 2))
        engine.close()
        with pytest.raises(ModelError, match="closed"):
            engine.generate("Hi", _params(), _Collect(), threading.Event())


def _needs_key(key: str) -> Route:
    def route(handler: BaseHTTPRequestHandler, _body: dict) -> None:
        if handler.headers.get("Authorization") != f"Bearer {key}":
            _json(handler, {"error": "invalid api key"}, status=401)
        else:
            _models("fake-model")(handler, _body)

    return route


def test_the_api_key_comes_from_the_flag_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from tui.core.paths import AppPaths
    from tui.engines import load_engine

    with FakeServer({("GET", "/v1/models"): _needs_key("sekrit")}) as server:
        args = argparse.Namespace(endpoint=server.url, remote_model=None, ctx=None, api_key=None)
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        with pytest.raises(ModelError, match=r"needs an API key \(--api-key KEY or OPENAI_API_KEY\)"):
            load_engine(args, AppPaths.default())
        monkeypatch.setenv("OPENAI_API_KEY", "sekrit")
        load_engine(args, AppPaths.default()).close()
        monkeypatch.setenv("OPENAI_API_KEY", "wrong")
        load_engine(argparse.Namespace(**{**vars(args), "api_key": "sekrit"}), AppPaths.default()).close()
