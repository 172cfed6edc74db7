"""Turn one full logits row into the inspector's ``PositionScores`` with numpy, then drop the row.

Mirrors llama.cpp's sampler chain (penalties -> top-k -> top-p -> min-p -> temperature) to find how
many sorted candidates each step keeps. Only the top ``WINDOW`` logits are sorted; the full vocabulary is
sorted only in the rare case top-p has not reached its mass within that window.
"""

from __future__ import annotations

import numpy as np

from tui.core.inspector.scores import PositionScores
from tui.core.profiles.profile import DecodingProfile

WINDOW = 512
SHOWN = 12
PENALTY_LAST_N = 64  # llama-cpp-python's last_n_tokens_size default


def _lse(values: np.ndarray) -> float:
    top = float(values.max())
    return top + float(np.log(np.exp(values - top).sum()))


def apply_repeat_penalty(logits: np.ndarray, previous: list[int], penalty: float) -> np.ndarray:
    """llama.cpp's repeat penalty over the reply's last 64 tokens: divide positive logits, multiply
    negative ones. (The sampler is created per reply, so prompt tokens are not penalised.)"""
    if penalty == 1.0 or not previous:
        return logits
    adjusted = logits.copy()
    for token in set(previous[-PENALTY_LAST_N:]):
        value = adjusted[token]
        adjusted[token] = value / penalty if value > 0 else value * penalty
    return adjusted


def score_position(
    logits: np.ndarray, chosen: int, position: int, profile: DecodingProfile, token_text
) -> PositionScores:
    logits = logits.astype(np.float64, copy=False)
    vocab = logits.shape[0]
    temperature = profile.temperature or 1.0
    window = min(WINDOW, vocab)
    top = np.argpartition(-logits, window - 1)[:window]
    top = top[np.argsort(-logits[top], kind="stable")]
    kept_k = min(profile.top_k, vocab) if profile.top_k > 0 else vocab
    k_window = min(kept_k, window)
    lse_k = _lse(logits if kept_k == vocab else np.partition(logits, vocab - kept_k)[vocab - kept_k :])
    kept_p = kept_k
    if profile.top_p < 1.0:
        cumulative = np.cumsum(np.exp(logits[top[:k_window]] - lse_k))
        reached = np.nonzero(cumulative >= profile.top_p)[0]
        if reached.size:
            kept_p = int(reached[0]) + 1
        elif kept_k > window:
            ordered = np.sort(logits)[::-1][:kept_k]
            reached = np.nonzero(np.cumsum(np.exp(ordered - lse_k)) >= profile.top_p)[0]
            kept_p = int(reached[0]) + 1 if reached.size else kept_k
    kept_p = max(1, kept_p)
    kept_min = kept_p
    if profile.min_p > 0:
        threshold = float(logits[top[0]]) + float(np.log(profile.min_p))
        kept_min = max(1, min(kept_p, int((logits >= threshold).sum())))
    if kept_min <= window:
        survivors = logits[top[:kept_min]]
    else:
        survivors = np.sort(logits)[::-1][:kept_min]
    shown = [int(token) for token in top[:SHOWN]]
    if chosen not in shown:
        shown.append(chosen)
    return PositionScores(
        position=position,
        chosen=chosen,
        candidates=tuple((token, token_text(token), float(logits[token])) for token in shown),
        lse=_lse(logits),
        lse_at_temperature=_lse(logits / temperature),
        kept_top_k=kept_k,
        kept_top_p=kept_p,
        kept_min_p=kept_min,
        lse_survivors_at_temperature=_lse(survivors / temperature),
        chosen_rank=int((logits > logits[chosen]).sum()),
    )
