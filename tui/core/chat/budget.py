"""The context window as a budget: system + pins + history + draft + reserve for the reply.

Counts come from differences of renders of growing prefixes of the same ``PromptParts``, so the
segments add up to exactly the number of tokens the engine will evaluate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.core.chat.prompt import PromptFormat, PromptParts

TokenCounter = Callable[[str], int]

WARN_FRACTION = 0.75
DANGER_FRACTION = 0.90


@dataclass(frozen=True)
class GaugeCounts:
    system: int
    pins: int
    history: int
    draft: int
    reserve: int
    n_ctx: int

    @property
    def prompt(self) -> int:
        return self.system + self.pins + self.history + self.draft

    @property
    def used(self) -> int:
        return self.prompt + self.reserve

    @property
    def fraction(self) -> float:
        return self.used / self.n_ctx if self.n_ctx else 1.0

    @property
    def level(self) -> str:
        if self.fraction >= DANGER_FRACTION:
            return "danger"
        if self.fraction >= WARN_FRACTION:
            return "warn"
        return "ok"


def measure(parts: PromptParts, fmt: PromptFormat, count: TokenCounter, n_ctx: int, reserve: int) -> GaugeCounts:
    """Exact per-segment token counts of the prompt that ``parts`` renders to."""
    return measure_with_cache(parts, fmt, count, n_ctx, reserve, None)[0]


@dataclass(frozen=True)
class PrefixCounts:
    """Counts of the parts that change rarely, cached so a keystroke costs one tokenization."""

    key: tuple
    system: int
    pins: int
    history_end: int


def measure_with_cache(
    parts: PromptParts, fmt: PromptFormat, count: TokenCounter, n_ctx: int, reserve: int, cache: PrefixCounts | None
) -> tuple[GaugeCounts, PrefixCounts]:
    """Like ``measure`` but reuses the system/pins/history counts while only the draft changes."""
    key = (parts.system, parts.instruction, parts.examples, parts.history, parts.input_label, parts.output_label)
    if cache is None or cache.key != key:
        system = count(fmt.render(parts.upto_system()))
        pins_end = count(fmt.render(parts.upto_pins()))
        history_end = count(fmt.render(parts.upto_history()))
        cache = PrefixCounts(key=key, system=system, pins=pins_end - system, history_end=history_end)
    total = count(fmt.render(parts)) if parts.new_message is not None else cache.history_end
    history = cache.history_end - cache.system - cache.pins
    gauge = GaugeCounts(
        system=cache.system,
        pins=cache.pins,
        history=history,
        draft=total - cache.history_end,
        reserve=reserve,
        n_ctx=n_ctx,
    )
    return gauge, cache
