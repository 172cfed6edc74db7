"""The glue between a planned request and an engine call, shared by the TUI worker and ``ask``."""

from __future__ import annotations

import secrets

from tui.core.chat.conversation import ReplyStats
from tui.core.chat.fitting import RequestPlan
from tui.core.contract import GenerationResult, SamplingParams
from tui.core.profiles.profile import SEED_MAX, DecodingProfile


def draw_seed() -> int:
    return secrets.randbelow(SEED_MAX + 1)


def sampling_params(profile: DecodingProfile, plan: RequestPlan, seed: int | None = None) -> SamplingParams:
    """Every call gets an explicit seed: the profile's, the caller's (replay), or a fresh one.

    Without it llama-cpp-python reuses its default seed and "random" replies repeat across restarts.
    """
    chosen = seed if seed is not None else (profile.seed if profile.seed is not None else draw_seed())
    return SamplingParams(
        max_new_tokens=plan.max_new_tokens,
        temperature=profile.temperature,
        top_k=profile.top_k,
        top_p=profile.top_p,
        min_p=profile.min_p,
        repeat_penalty=profile.repeat_penalty,
        seed=chosen,
        stop=plan.stop,
    )


def reply_stats(profile: DecodingProfile, result: GenerationResult) -> ReplyStats:
    return ReplyStats(
        profile=profile.name,
        seed=None if profile.is_greedy else result.seed,
        finish_reason=result.finish_reason,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        evaluated_prompt_tokens=result.evaluated_prompt_tokens,
        ttft_s=result.ttft_s,
        tokens_per_s=result.tokens_per_s,
    )
