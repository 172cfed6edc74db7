"""The contract between the UI/CLI and whatever produces tokens.

``generate`` is a plain blocking call that reports text through a callback and checks a cancel event
between tokens. That keeps engines free of any UI framework: the TUI runs it in a thread worker and
posts messages from the callback; ``shotglass ask`` just writes to stdout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tui.core.chat.conversation import FinishReason
from tui.core.chat.prompt import PromptFormat
from tui.core.inspector.scores import PositionScores
from tui.core.profiles.profile import DecodingProfile

TextCallback = Callable[[str, int], None]
"""Called once per generated token with the newly visible text (often empty while a stop string or a
multi-byte character is pending) and the number of tokens generated so far: the gauge rises exactly."""


@dataclass(frozen=True)
class ModelInfo:
    path: str
    name: str
    architecture: str
    size_label: str
    quantization: str
    n_ctx: int
    n_ctx_train: int | None
    backend: str
    n_threads: int
    gpu_layers: int
    prompt_format: str


@dataclass(frozen=True)
class SamplingParams:
    max_new_tokens: int
    temperature: float
    top_k: int
    top_p: float
    min_p: float
    repeat_penalty: float
    seed: int
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class GenerationResult:
    text: str
    finish_reason: FinishReason
    prompt_tokens: int
    evaluated_prompt_tokens: int
    """How many prompt tokens were actually evaluated; the rest came from the KV-cache prefix."""
    completion_tokens: int
    ttft_s: float
    tokens_per_s: float
    seed: int
    tokens: tuple[int, ...] = ()
    """The generated token ids (including any forced ones): what the inspector re-scores."""


@dataclass(frozen=True)
class EngineCapabilities:
    """What an engine can do, declared by the engine itself: the UI reads this and never probes for methods."""

    exact_counts: bool = True
    """Token counts come from the model's own tokenizer; False: cl100k estimates, shown with ≈."""
    rescoring: bool = False
    """``rescore`` and ``token_text`` work: the inspector (F8) and "fork from here"."""
    reuse_limit: bool = False
    """``generate`` honours ``reuse_limit``, so a replay reproduces a reply exactly."""
    ignored_params: tuple[str, ...] = ()
    """Sampling parameters the engine (a server) may ignore; profiles still send them."""
    context_known: bool = True
    """``info.n_ctx`` was read from the model or the server; False: assumed (the user should set --ctx)."""
    label_scoring: bool = False
    """``label_logprobs`` works: ``eval --score choice`` ranks candidate labels without sampling."""


def header_segments(info: ModelInfo, capabilities: EngineCapabilities) -> tuple[tuple[str, str], ...]:
    """The model line of the header as (text, role) pieces; roles: ``name``, ``warning``, ``format`` or ``""``.
    One description for the TUI's header (which styles the roles) and plain text (``header_line``)."""
    pieces: list[tuple[str, str]] = [(info.name, "name")]
    if info.quantization not in ("", "unknown"):
        pieces.append((f" · {info.quantization} {info.size_label}", ""))
    pieces.append((f" · ctx {info.n_ctx:,}", ""))
    if not capabilities.context_known:
        pieces.append((" (assumed; set --ctx)", "warning"))
    if info.backend:
        pieces.append((f" · {info.backend}", ""))
    if info.n_threads > 0:  # a remote server's threads are its own business
        pieces.append((f", {info.n_threads} thread{'s' if info.n_threads != 1 else ''}", ""))
    if info.prompt_format:
        pieces += [(" · ", ""), (info.prompt_format, "format")]
    if not capabilities.exact_counts:
        pieces.append((" · token counts ≈ (cl100k estimate)", "warning"))
    return tuple(pieces)


def header_line(info: ModelInfo, capabilities: EngineCapabilities) -> str:
    return "".join(text for text, _role in header_segments(info, capabilities))


class Engine(Protocol):
    info: ModelInfo
    prompt_format: PromptFormat
    capabilities: EngineCapabilities

    def count_tokens(self, text: str) -> int:
        """Exact number of tokens ``generate`` would evaluate for this prompt text."""
        ...

    def generate(
        self,
        prompt: str,
        params: SamplingParams,
        on_text: TextCallback,
        cancel: threading.Event,
        reuse_limit: int | None = None,
        forced: tuple[int, ...] = (),
    ) -> GenerationResult:
        """``forced`` tokens start the reply as if the model had picked them ("fork from here").
        ``reuse_limit`` caps how many cached prompt tokens may be reused. llama.cpp's logits depend
        slightly on how a prompt was split into batches, so an exact replay re-evaluates exactly the
        tokens the original evaluated (``prompt_tokens - evaluated_prompt_tokens`` reused)."""
        ...

    def rescore(
        self,
        prompt: str,
        reply_tokens: tuple[int, ...],
        profile: DecodingProfile,
        reuse_limit: int | None,
        cancel: threading.Event,
    ) -> list[PositionScores]:
        """Per reply token, its candidates through the sampler chain (only where ``capabilities.rescoring``)."""
        ...

    def token_text(self, token: int) -> str:
        """How one token reads (only where ``capabilities.rescoring``)."""
        ...

    def label_logprobs(self, prompt: str, continuations: tuple[str, ...], cancel: threading.Event) -> tuple[float, ...]:
        """Per continuation, the log-probability of its tokens right after ``prompt`` (only where
        ``capabilities.label_scoring``). The prompt is evaluated once and its KV prefix reused for each one."""
        ...

    def save_prompt_state(self) -> None:
        """Keep the KV cache of the prompt and reply just generated for a later start (instant resume); engines
        without a prompt-state cache do nothing. Called off the UI thread after a reply has been shown."""
        ...

    def forget_conversation(self) -> None:
        """Ctrl+N: the next chat shares no prefix with the old one, so give back the memory of its KV cache
        (what a long chat paged in). Engines that hold none do nothing. Called off the UI thread."""
        ...

    def close(self) -> None: ...
