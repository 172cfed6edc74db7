"""Re-scores kept per reply, so opening the inspector again on the same reply costs nothing.

Re-scoring is a forward pass over the prompt and the whole reply (seconds on a long one); the result
depends only on the model and the reply's record, so that pair is the key. Bounded to the newest few
replies: each entry holds every position's candidates.
"""

from __future__ import annotations

from collections import OrderedDict

from tui.core.chat.record import ReplyRecord
from tui.core.inspector.scores import PositionScores

DEFAULT_LIMIT = 8


class ScoreCache:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = max(1, limit)
        self._entries: OrderedDict[tuple[str, ReplyRecord], list[PositionScores]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """A new chat: the replies scored so far can no longer be inspected, so their scores are dropped."""
        self._entries.clear()

    def get(self, model_path: str, record: ReplyRecord) -> list[PositionScores] | None:
        key = (model_path, record)
        scores = self._entries.get(key)
        if scores is not None:
            self._entries.move_to_end(key)
        return scores

    def put(self, model_path: str, record: ReplyRecord, scores: list[PositionScores]) -> None:
        key = (model_path, record)
        self._entries[key] = scores
        self._entries.move_to_end(key)
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)
