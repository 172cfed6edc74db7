"""What the eval worker tells the screen: one message per scored item, and one when the run ends."""

from __future__ import annotations

from textual.message import Message

from tui.core.eval.records import ItemRecord


class EvalScored(Message):
    def __init__(self, record: ItemRecord) -> None:
        super().__init__()
        self.record = record


class EvalEnded(Message):
    def __init__(self, stopped: bool, error: str | None = None) -> None:
        super().__init__()
        self.stopped = stopped
        self.error = error
