"""The remote engine: a model served by an OpenAI-compatible server on a bigger machine.

Why ``/v1/completions`` with the rendered prompt rather than ``/v1/chat/completions``: the prompt is
rendered here by the same ``PromptFormat`` the local engine uses, so the gauge counts the very text the
server evaluates, a base model still gets labelled few-shot pairs, rendering stays append-only (the
server's prefix cache stays warm), and ``ask``/``eval`` keep their contract.

Stop strings (the format's and the profile's) are sent where the server can say which one ended a reply:
llama-server can, through its own ``/completion`` stream (``stop_type``; it also counts tokens, not chunks),
so it stops there itself. Through the OpenAI API a server reports end-of-sequence and a stop string alike as
``finish_reason: "stop"`` and cuts the stop text, so the reason would be lost: there (llama-cpp-python's
server and the rest) stops are matched here only and the stream is closed at the match. Either way the same
``StopScanner`` as the local engine runs here, so a server that ignores ``stop`` is still cut at the match.
The rendered prompt goes to ``/completion`` the same way, so what is said above of ``/v1/completions`` holds.

Cancel closes the connection between events (a watcher thread also shuts the socket while the server is
still evaluating the prompt); servers stop generating when the client goes away. The server is not
trusted to stop on its own: ``remote_stream.ReplyStream`` ends a reply at ``max_new_tokens`` and at
deadlines, and ``remote_http`` bounds every read. Standard library only.
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import PurePosixPath

from tui.core.chat.conversation import FinishReason
from tui.core.chat.literal import unmarked
from tui.core.chat.prompt import CompletionFormat, PromptFormat
from tui.core.chat.stops import StopScanner
from tui.core.contract import EngineCapabilities, GenerationResult, ModelInfo, SamplingParams, TextCallback
from tui.core.errors import ModelError
from tui.core.inspector.scores import PositionScores
from tui.core.profiles.profile import DecodingProfile
from tui.engine.estimate import estimate_tokens
from tui.engine.remote_http import Endpoint, open_request, request_json, transport_error
from tui.engine.remote_probe import LLAMA_CPP_PYTHON, LLAMA_SERVER, VLLM, ServerFacts, probe, token_list
from tui.engine.remote_stream import Deadlines, ReplyStream, positive

DEFAULT_REMOTE_CTX = 2048
"""Used when the server does not say (llama-cpp-python's server exposes no context size): its own default,
the smallest usual one; the header marks it as assumed and ``--ctx`` overrides it."""
NATIVE_FINAL_FIELDS = (
    "content",
    "stop",
    "stop_type",
    "stopping_word",
    "tokens_predicted",
    "tokens_evaluated",
    "timings",
)
"""What llama-server's final ``/completion`` event carries: without this list it also echoes the whole prompt."""


class RemoteStreamError(ModelError):
    """The stream broke mid-reply. The partial text was already delivered through ``on_text``; it is
    also kept here so a caller that only sees the exception can keep it."""

    def __init__(self, message: str, partial_text: str, completion_tokens: int) -> None:
        super().__init__(message)
        self.partial_text = partial_text
        self.completion_tokens = completion_tokens


def _size_label(size: int | None) -> str:
    if size is None:
        return "size ?"
    return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"


class RemoteEngine:
    """Implements the ``Engine`` protocol over HTTP; one generation at a time, counting from any thread."""

    def __init__(
        self,
        endpoint: str,
        model: str | None = None,
        *,
        n_ctx: int | None = None,
        prompt_format: PromptFormat | None = None,
        api_key: str | None = None,
        timeout_s: float = 10.0,
        read_timeout_s: float = 60.0,
        reply_timeout_s: float | None = None,
    ) -> None:
        """``timeout_s``: to connect, and each probe or tokenize request (3x that in all).
        ``read_timeout_s``: the longest wait for the next token (for the first, plus 1 s per 100 prompt
        tokens). ``reply_timeout_s``: a whole reply (default: the first token's allowance plus 1 s per
        new token asked for)."""
        self.endpoint = Endpoint.parse(endpoint)
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._read_timeout_s = read_timeout_s
        self._reply_timeout_s = reply_timeout_s
        self.facts: ServerFacts = probe(self.endpoint, model, timeout_s=timeout_s, api_key=api_key)
        self.model = self.facts.model
        self.server_kind = self.facts.kind
        self.prompt_format, self.format_source = self._resolve_format(prompt_format)
        resolved_ctx, assumed = self._resolve_ctx(n_ctx)
        self.capabilities = EngineCapabilities(
            # No tokenize endpoint: counts are cl100k estimates, and the UI marks them ``≈``.
            exact_counts=self.facts.tokenizer is not None,
            rescoring=False,  # servers do not expose full logits rows
            reuse_limit=False,
            # Sent, but this server may ignore them: the UI lists them instead of dropping them silently.
            ignored_params=self.facts.unsupported_params,
            context_known=not assumed,
        )
        name = PurePosixPath(self.model).name.removesuffix(".gguf") or self.model
        self.info = ModelInfo(
            path=self.model,
            name=name,
            architecture="unknown",
            size_label=_size_label(self.facts.size_bytes),
            quantization="unknown",
            n_ctx=resolved_ctx,
            n_ctx_train=self.facts.n_ctx_train,
            backend=f"remote ({self.endpoint.label})",
            n_threads=0,
            gpu_layers=0,
            prompt_format=self.prompt_format.description,
        )
        self._lock = threading.RLock()
        self._serialize = self.server_kind == LLAMA_CPP_PYTHON
        """llama-cpp-python's server cuts a streaming reply short when any other request arrives (its
        ``interrupt_requests`` default), so there a recount waits for the reply instead of ending it."""
        self._closed = False

    def _resolve_format(self, given: PromptFormat | None) -> tuple[PromptFormat, str]:
        """The caller's format, else the chat template the server reports (llama-server's ``/props``),
        else a labelled completion transcript: never a guess the user cannot see."""
        if given is not None:
            return given, "given"
        if self.facts.template_stand_in:
            return CompletionFormat(), "the model has no chat template (the server's fallback is not used)"
        if self.facts.chat_template is not None:
            from tui.engine.chat_template import ChatTemplateFormat

            return (
                ChatTemplateFormat(
                    template=self.facts.chat_template, bos_token=self.facts.bos_token, eos_token=self.facts.eos_token
                ),
                "the server's chat template",
            )
        return CompletionFormat(), "no chat template from the server"

    def _resolve_ctx(self, requested: int | None) -> tuple[int, bool]:
        served = self.facts.n_ctx
        if requested is not None:
            if served is not None and requested > served:
                raise ModelError(f"--ctx {requested} exceeds the server's context of {served} tokens")
            return requested, False
        if served is not None:
            return served, False
        return DEFAULT_REMOTE_CTX, True

    def ignored_params(self, params: SamplingParams) -> tuple[str, ...]:
        """The unsupported parameters this request sets to something other than 'off'."""
        active = {"top_k": params.top_k > 0, "min_p": params.min_p > 0, "repeat_penalty": params.repeat_penalty != 1.0}
        return tuple(name for name in self.capabilities.ignored_params if active.get(name, True))

    # -- tokens ------------------------------------------------------------------------------------

    def _wire_prompt(self, text: str) -> str:
        """The text the server evaluates: without the plain-text marks (``core/chat/literal``: no server can
        be told about spans), and without a leading BOS (servers add it; a chat template that writes
        ``{{ bos_token }}`` would double it). Counting goes through here too, so the gauge counts this text."""
        text = unmarked(text)
        bos = self.prompt_format.bos_token
        return text[len(bos) :] if bos and text.startswith(bos) else text

    def tokenize(self, text: str) -> list[int]:
        dialect = self.facts.tokenizer
        if dialect is None:
            raise ModelError(f"{self.endpoint.url} has no tokenize endpoint")
        answer = request_json(
            self.endpoint,
            "POST",
            dialect.path,
            dialect.body(self._wire_prompt(text), self.model),
            timeout_s=self._timeout_s,
            api_key=self._api_key,
        )
        tokens = token_list(answer)
        if tokens is None:
            raise ModelError(f"{self.endpoint.url} sent an unexpected answer to POST {dialect.path}")
        return tokens

    def count_tokens(self, text: str) -> int:
        """Exact (the server's tokenizer, with the BOS it adds) where it has one; else ≈ cl100k."""
        if self.facts.tokenizer is None:
            return estimate_tokens(self._wire_prompt(text))
        if self._serialize:
            with self._lock:
                return len(self.tokenize(text))
        return len(self.tokenize(text))

    # -- generation --------------------------------------------------------------------------------

    @property
    def _native(self) -> bool:
        return self.server_kind == LLAMA_SERVER

    def _request_body(self, prompt: str, params: SamplingParams) -> dict:
        if self._native:
            return {
                "prompt": prompt,
                "n_predict": params.max_new_tokens,
                "temperature": params.temperature,
                "top_k": params.top_k,
                "top_p": params.top_p,
                "min_p": params.min_p,
                "repeat_penalty": params.repeat_penalty,
                "seed": params.seed,
                "stop": list(params.stop),
                "stream": True,
                "cache_prompt": True,
                "response_fields": list(NATIVE_FINAL_FIELDS),
            }
        body = {
            "model": self.model,
            "prompt": prompt,
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
            "stream": True,
            "stream_options": {"include_usage": True},
            "top_k": params.top_k,
            "min_p": params.min_p,
        }
        if self.server_kind == VLLM:
            body["top_k"] = params.top_k if params.top_k > 0 else -1
            body["repetition_penalty"] = params.repeat_penalty
        else:
            body["repeat_penalty"] = params.repeat_penalty
        return body

    def generate(
        self,
        prompt: str,
        params: SamplingParams,
        on_text: TextCallback,
        cancel: threading.Event,
        reuse_limit: int | None = None,
        forced: tuple[int, ...] = (),
    ) -> GenerationResult:
        """``reuse_limit`` cannot be honoured remotely (the server owns its cache); an exact replay is
        as exact as the server's prefix cache makes it. The result has no token ids (``tokens`` is
        empty: OpenAI streams carry text), so the inspector and fork-from-token stay local features."""
        if forced:
            raise ModelError("forking from a token needs the local engine: a remote server's reply has no token ids")
        with self._lock:
            if self._closed:
                raise ModelError("the remote engine was closed")
            prompt_tokens = self.count_tokens(prompt)
            # An assumed context is no reason to refuse: the server knows its own and answers in one line.
            known = self.capabilities.exact_counts and self.capabilities.context_known
            if known and prompt_tokens + params.max_new_tokens > self.info.n_ctx:
                raise ModelError(
                    f"prompt of {prompt_tokens} tokens plus {params.max_new_tokens} new tokens exceeds "
                    f"the context of {self.info.n_ctx}"
                )
            body = self._request_body(self._wire_prompt(prompt), params)
            start = time.perf_counter()
            deadlines = Deadlines.for_reply(
                self._read_timeout_s, prompt_tokens, params.max_new_tokens, self._reply_timeout_s
            )
            stream = ReplyStream(
                StopScanner(params.stop),
                on_text,
                max_tokens=params.max_new_tokens,
                url=self.endpoint.url,
                deadlines=deadlines,
            )
            try:
                exchange = open_request(
                    self.endpoint,
                    "POST",
                    "/completion" if self._native else "/v1/completions",
                    body,
                    timeout_s=self._timeout_s,
                    # the watchdog keeps the deadlines; the socket's own timeout only backs it up
                    read_timeout_s=max(deadlines.first_token_s, deadlines.idle_s) + 1.0,
                    api_key=self._api_key,
                    cancel=cancel,
                    deadline=stream.first_deadline,
                )
            except ModelError:
                if not cancel.is_set():
                    raise
            else:
                content_type = exchange.response.getheader("Content-Type") or ""
                try:
                    stream.read(
                        exchange.response, cancel, is_sse="event-stream" in content_type, watchdog=exchange.watcher
                    )
                except (OSError, http.client.HTTPException) as error:
                    if not cancel.is_set():
                        stream.error = transport_error(self.endpoint, error, self._read_timeout_s)
                finally:
                    exchange.close()
            end = time.perf_counter()
            return self._finish(stream, params, cancel, prompt_tokens, start, end)

    def _finish(
        self,
        stream: ReplyStream,
        params: SamplingParams,
        cancel: threading.Event,
        prompt_tokens: int,
        start: float,
        end: float,
    ) -> GenerationResult:
        if cancel.is_set():
            finish = FinishReason.CANCELLED
        elif stream.scanner.stopped or (stream.error is None and stream.stop_type == "word"):
            finish = FinishReason.STOP_STRING
        elif stream.error is None and stream.stop_type == "eos":
            finish = FinishReason.END_OF_SEQUENCE
        elif stream.error is None and stream.length_reached:
            finish = FinishReason.LENGTH  # max_new_tokens counted here, whatever the server did after it
        elif stream.error is None and stream.server_finish == "length":
            finish = FinishReason.LENGTH
        elif stream.error is None and stream.server_finish is not None:
            finish = FinishReason.LENGTH if stream.completion >= params.max_new_tokens else FinishReason.END_OF_SEQUENCE
        else:
            finish = None
        if not stream.scanner.stopped:  # a stop the server cut: what is held back here is reply text
            tail = stream.scanner.flush()
            if tail:
                stream.on_text(tail, stream.completion)
        if finish is None:
            reason = stream.error or ModelError(
                f"{self.endpoint.url} ended the reply without a finish reason (llama-cpp-python's server does "
                f"that when another request arrives; start it with --interrupt_requests False)"
                if stream.done
                else f"{self.endpoint.url} closed the stream mid-reply"
            )
            raise RemoteStreamError(
                f"{reason} (after {stream.completion} tokens; the partial reply is kept)",
                stream.scanner.emitted,
                stream.completion,
            )
        completion = stream.completion
        usage = stream.usage
        if finish is not FinishReason.CANCELLED and not stream.scanner.stopped:
            completion = min(positive(usage.get("completion_tokens")) or completion, params.max_new_tokens)
        prompt_tokens = positive(usage.get("prompt_tokens")) or prompt_tokens
        evaluated = positive(stream.timings.get("prompt_n")) or prompt_tokens
        first_at = stream.first_at if stream.first_at is not None else end
        decode_time = end - first_at
        return GenerationResult(
            text=stream.scanner.emitted,
            finish_reason=finish,
            prompt_tokens=prompt_tokens,
            evaluated_prompt_tokens=min(evaluated, prompt_tokens),
            completion_tokens=completion,
            ttft_s=first_at - start,
            tokens_per_s=(stream.completion - 1) / decode_time if stream.completion > 1 and decode_time > 0 else 0.0,
            seed=params.seed,
        )

    def rescore(
        self,
        prompt: str,
        reply_tokens: tuple[int, ...],
        profile: DecodingProfile,
        reuse_limit: int | None,
        cancel: threading.Event,
    ) -> list[PositionScores]:
        raise ModelError("a remote server does not expose the logits needed to re-score a reply")

    def token_text(self, token: int) -> str:
        raise ModelError("a remote server does not expose its vocabulary")

    def label_logprobs(self, prompt: str, continuations: tuple[str, ...], cancel: threading.Event) -> tuple[float, ...]:
        raise ModelError("a remote server does not expose the logits needed to score labels")

    def save_prompt_state(self) -> None:
        return None  # no KV cache of its own to keep

    def forget_conversation(self) -> None:
        return None  # the server holds its own cache

    def close(self) -> None:
        """Waits for a running generation (cancel it first); nothing is held between requests."""
        with self._lock:
            self._closed = True
