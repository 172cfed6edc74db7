"""What the chat keeps about each reply it generated, so the inspector can re-score it exactly and
"fork from here" can continue it: the prompt, the sampling parameters, the tokens and the model."""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.profile import DecodingProfile
from tui.engine.base import GenerationResult, SamplingParams


@dataclass(frozen=True)
class ReplyRecord:
    prompt: str
    params: SamplingParams
    profile: DecodingProfile
    result: GenerationResult
    model_path: str

    @property
    def reused_prefix(self) -> int:
        return self.result.prompt_tokens - self.result.evaluated_prompt_tokens
