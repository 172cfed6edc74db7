"""A scripted engine for UI tests and screenshots: deterministic text, optional gating for cancel tests.

Token counting is a whitespace-and-punctuation split, so gauge numbers are predictable in tests.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from tui.core.chat.conversation import FinishReason
from tui.core.chat.prompt import CompletionFormat, PromptFormat
from tui.core.contract import EngineCapabilities, GenerationResult, ModelInfo, SamplingParams, TextCallback
from tui.core.errors import ModelError
from tui.core.inspector.scores import PositionScores
from tui.core.profiles.profile import DecodingProfile

_TOKEN = re.compile(r"\s*\S+|\s+")


def fake_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@dataclass
class FakeEngine:
    replies: deque[str] = field(default_factory=deque)
    default_reply: str = "This is a scripted reply."
    token_delay_s: float = 0.0
    gate: threading.Event | None = None
    """When set, generation waits for this event before each token after the first: lets a test cancel
    mid-stream deterministically."""
    n_ctx: int = 2048
    prompt_format: PromptFormat = field(default_factory=CompletionFormat)
    requests: list[tuple[str, SamplingParams]] = field(default_factory=list)
    reuse_limits: list[int | None] = field(default_factory=list)
    forced: list[tuple[int, ...]] = field(default_factory=list)
    closed: bool = False
    capabilities: EngineCapabilities = field(
        default_factory=lambda: EngineCapabilities(reuse_limit=True, label_scoring=True)
    )
    label_picks: deque[str] = field(default_factory=deque)
    """Labels ``label_logprobs`` favours, one per call (stripped text); empty: the first continuation wins."""
    label_requests: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    forgotten: int = 0
    """How many times the app said a chat was over (Ctrl+N)."""

    def __post_init__(self) -> None:
        self.info = ModelInfo(
            path="fake.gguf",
            name="Fake Model",
            architecture="fake",
            size_label="0 MiB",
            quantization="none",
            n_ctx=self.n_ctx,
            n_ctx_train=self.n_ctx,
            backend="CPU",
            n_threads=1,
            gpu_layers=0,
            prompt_format=self.prompt_format.description,
        )

    def script(self, *replies: str) -> "FakeEngine":
        self.replies.extend(replies)
        return self

    def count_tokens(self, text: str) -> int:
        return len(fake_tokens(text)) + 1  # +1 for BOS, like the real engine

    def generate(
        self,
        prompt: str,
        params: SamplingParams,
        on_text: TextCallback,
        cancel: threading.Event,
        reuse_limit: int | None = None,
        forced: tuple[int, ...] = (),
    ) -> GenerationResult:
        self.requests.append((prompt, params))
        self.reuse_limits.append(reuse_limit)
        self.forced.append(tuple(forced))
        reply = self.replies.popleft() if self.replies else self.default_reply
        pieces = fake_tokens(reply)
        finish = FinishReason.END_OF_SEQUENCE
        sent: list[str] = []
        for index, piece in enumerate(pieces):
            if index > 0 and self.gate is not None:
                while not self.gate.wait(0.01):
                    if cancel.is_set():
                        break
            if cancel.is_set():
                finish = FinishReason.CANCELLED
                break
            if len(sent) >= params.max_new_tokens:
                finish = FinishReason.LENGTH
                break
            if self.token_delay_s:
                time.sleep(self.token_delay_s)
            sent.append(piece)
            on_text(piece, len(sent))
        return GenerationResult(
            text="".join(sent),
            finish_reason=finish,
            prompt_tokens=self.count_tokens(prompt),
            evaluated_prompt_tokens=self.count_tokens(prompt),
            completion_tokens=len(sent),
            ttft_s=0.01,
            tokens_per_s=50.0,
            seed=params.seed,
            tokens=tuple(range(len(sent))),
        )

    def rescore(
        self,
        prompt: str,
        reply_tokens: tuple[int, ...],
        profile: DecodingProfile,
        reuse_limit: int | None,
        cancel: threading.Event,
    ) -> list[PositionScores]:
        raise ModelError("the scripted engine cannot re-score replies")

    def token_text(self, token: int) -> str:
        return f"<{token}>"

    def label_logprobs(self, prompt: str, continuations: tuple[str, ...], cancel: threading.Event) -> tuple[float, ...]:
        """The favoured label gets probability 0.8, the others share 0.2: predictable for UI tests."""
        self.label_requests.append((prompt, continuations))
        pick = self.label_picks.popleft() if self.label_picks else continuations[0].strip()
        others = max(1, len(continuations) - 1)
        return tuple(math.log(0.8) if text.strip() == pick else math.log(0.2 / others) for text in continuations)

    def save_prompt_state(self) -> None:
        return None  # no KV cache of its own to keep

    def forget_conversation(self) -> None:
        self.forgotten += 1

    def close(self) -> None:
        self.closed = True
