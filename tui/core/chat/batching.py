"""Streamed text handed to the screen at display rate, not once per token.

The decode thread produces a token every 10-20 ms; posting each one makes the UI thread re-lay-out the
transcript and the gauge as often, and that work competes with decoding for the GIL. ``TokenBatcher`` runs on
the decode thread: it collects the text and passes it on at most every ``interval`` seconds (the first piece at
once, so the time to first token is what the model took), and ``flush`` hands over whatever is left. The
interval is a ``DisplayPace``'s, which the UI thread may lengthen while the reply streams.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tui.core.chat.display_pace import DisplayPace


class TokenBatcher:
    def __init__(
        self,
        emit: Callable[[str, int], None],
        pace: DisplayPace | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self._pace = pace if pace is not None else DisplayPace()
        self._clock = clock
        self._parts: list[str] = []
        self._count = 0
        self._emitted_count = 0
        self._last: float | None = None

    def add(self, text: str, count: int) -> None:
        """The engine's ``on_text``: ``text`` is the newly visible text, ``count`` the tokens so far."""
        if text:
            self._parts.append(text)
        self._count = count
        now = self._clock()
        if self._last is None or now - self._last >= self._pace.interval:
            self.flush()

    def flush(self) -> None:
        if not self._parts and self._count == self._emitted_count:
            return
        text, self._parts = "".join(self._parts), []
        self._emitted_count = self._count
        self._last = self._clock()
        self._emit(text, self._count)
