"""The remote engine against the two servers people run on the embedded model, each started once per session:
llama-cpp-python's own server and llama.cpp's ``llama-server`` built from the pinned sdist (``llama_server.py``).

Every test runs against both (the ``served`` fixture is parametrized): greedy replies, finish reasons and token
counts must be the local engine's, the context size is what each server says (or marked as assumed where it
says nothing), a base model is prompted with the completion format even where the server reports its ChatML
fallback as the chat template, and stop strings are honoured. Both servers are started with a context other
than the local engine's 2,048, so a context that merely matches the default cannot pass for one that was read.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from llama_server import (
    ServerOptions,
    ensure_llama_server,
    llama_cpp_python_command,
    llama_server_command,
    running_server,
)
from text_collector import TextCollector

from tui.core.chat.conversation import FinishReason
from tui.core.chat.literal import CLOSE, OPEN, unmarked
from tui.core.chat.prompt import CompletionFormat, PromptParts
from tui.core.contract import SamplingParams, header_line
from tui.core.errors import ModelError
from tui.engine.remote import DEFAULT_REMOTE_CTX, RemoteEngine
from tui.engine.remote_probe import LLAMA_CPP_PYTHON, LLAMA_SERVER

SERVER_CTX = 4096
GREEDY = dict(temperature=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0, seed=7)
ASK_PROMPTS = ("What is the capital of France?", "Name three colours of the rainbow.")


@dataclass(frozen=True)
class Served:
    kind: str
    url: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _say(request: pytest.FixtureRequest):
    """Progress lines that reach the terminal even while pytest captures output (a build takes minutes)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def say(line: str) -> None:
        with capture.global_and_fixture_disabled():
            print(line, file=sys.stderr, flush=True)

    return say


