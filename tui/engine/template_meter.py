"""What one compile or render of a chat template may spend, and the counter that enforces it.

A chat template is code from a downloaded file. Jinja's sandbox keeps it away from Python internals, but not
from spending: ``range(10**9)`` nested, ``"x" * 10**9``, ``"%999999999s"``, a string doubled in a loop, a macro
that calls itself twice per level. Every place where the sandboxed code can spend (a loop iteration, a call, an
operator on strings or lists, a piece of output) goes through one ``Meter``; it stops the template with a
``LimitExceeded`` as soon as a budget is crossed, long before the memory or the seconds are gone.

Budgets are counted, not sampled: steps (iterations and calls), characters written and characters (or list
items) built. The clock is read at every step as the backstop for operations that are slow but small (one
operation is bounded by the sizes, so the time limit is overshot by at most one operation).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2.utils import Namespace


@dataclass(frozen=True)
class RenderLimits:
    """Bounds for one chat-template compile or render.

    The defaults never trip on llama.cpp's 70 real templates rendering a 40-message chat: the busiest takes
    1,708 steps, writes 23,639 characters and builds 145,189 (100 times less than allowed), and a
    context-filling chat of 500,000 characters still fits. Every hostile case measured stops in well under a
    second, its memory bounded by the character budgets."""

    seconds: float = 2.0
    """Wall-clock time for one render (checked at every step)."""
    output_chars: int = 2_000_000
    """Characters one render may write, counting what macros and ``{% set %}`` blocks capture."""
    built_chars: int = 8_000_000
    """Characters (or list items) all string and list operations of one render may build together."""
    max_size: int = 1_000_000
    """The largest string (characters) or list (items, nested ones included) one operation may build."""
    max_range: int = 100_000
    """The most items one ``range()`` may have (Jinja's own sandbox allows the same)."""
    max_steps: int = 100_000
    """Loop iterations, calls and output pieces of one render."""
    max_source_chars: int = 200_000
    """The longest template source compiled (real ones are under 20,000 characters)."""
    max_nesting: int = 40
    """The deepest nesting of blocks and brackets compiled (real ones stay under 12)."""


class LimitExceeded(Exception):
    """A template crossed one of its ``RenderLimits``; the message says which, in the words of a notice."""


@dataclass
class Meter:
    """The spending of one compile or render, against ``limits``."""

    limits: RenderLimits
    deadline: float
    steps: int = 0
    output: int = 0
    built: int = 0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.limits.max_steps:
            raise LimitExceeded(f"it looped or called more than {self.limits.max_steps:,} times")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded(f"it ran over {self.limits.seconds:g} s")

    def wrote(self, count: int) -> None:
        self.output += count
        if self.output > self.limits.output_chars:
            raise LimitExceeded(f"it wrote over {self.limits.output_chars:,} characters of output")
        self.step()

    def will_build(self, size: int) -> None:
        """Called before an operation builds a string or list of ``size``: refuses it if too big."""
        if size > self.limits.max_size:
            raise LimitExceeded(
                f"it tried to build a string or list of {size:,} items (the limit is {self.limits.max_size:,})"
            )
        self.built += size
        if self.built > self.limits.built_chars:
            raise LimitExceeded(f"it built over {self.limits.built_chars:,} characters of strings and lists")
        self.check_time()


CURRENT: ContextVar[Meter | None] = ContextVar("shotglass_template_meter", default=None)
"""The meter of the compile or render running in this thread (renders of one template may run in several)."""


def current(limits: RenderLimits) -> Meter:
    """The running meter; outside a compile or render (a filter called directly) a fresh one, so each
    operation is still bounded on its own."""
    meter = CURRENT.get()
    return meter if meter is not None else Meter(limits, time.monotonic() + limits.seconds)


def weight(value: Any, budget: int) -> int:
    """How big ``value`` would be as text or as a flat list: characters of strings, one per item and
    container, nested containers included. Stops counting past ``budget`` (the answer is then ``budget + 1``),
    so a list holding the same large list 100,000 times costs no more to measure than the limit."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 1
            if total + len(item) > budget:
                return budget + 1
            stack.extend(item)
        elif isinstance(item, Mapping):
            total += 1
            if total + 2 * len(item) > budget:
                return budget + 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, range):
            total += len(item)
        elif isinstance(item, Namespace):
            stack.append(dict(object.__getattribute__(item, "_Namespace__attrs")))
        else:
            total += 24  # a number, None, a macro: what str() or json gives is short
        if total > budget:
            return budget + 1
    return total
