"""The remote engine against small scripted servers on loopback, one per test.

The real servers (llama-cpp-python's and llama.cpp's llama-server on the embedded model) are in
``test_remote_servers.py``. These are a few lines of ``http.server`` each, because a real server does not send
malformed JSON, hang up mid-reply or report a stand-in template for a model with a real one on cue. Every wait
is bounded.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from text_collector import TextCollector

from tui.core.chat.conversation import FinishReason
from tui.core.chat.prompt import CompletionFormat, PromptParts
from tui.core.contract import SamplingParams, header_line
from tui.core.errors import ModelError, UserError
from tui.engine.estimate import estimate_tokens
from tui.engine.remote import RemoteEngine, RemoteStreamError

GREEDY = dict(temperature=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0, seed=7)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _params(max_new_tokens: int = 48, stop: tuple[str, ...] = (), **overrides) -> SamplingParams:
    return SamplingParams(max_new_tokens=max_new_tokens, stop=stop, **{**GREEDY, **overrides})


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
        collect = TextCollector()
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
            RemoteEngine(server.url).generate("Hi", _params(), TextCollector(), threading.Event())
    assert caught.value.partial_text == "Cut"
    assert str(caught.value).startswith(f"{server.url} ended the reply without a finish reason")


def test_stream_closed_mid_reply_is_a_clear_error_and_keeps_the_partial_reply() -> None:
    with _fake({("POST", "/v1/completions"): _stream(_chunk("Half"), _chunk(" a reply"))}) as server:
        engine = RemoteEngine(server.url)
        collect = TextCollector()
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
        collect = TextCollector()
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
        result = engine.generate("Hi", _params(), TextCollector(), cancel)
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
            RemoteEngine(server.url).generate("Hi", _params(), TextCollector(), threading.Event())
    assert str(caught.value) == (
        f"{server.url} refused POST /v1/completions (HTTP 400 Bad Request): "
        "This model's maximum context length is 2048 tokens"
    )
    failing = _stream(_chunk("Par"), 'error: {"code": 500, "message": "llama_decode failed"}\n\n')
    with _fake({("POST", "/v1/completions"): failing}) as server:
        with pytest.raises(RemoteStreamError) as caught:
            RemoteEngine(server.url).generate("Hi", _params(), TextCollector(), threading.Event())
    assert str(caught.value) == (
        "the server reported an error mid-reply: llama_decode failed (after 1 tokens; the partial reply is kept)"
    )


def test_stop_strings_are_matched_across_chunks_and_end_the_stream() -> None:
    stream = _stream(_chunk(" Paris"), _chunk(".\nUs"), _chunk("er: and"), _chunk(" more"), "data: [DONE]\n\n")
    with _fake({("POST", "/v1/completions"): stream}) as server:
        collect = TextCollector()
        result = RemoteEngine(server.url).generate("Q", _params(stop=("\nUser:",)), collect, threading.Event())
        sent = server.requests[-1][2]
    assert (result.text, collect.text, result.finish_reason) == (" Paris.", " Paris.", FinishReason.STOP_STRING)
    assert "stop" not in sent  # matched here, so the reason is known exactly


def test_a_generic_server_gets_estimates_and_a_list_of_parameters_it_may_ignore() -> None:
    finish = _stream(_chunk("Hi"), _chunk(" there"), _chunk("", "stop"), "data: [DONE]\n\n")
    with _fake({("POST", "/v1/completions"): finish}) as server:
        engine = RemoteEngine(server.url)
        result = engine.generate("Hi", _params(top_k=0, min_p=0.0), TextCollector(), threading.Event())
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


def _native(content: str, **extra) -> str:
    """One event of llama-server's own ``/completion`` stream (one per token; ``stop: true`` ends it)."""
    return "data: " + json.dumps({"content": content, "stop": False, "tokens": [1], **extra}) + "\n\n"


def _native_final(stop_type: str, tokens_predicted: int, **extra) -> str:
    final = {"content": "", "stop": True, "stop_type": stop_type, "tokens_predicted": tokens_predicted, **extra}
    return "data: " + json.dumps(final) + "\n\n"


