"""Stop strings over a token stream, without ever showing the user part of a stop string.

Text that could still be the start of a stop string is held back until the next token decides it.
"""

from __future__ import annotations


class StopScanner:
    def __init__(self, stops: tuple[str, ...]) -> None:
        self.stops = tuple(stop for stop in stops if stop)
        self._held = ""
        self.emitted = ""
        self.stopped = False

    def _holdback(self, text: str) -> int:
        """Length of the longest suffix of ``text`` that is a proper prefix of some stop string."""
        longest = 0
        for stop in self.stops:
            for size in range(min(len(stop) - 1, len(text)), longest, -1):
                if text.endswith(stop[:size]):
                    longest = size
                    break
        return longest

    def feed(self, text: str) -> str:
        """Add decoded text; return the part that is safe to show now."""
        if self.stopped:
            return ""
        buffer = self._held + text
        cut = min((index for index in (buffer.find(stop) for stop in self.stops) if index >= 0), default=-1)
        if cut >= 0:
            self.stopped = True
            self._held = ""
            out = buffer[:cut]
        else:
            keep = self._holdback(buffer)
            out = buffer[: len(buffer) - keep]
            self._held = buffer[len(buffer) - keep :]
        self.emitted += out
        return out

    def flush(self) -> str:
        """At the end of generation the held-back text was not a stop string after all."""
        out, self._held = self._held, ""
        self.emitted += out
        return out
