"""Keeps the context gauge exact while the user types: a debounced recount in a thread worker.

Counting renders the prompt and tokenizes it with the model (a few ms, more for long chats), so it never runs
on the UI thread. A newer recount cancels the older one (``exclusive``), and a worker that was cancelled
drops its result instead of posting it, so a stale count never overwrites a fresh one. A result counted
with a model that has since been switched away from is dropped too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import get_current_worker

from tui.core.chat.budget import GaugeCounts, PrefixCounts, measure_with_cache
from tui.core.chat.prompt import PromptParts
from tui.core.contract import Engine
from tui.core.errors import UserError
from tui.ui.chat.context_gauge import ContextGauge

DEBOUNCE_S = 0.12
STREAM_REDRAW_S = 0.5
"""How often the gauge is redrawn while a reply streams: the count rises by a few tokens a batch, which no one
reads at ten frames a second, and each redraw of its two lines is UI time the decode threads lose."""


@dataclass
class GaugeMeasured(Message):
    counts: GaugeCounts | None
    cache: PrefixCounts | None
    engine: Engine
    """The engine that counted: a result from a model switched away from is dropped."""
    problem: str | None = None
    """Why nothing could be counted (the template refuses this chat): shown in the gauge, never a toast."""


class GaugeMeter:
    def __init__(
        self,
        host: Widget,
        gauge: ContextGauge,
        source: Callable[[], tuple[Engine, PromptParts, int]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``source`` gives what to count now: the engine, the prompt parts and the tokens reserved for the reply."""
        self._clock = clock
        self._drawn_at = 0.0
        """When ``streamed`` last redrew the gauge."""
        self._host = host
        self._source = source
        self._gauge = gauge
        self._cache: PrefixCounts | None = None
        self._timer: Timer | None = None
        self._stream_base: GaugeCounts | None = None

    def forget(self) -> None:
        """The tokenizer changed (a model switch): nothing counted before is valid."""
        self._cache = None

    def schedule(self, delay: float = DEBOUNCE_S) -> None:
        """Recount after ``delay`` (0: now). What is counted is read when the count starts, not when it was
        asked for: a reply that finishes within the debounce must not be counted as it was before."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if delay:
            self._timer = self._host.set_timer(delay, self._start)
        else:
            self._start()

    def _start(self) -> None:
        cache, host = self._cache, self._host
        engine, parts, reserve = self._source()

        def count() -> None:
            try:
                counts, new_cache = measure_with_cache(
                    parts, engine.prompt_format, engine.count_tokens, engine.info.n_ctx, reserve, cache
                )
                measured = GaugeMeasured(counts, new_cache, engine)
            except UserError as error:  # the template rejects this whole prompt, or the model was closed
                measured = GaugeMeasured(None, cache, engine, problem=str(error))
            if not get_current_worker().is_cancelled:
                host.post_message(measured)

        host.run_worker(count, thread=True, exclusive=True, group="gauge", exit_on_error=False)

    def measured(self, message: GaugeMeasured, engine: Engine) -> None:
        if message.engine is not engine:
            return
        self._cache = message.cache
        if self._stream_base is not None:
            return  # the gauge shows the request being answered; a draft typed meanwhile is counted after it
        self._gauge.problem = message.problem
        if message.counts is not None:
            self._gauge.counts = message.counts

    # -- while a reply streams ------------------------------------------------------------------------

    def start_stream(self, prompt_tokens: int, reserve: int, n_ctx: int) -> None:
        """The gauge now shows the request being answered; it rises with each generated token."""
        system, pins = (self._cache.system, self._cache.pins) if self._cache else (0, 0)
        self._stream_base = GaugeCounts(
            system=system,
            pins=pins,
            history=max(0, prompt_tokens - system - pins),
            draft=0,
            reserve=reserve,
            n_ctx=n_ctx,
            split=self._cache.split if self._cache else True,
        )
        self._gauge.problem = None
        self._gauge.counts = self._stream_base

    def streamed(self, completion_tokens: int) -> None:
        """The reply has ``completion_tokens`` tokens: redrawn at most every ``STREAM_REDRAW_S``; the count
        after the reply is exact again (the screen recounts when it finishes)."""
        base = self._stream_base
        now = self._clock()
        if base is not None and now - self._drawn_at >= STREAM_REDRAW_S:
            self._drawn_at = now
            self._gauge.counts = GaugeCounts(
                system=base.system,
                pins=base.pins,
                history=base.history + completion_tokens,
                draft=0,
                reserve=max(0, base.reserve - completion_tokens),
                n_ctx=base.n_ctx,
                split=base.split,
            )

    def end_stream(self) -> None:
        self._stream_base = None