def _llama_server(template: str, single_tokens: frozenset[str], completion: Route, n_ctx: int = 4096) -> dict:
    """A scripted llama-server: ``/props``, ``/tokenize`` (special-token text in ``single_tokens`` is one token,
    anything else a token per character) and a native ``/completion`` stream."""
    props = {
        "default_generation_settings": {"n_ctx": n_ctx},
        "chat_template": template,
        "bos_token": "<s>",
        "eos_token": "</s>",
    }

    def tokenize(handler: BaseHTTPRequestHandler, body: dict) -> None:
        text = body["content"]
        if body.get("add_special") is False and body.get("parse_special") is True and text in single_tokens:
            _json(handler, {"tokens": [7]})
        else:
            _json(handler, {"tokens": list(range(len(text) + (body.get("add_special") is True)))})

    return {
        ("GET", "/props"): lambda handler, _body: _json(handler, props),
        ("POST", "/tokenize"): tokenize,
        ("POST", "/completion"): completion,
    }


TAG_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|turn|>{{ m.role }}: {{ m.content }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|turn|>assistant: {% endif %}"
)


def test_llama_server_dialect_template_exact_counts_and_usage() -> None:
    final = _native_final("limit", 2, tokens_evaluated=30, timings={"prompt_n": 4})
    routes = _llama_server(
        TAG_TEMPLATE, frozenset({"<|turn|>"}), _stream(_native("Hi"), _native(" you"), final, "data: [DONE]\n\n")
    )
    with _fake(routes) as server:
        engine = RemoteEngine(server.url + "/v1/")
        prompt = engine.prompt_format.render(PromptParts(new_message="Hello"))
        result = engine.generate(
            prompt, _params(max_new_tokens=2, stop=("\n<|turn|>",)), TextCollector(), threading.Event()
        )
        sent = server.requests[-1]
        assert engine.count_tokens(prompt) == len("<|turn|>user: Hello\n<|turn|>assistant: ") + 1
    assert engine.server_kind == "llama-server" and engine.capabilities.exact_counts is True
    assert engine.info.n_ctx == 4096 and engine.format_source == "the server's chat template"
    assert engine.facts.template_stand_in is False
    assert prompt == "<s><|turn|>user: Hello\n<|turn|>assistant: "
    assert sent[1] == "/completion"
    body = sent[2]
    assert body["prompt"] == "<|turn|>user: Hello\n<|turn|>assistant: "  # the server adds BOS itself
    assert (body["n_predict"], body["stop"], body["stream"]) == (2, ["\n<|turn|>"], True)
    assert "prompt" not in body["response_fields"]  # else the final event echoes the whole prompt
    assert (result.text, result.finish_reason, result.completion_tokens) == ("Hi you", FinishReason.LENGTH, 2)
    assert (result.prompt_tokens, result.evaluated_prompt_tokens) == (30, 4)


