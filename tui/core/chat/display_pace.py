"""How often a streaming reply is shown: ten times a second, slower only when drawing costs too much.

On a laptop the decode threads take every core, so each frame the UI thread draws is time a decode thread
loses: a reply streamed at 0.93x of the headless rate while the UI thread took 6% of a core at ten frames a
second (``benchmarks/bench_tui_stream.py``, 2 cores). The cost of a frame grows with what is on screen (a
long transcript re-lays-out more widgets when the reply wraps to a new line), not with the decode rate.

``DisplayPace`` keeps the UI thread's CPU time within ``budget`` (a share of one core) while text streams: the
screen reports the UI thread's CPU clock as batches arrive; once a window (half a second) has passed, the display
interval becomes the one that meets the budget at the frame cost just measured, between ``fastest`` and
``slowest``. The screen keeps one pace for all its replies, so a reply starts at the rate the last one
reached. Cheap frames (a short chat, a fast machine) stay at ``fastest``; a slow model, whose tokens come
less often than that, is shown token by token either way.

The interval is read by the decode thread (``TokenBatcher``) and written by the UI thread: one float, which
the interpreter reads and writes whole.
"""

from __future__ import annotations

FASTEST_S = 1 / 10
SLOWEST_S = 1 / 4
BUDGET = 0.03
"""A share of one core. What a reply costs the UI thread whatever the rate (mounting its view, the finished
Markdown, the stats line) comes on top: at 3% for the frames, the TUI streamed at 0.95x headless or better on
2 cores (see the CHANGELOG for the figures)."""
WINDOW_S = 0.5


class DisplayPace:
    def __init__(
        self, budget: float = BUDGET, fastest: float = FASTEST_S, slowest: float = SLOWEST_S, window: float = WINDOW_S
    ) -> None:
        self.budget = budget
        self.fastest = fastest
        self.slowest = slowest
        self.window = window
        self.interval = fastest
        """Seconds between two batches shown; the batcher reads it at every token."""
        self._start: tuple[float, float] | None = None
        """(UI CPU seconds, wall seconds) when the current window began."""

    def begin(self) -> None:
        """A reply starts streaming: the time since the last one is not a window (the interval it reached is
        kept, since the next reply draws the same screen)."""
        self._start = None

    def observe(self, cpu_s: float, wall_s: float) -> None:
        """The UI thread's CPU clock (``time.thread_time()``) and the wall clock, at a batch shown."""
        if self._start is None:
            self._start = (cpu_s, wall_s)
            return
        cpu_start, wall_start = self._start
        elapsed = wall_s - wall_start
        if elapsed < self.window:
            return
        share = max(0.0, cpu_s - cpu_start) / elapsed
        # A frame costs about the same whatever the rate, so the UI's share scales with 1/interval.
        wanted = self.interval * share / self.budget
        self.interval = min(self.slowest, max(self.fastest, wanted))
        self._start = (cpu_s, wall_s)
