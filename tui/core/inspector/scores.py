"""Why a token was chosen: one position's top candidates through llama.cpp's sampler chain.

The chain shotglass uses (llama-cpp-python's): repeat penalty -> top-k -> top-p -> min-p -> temperature
-> draw; greedy (temperature 0) takes the most probable token. Top-k, top-p and min-p only *cut* the
sorted candidate list (each keeps a prefix of it); temperature *reshapes* the distribution of what is
left. The engine measures the cut points and a few log-sum-exp scalars over the full vocabulary, so the
inspector never has to keep a whole logits row per token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tui.core.profiles.profile import DecodingProfile


@dataclass(frozen=True)
class PositionScores:
    """What the engine measured at one reply position (logits after the repeat penalty, if any)."""

    position: int
    chosen: int
    candidates: tuple[tuple[int, str, float], ...]
    """(token id, token text, logit), most probable first; the chosen token is always included."""
    lse: float
    """log-sum-exp of all logits: raw probability = exp(logit - lse)."""
    lse_at_temperature: float
    """log-sum-exp of logits / T over the whole vocabulary: the distribution temperature alone gives."""
    kept_top_k: int
    kept_top_p: int
    kept_min_p: int
    """How many of the sorted candidates survive each step, in chain order (each <= the previous)."""
    lse_survivors_at_temperature: float
    """log-sum-exp of logits / T over the survivors: what the final draw normalises over."""
    chosen_rank: int = 0
    """The chosen token's true rank (0 = most probable), also when it lies beyond the shown candidates."""


@dataclass(frozen=True)
class CandidateRow:
    token: int
    text: str
    rank: int
    raw_p: float
    temperature_p: float
    cut_by: str | None
    """'top-k', 'top-p', 'min-p' or 'greedy' when that step removed the candidate; None if it survived."""
    final_p: float
    chosen: bool


def cut_reason(rank: int, scores: PositionScores, greedy: bool) -> str | None:
    if greedy:
        return None if rank == 0 else "greedy"
    if rank >= scores.kept_top_k:
        return "top-k"
    if rank >= scores.kept_top_p:
        return "top-p"
    if rank >= scores.kept_min_p:
        return "min-p"
    return None


def analyze(scores: PositionScores, profile: DecodingProfile) -> list[CandidateRow]:
    greedy = profile.is_greedy
    temperature = profile.temperature or 1.0
    rows = []
    for index, (token, text, logit) in enumerate(scores.candidates):
        rank = scores.chosen_rank if token == scores.chosen else index
        reason = cut_reason(rank, scores, greedy)
        if reason is not None:
            final = 0.0
        elif greedy:
            final = 1.0
        else:
            final = math.exp(logit / temperature - scores.lse_survivors_at_temperature)
        rows.append(
            CandidateRow(
                token=token,
                text=text,
                rank=rank,
                raw_p=math.exp(logit - scores.lse),
                temperature_p=math.exp(logit / temperature - scores.lse_at_temperature),
                cut_by=reason,
                final_p=final,
                chosen=token == scores.chosen,
            )
        )
    return rows


def surprise_level(scores: PositionScores) -> float:
    """Probability of the chosen token (raw): what the inspector colours each token by."""
    for token, _text, logit in scores.candidates:
        if token == scores.chosen:
            return math.exp(logit - scores.lse)
    return 0.0