def test_a_stand_in_template_is_not_used_for_a_model_without_one() -> None:
    """llama-server reports ChatML for a model with no template; its markers are not tokens of the model."""
    chatml = (
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>'"
        " + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    )
    with _fake(_llama_server(chatml, frozenset({"<start_of_turn>"}), _stream())) as server:
        engine = RemoteEngine(server.url)
        asked = [body["content"] for _method, path, body in server.requests if path == "/tokenize"]
    assert engine.facts.template_stand_in is True
    assert engine.prompt_format == CompletionFormat()
    assert engine.format_source == "the model has no chat template (the server's fallback is not used)"
    assert header_line(engine.info, engine.capabilities).endswith("· completion (User/Assistant)")
    assert asked[-2:] == ["<|im_start|>", "<|im_end|>"]
    with _fake(_llama_server(chatml, frozenset({"<|im_start|>"}), _stream())) as server:
        engine = RemoteEngine(server.url)  # a ChatML model (Qwen): its own template
    assert engine.facts.template_stand_in is False and engine.format_source == "the server's chat template"


def test_remote_template_markers_and_judgement() -> None:
    from tui.engine.remote_template import MAX_MARKERS, is_stand_in, template_markers

    gemma = "{{ bos_token }}<start_of_turn>user\n{{ m }}<end_of_turn>\n<start_of_turn>model\n"
    assert template_markers(gemma) == ("<start_of_turn>", "<end_of_turn>")
    assert template_markers("<｜User｜>{{ m }}<｜Assistant｜></s>") == ("<｜User｜>", "<｜Assistant｜>", "</s>")
    assert template_markers("### Instruction:\n{{ m }}\n### Response:\n") == ()
    assert len(template_markers("".join(f"<|m{n}|>" for n in range(20)))) == MAX_MARKERS
    assert is_stand_in(gemma, lambda marker: 3) is True
    assert is_stand_in(gemma, lambda marker: 1 if marker == "<end_of_turn>" else 4) is False
    assert is_stand_in(gemma, lambda marker: None) is False  # the server cannot say: trusted
    assert is_stand_in("### Instruction:\n{{ m }}", lambda marker: 3) is False  # nothing to judge by


@pytest.mark.parametrize(
    ("events", "text", "finish", "completion"),
    [
        # the server cut a stop string: text held back here (a stop might have started) is still reply text
        (
            [_native(" Paris"), _native("."), _native("\n"), _native(""), _native_final("word", 5)],
            " Paris.\n",
            FinishReason.STOP_STRING,
            5,
        ),
        # end of sequence: llama-server counts the EOS token, the reply does not
        (
            [_native(" Paris"), _native("."), _native(""), _native_final("eos", 3)],
            " Paris.",
            FinishReason.END_OF_SEQUENCE,
            2,
        ),
        # a stop the server missed is still matched here
        (
            [_native(" Paris"), _native("\nUser:"), _native(" more"), _native_final("limit", 3)],
            " Paris",
            FinishReason.STOP_STRING,
            2,
        ),
    ],
    ids=["stop-string-cut-by-the-server", "end-of-sequence", "stop-string-matched-here"],
)
def test_native_stream_finish_reasons_and_counts(events, text, finish, completion) -> None:
    routes = _llama_server(TAG_TEMPLATE, frozenset({"<|turn|>"}), _stream(*events))
    with _fake(routes) as server:
        collect = TextCollector()
        result = RemoteEngine(server.url).generate("Q", _params(stop=("\nUser:",)), collect, threading.Event())
    assert (result.text, collect.text, result.finish_reason, result.completion_tokens) == (
        text,
        text,
        finish,
        completion,
    )
    assert collect.counts == sorted(collect.counts) and all(count <= completion for count in collect.counts)


def test_marks_never_reach_a_server() -> None:
    from tui.core.chat.literal import CLOSE, OPEN

    marked = f"User: what is {OPEN}<|turn|>{CLOSE}?\nAssistant:"
    routes = _llama_server(TAG_TEMPLATE, frozenset({"<|turn|>"}), _stream(_native("ok"), _native_final("eos", 2)))
    with _fake(routes) as server:
        engine = RemoteEngine(server.url, prompt_format=CompletionFormat())
        assert engine.count_tokens(marked) == len("User: what is <|turn|>?\nAssistant:") + 1
        engine.generate(marked, _params(), TextCollector(), threading.Event())
        sent = [body for _method, _path, body in server.requests[-3:]]
    assert all(
        OPEN not in json.dumps(body, ensure_ascii=False) and CLOSE not in json.dumps(body, ensure_ascii=False)
        for body in sent
    )
    assert sent[-1]["prompt"] == "User: what is <|turn|>?\nAssistant:"


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
        engine.generate("Hi", _params(top_k=0, repeat_penalty=1.2), TextCollector(), threading.Event())
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
            engine.generate("Hi", _params(), TextCollector(), threading.Event(), forced=(1, 2))
        engine.close()
        with pytest.raises(ModelError, match="closed"):
            engine.generate("Hi", _params(), TextCollector(), threading.Event())


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


def test_an_assumed_context_does_not_refuse_a_long_prompt_the_server_may_take() -> None:
    """llama-cpp-python's server does not say its context: 2,048 is assumed, and the server has the last word."""
    tokenize = lambda handler, body: _json(handler, {"tokens": list(range(3000))})
    finish = _stream(_chunk("ok"), _chunk("", "length"), "data: [DONE]\n\n")
    routes = {("POST", "/extras/tokenize"): tokenize, ("POST", "/v1/completions"): finish}
    with _fake(routes) as server:
        engine = RemoteEngine(server.url)
        assert (engine.server_kind, engine.capabilities.context_known) == ("llama-cpp-python", False)
        result = engine.generate("a long prompt", _params(max_new_tokens=1), TextCollector(), threading.Event())
        assert (result.prompt_tokens, result.finish_reason) == (3000, FinishReason.LENGTH)
        known = RemoteEngine(server.url, n_ctx=2048)  # --ctx says 2,048: then it is refused here, in one line
        with pytest.raises(ModelError, match="prompt of 3000 tokens plus 1 new tokens exceeds the context of 2048"):
            known.generate("a long prompt", _params(max_new_tokens=1), TextCollector(), threading.Event())
