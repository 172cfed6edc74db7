"""An ``on_text`` callback for engine tests: keeps every piece and count, and can cancel after N tokens."""

from __future__ import annotations

import threading


class TextCollector:
    def __init__(self, cancel_after: int | None = None, cancel: threading.Event | None = None) -> None:
        self.pieces: list[str] = []
        self.counts: list[int] = []
        self.cancel_after = cancel_after
        self.cancel = cancel or threading.Event()

    def __call__(self, text: str, tokens: int) -> None:
        self.pieces.append(text)
        self.counts.append(tokens)
        if self.cancel_after is not None and tokens >= self.cancel_after:
            self.cancel.set()

    @property
    def text(self) -> str:
        return "".join(self.pieces)