@pytest.fixture(scope="session", params=[LLAMA_CPP_PYTHON, LLAMA_SERVER])
def served(
    request: pytest.FixtureRequest, model_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    from tui.core.models.hardware import physical_cores

    kind: str = request.param
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / f"{kind}.log"
    options = ServerOptions(
        model_path=model_path, port=port, n_ctx=SERVER_CTX, n_threads=physical_cores(), log_path=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if kind == LLAMA_SERVER:
            command, ready = llama_server_command(ensure_llama_server(_say(request)), options), "/health"
        else:
            command, ready = llama_cpp_python_command(sys.executable, options), "/v1/models"
        with running_server(command, log, url + ready, kind):
            yield Served(kind, url)
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def remote(served: Served) -> Iterator[RemoteEngine]:
    """With ``--ctx 2048``, the local engine's context: what a user passes when the server does not say."""
    engine = RemoteEngine(served.url + "/v1", n_ctx=2048)
    yield engine
    engine.close()


def _params(max_new_tokens: int = 48, stop: tuple[str, ...] = (), **overrides) -> SamplingParams:
    return SamplingParams(max_new_tokens=max_new_tokens, stop=stop, **{**GREEDY, **overrides})


def _question(text: str) -> tuple[str, tuple[str, ...]]:
    parts = PromptParts(new_message=text)
    return CompletionFormat().render(parts), CompletionFormat().stop_strings(parts)


def test_detects_the_server_and_what_it_offers(served: Served, remote: RemoteEngine) -> None:
    port = served.url.rsplit(":", 1)[1]
    assert remote.server_kind == served.kind
    assert remote.capabilities.exact_counts is True
    assert remote.capabilities.ignored_params == ()
    assert remote.capabilities.rescoring is False
    assert remote.info.backend == f"remote (127.0.0.1:{port})"
    assert remote.info.name == "gemma-3-270m-q4_k_m"
    assert remote.prompt_format == CompletionFormat()
    assert header_line(remote.info, remote.capabilities) == (
        f"gemma-3-270m-q4_k_m · ctx 2,048 · remote (127.0.0.1:{port}) · completion (User/Assistant)"
    )


def test_the_context_is_the_servers_where_it_says_and_assumed_where_not(served: Served) -> None:
    engine = RemoteEngine(served.url)
    if served.kind == LLAMA_SERVER:  # /props reports the slot's context
        assert (engine.info.n_ctx, engine.capabilities.context_known) == (SERVER_CTX, True)
        with pytest.raises(ModelError, match=f"--ctx 8192 exceeds the server's context of {SERVER_CTX} tokens"):
            RemoteEngine(served.url, n_ctx=8192)
    else:  # llama-cpp-python's server exposes no context size anywhere
        assert (engine.info.n_ctx, engine.capabilities.context_known) == (DEFAULT_REMOTE_CTX, False)
        assert "ctx 2,048 (assumed; set --ctx)" in header_line(engine.info, engine.capabilities)


def test_a_prompt_longer_than_2048_tokens_runs_with_ctx_set_to_the_servers(served: Served, engine) -> None:
    remote = RemoteEngine(served.url, n_ctx=SERVER_CTX)
    assert remote.capabilities.context_known is True
    prompt = "Numbers: " + ", ".join(str(n) for n in range(700)) + ","
    tokens = remote.count_tokens(prompt)
    assert 2048 < tokens < SERVER_CTX - 8 and tokens == engine.count_tokens(prompt)
    result = remote.generate(prompt, _params(max_new_tokens=4), TextCollector(), threading.Event())
    assert (result.finish_reason, result.completion_tokens, result.prompt_tokens) == (FinishReason.LENGTH, 4, tokens)


def test_a_fallback_template_is_recognised_and_not_used(served: Served, remote: RemoteEngine) -> None:
    """The embedded model has no chat template; llama-server reports its ChatML stand-in anyway."""
    if served.kind == LLAMA_SERVER:
        assert remote.facts.chat_template is not None and "<|im_start|>" in remote.facts.chat_template
        assert remote.facts.template_stand_in is True
        assert remote.format_source == "the model has no chat template (the server's fallback is not used)"
    else:
        assert remote.facts.chat_template is None and remote.facts.template_stand_in is False
    assert remote.info.prompt_format == "completion (User/Assistant)"


def test_greedy_reply_is_the_local_engines_reply(remote: RemoteEngine, engine) -> None:
    prompt, stops = _question("What is the capital of France?")
    local = engine.generate(prompt, _params(stop=stops), lambda *_: None, threading.Event())
    collect = TextCollector()
    result = remote.generate(prompt, _params(stop=stops), collect, threading.Event())
    assert result.text == local.text == collect.text
    assert "Paris" in result.text
    assert result.finish_reason is local.finish_reason is FinishReason.STOP_STRING
    assert result.prompt_tokens == local.prompt_tokens
    assert result.completion_tokens == local.completion_tokens
    assert collect.counts == sorted(collect.counts) and collect.counts[-1] <= result.completion_tokens
    assert result.ttft_s > 0 and result.tokens_per_s > 0
    assert result.seed == 7 and result.tokens == ()


def test_profile_stop_strings_are_honoured_like_the_local_engines(remote: RemoteEngine, engine) -> None:
    prompt = "Count with me: 1, 2, 3, 4,"
    params = _params(max_new_tokens=20, stop=(",",))
    local = engine.generate(prompt, params, lambda *_: None, threading.Event())
    result = remote.generate(prompt, params, TextCollector(), threading.Event())
    assert result.finish_reason is local.finish_reason is FinishReason.STOP_STRING
    assert result.text == local.text and "," not in result.text and result.text.strip()
    assert result.completion_tokens == local.completion_tokens < 20


def test_length_limit_matches_the_local_engine(remote: RemoteEngine, engine) -> None:
    prompt = "The three primary colours are"
    local = engine.generate(prompt, _params(max_new_tokens=6), lambda *_: None, threading.Event())
    result = remote.generate(prompt, _params(max_new_tokens=6), TextCollector(), threading.Event())
    assert (result.finish_reason, result.completion_tokens) == (FinishReason.LENGTH, 6)
    assert result.text == local.text


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


def test_marked_prompts_are_counted_and_sent_without_their_marks(remote: RemoteEngine, engine) -> None:
    marked = f"User: what does {OPEN}<end_of_turn>{CLOSE} mean?\nAssistant:"
    plain = unmarked(marked)
    assert OPEN not in plain and CLOSE not in plain
    assert remote.count_tokens(marked) == remote.count_tokens(plain) == engine.count_tokens(plain)
    params = _params(max_new_tokens=5)
    sent = remote.generate(marked, params, TextCollector(), threading.Event())
    expected = engine.generate(plain, params, lambda *_: None, threading.Event())
    assert (sent.text, sent.prompt_tokens) == (expected.text, expected.prompt_tokens)


def test_cancel_mid_stream_keeps_the_partial_reply(remote: RemoteEngine) -> None:
    prompt = "Once upon a time, in a small village by the sea,"
    collect = TextCollector(cancel_after=3)
    result = remote.generate(prompt, _params(max_new_tokens=200), collect, collect.cancel)
    assert result.finish_reason is FinishReason.CANCELLED
    assert result.text == collect.text and result.text.strip()
    assert 3 <= result.completion_tokens < 20
    again = remote.generate(prompt, _params(max_new_tokens=5), TextCollector(), threading.Event())
    assert again.finish_reason is FinishReason.LENGTH and again.text.startswith(result.text)


def test_a_recount_during_a_reply_does_not_cut_it_short(served: Served, remote: RemoteEngine) -> None:
    """llama-cpp-python's server ends a stream when another request arrives, so there the engine waits."""
    started = threading.Event()
    counted: list[tuple[int, float]] = []
    collect = TextCollector()

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
    assert counted[0][0] == 3
    if served.kind == LLAMA_CPP_PYTHON:
        assert counted[0][1] >= finished_at


def _ask(shotglass_cmd: list[str], env: dict[str, str], *where: str, prompt: str) -> tuple[dict, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [*shotglass_cmd, "ask", "--json", "--profile", "greedy-factual", *where, prompt],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), elapsed


@pytest.mark.parametrize("prompt", ASK_PROMPTS)
def test_greedy_ask_over_the_endpoint_is_local_ask(
    served: Served, model_path: Path, shotglass_cmd: list[str], cli_env: dict[str, str], prompt: str
) -> None:
    local, local_s = _ask(shotglass_cmd, cli_env, "--model", str(model_path), "--ctx", "2048", prompt=prompt)
    remote, remote_s = _ask(shotglass_cmd, cli_env, "--endpoint", served.url, "--ctx", "2048", prompt=prompt)
    print(f"ask {prompt!r}: local {local_s:.2f} s, {served.kind} {remote_s:.2f} s")
    keys = ("text", "finish_reason", "prompt_tokens", "completion_tokens", "prompt_format", "seed", "profile")
    assert {key: remote[key] for key in keys} == {key: local[key] for key in keys}
    assert remote["text"] and remote["prompt_format"] == "completion (User/Assistant)"


@pytest.fixture(scope="module")
def template_server(
    request: pytest.FixtureRequest, model_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    """llama-server on a copy of the embedded model with Gemma's real chat template written into it."""
    from gguf_mutants import STRING, encode, write_mutant
    from sdist import real_templates

    source = next(path for path in real_templates() if path.stem == "google-gemma-2-2b-it").read_text()
    target = tmp_path_factory.mktemp("template-server") / "gemma-with-template.gguf"
    model = write_mutant(model_path, target, {"tokenizer.chat_template": encode(STRING, source)}, weights="copy")
    port = _free_port()
    log = target.parent / "llama-server.log"
    options = ServerOptions(model_path=model, port=port, n_ctx=2048, n_threads=2, log_path=log)
    url = f"http://127.0.0.1:{port}"
    try:
        command = llama_server_command(ensure_llama_server(_say(request)), options)
        with running_server(command, log, url + "/health", LLAMA_SERVER):
            yield model, url
    except RuntimeError as error:
        pytest.fail(str(error))


def test_a_real_template_from_the_server_is_rendered_here_like_the_local_engine(
    template_server: tuple[Path, str], tmp_path: Path
) -> None:
    from tui.engine.chat_template import ChatTemplateFormat
    from tui.engine.llama import LlamaEngine, LoadOptions

    model, url = template_server
    remote = RemoteEngine(url)
    local = LlamaEngine(LoadOptions(model_path=model, n_ctx=2048, n_threads=2, log_file=tmp_path / "llama.log"))
    try:
        assert remote.facts.template_stand_in is False and remote.format_source == "the server's chat template"
        assert isinstance(remote.prompt_format, ChatTemplateFormat)
        parts = PromptParts(system="Be brief.", new_message="What is the capital of France?")
        prompt = remote.prompt_format.render(parts)
        assert unmarked(prompt) == unmarked(local.prompt_format.render(parts))
        assert remote.count_tokens(prompt) == local.count_tokens(prompt)
        params = _params(max_new_tokens=24, stop=remote.prompt_format.stop_strings(parts))
        theirs = remote.generate(prompt, params, TextCollector(), threading.Event())
        ours = local.generate(prompt, params, lambda *_: None, threading.Event())
        assert (theirs.text, theirs.finish_reason, theirs.completion_tokens) == (
            ours.text,
            ours.finish_reason,
            ours.completion_tokens,
        )
    finally:
        local.close()
        remote.close()
