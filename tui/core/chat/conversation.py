"""What was said, and how each reply was made, so any reply can be explained and reproduced."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    USER = "user"
    ASSISTANT = "assistant"


class FinishReason(str, Enum):
    """Why a reply ended. The headless contract only knows ``stop`` and ``length``; the UI says more."""

    END_OF_SEQUENCE = "eos"
    STOP_STRING = "stop_string"
    LENGTH = "length"
    CANCELLED = "cancelled"

    @property
    def contract_value(self) -> str:
        return "length" if self is FinishReason.LENGTH else "stop"

    @property
    def in_words(self) -> str:
        return {
            FinishReason.END_OF_SEQUENCE: "end of sequence",
            FinishReason.STOP_STRING: "stop string",
            FinishReason.LENGTH: "max new tokens reached",
            FinishReason.CANCELLED: "stopped",
        }[self]


@dataclass(frozen=True)
class ReplyStats:
    profile: str
    seed: int | None
    """``None`` for a greedy reply: temperature 0 ignores the seed, so reporting one would mean nothing."""
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    evaluated_prompt_tokens: int
    ttft_s: float
    tokens_per_s: float

    def summary(self, sampled: bool = True) -> str:
        """One short line under a reply. The seed is shown only where it changed the outcome (sampling)."""
        seed = f" · seed {self.seed}" if sampled and self.seed is not None else ""
        return (
            f"{self.finish_reason.in_words} · {self.profile}{seed} · "
            f"prompt {self.prompt_tokens} ({self.evaluated_prompt_tokens} new) · reply {self.completion_tokens} tok · "
            f"ttft {self.ttft_s * 1000:.0f} ms · {self.tokens_per_s:.0f} tok/s"
        )


IMPORTED_NOTE = "imported (no stats)"
"""What the transcript and the exports say under a reply imported without stats (``Message.imported``)."""


@dataclass(frozen=True)
class Message:
    role: Role
    text: str
    stats: ReplyStats | None = None
    imported: bool = False
    """A reply imported without stats (a plain OpenAI messages file): finished, just never measured here, so
    it is shown as "imported (no stats)", not as a reply the app was closed in the middle of."""
