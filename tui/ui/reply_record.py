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
    forced: tuple[int, ...] = ()
    """Tokens a fork forced at the start of the reply: a replay forces them again."""

    @property
    def reused_prefix(self) -> int:
        """Prompt tokens the original took from the KV cache (forced tokens are always evaluated)."""
        return max(0, self.result.prompt_tokens + len(self.forced) - self.result.evaluated_prompt_tokens)
