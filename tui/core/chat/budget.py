"""The context window as a budget: system + pins + history + draft + reserve for the reply.

Counts come from differences of renders of growing prefixes of the same ``PromptParts``, so the
segments add up to exactly the number of tokens the engine will evaluate.

Some chat templates render only whole conversations: they reject an empty message list or a system turn
alone (Llama 3.x, Qwen, Gemma), or their partial renders are not prefixes of the whole one (a system text
merged into the first user turn, pins written as one labelled block). Then the split is meaningless, so the
gauge shows the exact total of the whole prompt (the draft, even empty, as the next user message) and says
so (``split=False``), rather than no count at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from tui.core.chat.prompt import PromptFormat, PromptParts
from tui.core.errors import UserError

TokenCounter = Callable[[str], int]

PROBE_DRAFT = "probe draft"
"""Stands in for an empty draft when checking that the renders chain."""

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
    split: bool = True
    """False: only the total is known (it is all in ``history``): the template renders whole chats only."""

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
    split: bool = True
    """False: partial renders failed or do not chain; only whole-prompt totals are counted."""


def _split_counts(parts: PromptParts, fmt: PromptFormat, count: TokenCounter, key: tuple) -> PrefixCounts:
    """Counts of the system, pins and history prefixes, if each render is a prefix of the next."""
    try:
        renders = [fmt.render(parts.upto_system()), fmt.render(parts.upto_pins()), fmt.render(parts.upto_history())]
        # The next message must extend the chat too (Phi 3.5 closes a chat without one with ``</s>``), and
        # text in it must come after everything counted so far (a merged system text sits before it, in the
        # same turn): an empty draft could hide that, since templates trim.
        renders.append(fmt.render(replace(parts, new_message=parts.new_message or PROBE_DRAFT)))
    except UserError:
        return PrefixCounts(key=key, system=0, pins=0, history_end=0, split=False)
    if any(not later.startswith(earlier) for earlier, later in zip(renders, renders[1:])):
        return PrefixCounts(key=key, system=0, pins=0, history_end=0, split=False)
    system, pins_end, history_end = (count(text) for text in renders[:3])
    return PrefixCounts(key=key, system=system, pins=pins_end - system, history_end=history_end)


def measure_with_cache(
    parts: PromptParts, fmt: PromptFormat, count: TokenCounter, n_ctx: int, reserve: int, cache: PrefixCounts | None
) -> tuple[GaugeCounts, PrefixCounts]:
    """Like ``measure`` but reuses the system/pins/history counts while only the draft changes.

    Raises ``UserError`` only when the whole prompt cannot be rendered (the template refuses this chat)."""
    key = (
        parts.system,
        parts.instruction,
        parts.examples,
        parts.history,
        parts.input_label,
        parts.output_label,
        parts.pin_render,
        parts.template_options,
    )
    if cache is None or cache.key != key:
        cache = _split_counts(parts, fmt, count, key)
    if not cache.split:
        whole = parts if parts.new_message is not None else replace(parts, new_message="")
        total = count(fmt.render(whole))
        gauge = GaugeCounts(system=0, pins=0, history=total, draft=0, reserve=reserve, n_ctx=n_ctx, split=False)
        return gauge, cache
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
