"""The engine the chat screen holds while the real model loads in a worker, so the first frame is drawn at
once instead of after the load.

It declares no re-scoring, and refuses every request (counts included) with one line,
so nothing can be sent before the model is there; the gauge shows "counting…" until then.
"""

from __future__ import annotations

import threading
from pathlib import Path

from tui.core.chat.prompt import CompletionFormat
from tui.core.contract import EngineCapabilities, GenerationResult, ModelInfo, SamplingParams, TextCallback
from tui.core.errors import ModelError
from tui.core.inspector.scores import PositionScores
from tui.core.profiles.profile import DecodingProfile

NOT_YET = "the model is still loading"


class LoadingEngine:
    def __init__(self, model: Path | str, n_ctx: int) -> None:
        self.prompt_format = CompletionFormat()
        self.capabilities = EngineCapabilities()  # nothing to warn about: it counts and generates nothing
        self.info = ModelInfo(
            path=str(model),
            name=f"loading {Path(model).name}…",
            architecture="",
            size_label="",
            quantization="",
            n_ctx=n_ctx,
            n_ctx_train=None,
            backend="",
            n_threads=0,
            gpu_layers=0,
            prompt_format="",
        )

    def count_tokens(self, text: str) -> int:
        raise ModelError(NOT_YET)

    def generate(
        self,
        prompt: str,
        params: SamplingParams,
        on_text: TextCallback,
        cancel: threading.Event,
        reuse_limit: int | None = None,
        forced: tuple[int, ...] = (),
    ) -> GenerationResult:
        raise ModelError(NOT_YET)

    def rescore(
        self,
        prompt: str,
        reply_tokens: tuple[int, ...],
        profile: DecodingProfile,
        reuse_limit: int | None,
        cancel: threading.Event,
    ) -> list[PositionScores]:
        raise ModelError(NOT_YET)

    def token_text(self, token: int) -> str:
        raise ModelError(NOT_YET)

    def label_logprobs(self, prompt: str, continuations: tuple[str, ...], cancel: threading.Event) -> tuple[float, ...]:
        raise ModelError(NOT_YET)

    def save_prompt_state(self) -> None:
        return None

    def forget_conversation(self) -> None:
        return None

    def close(self) -> None:
        return None
