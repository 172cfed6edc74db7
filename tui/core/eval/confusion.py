"""The confusion matrix of a cell whose outputs are a small label set: which label was expected, which came.

A reply that is none of the labels goes to an ``other`` column, so the rows always add up to the items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.core.eval.records import ItemRecord
from tui.core.eval.scoring import SMALL_LABEL_SET, label_of

OTHER = "other"


@dataclass(frozen=True)
class ConfusionMatrix:
    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    """counts[expected][got]; the last column is ``other``."""

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.labels, OTHER)

    def rows(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        return tuple(zip(self.labels, self.counts))


def confusion(records: Sequence[ItemRecord], labels: Sequence[str]) -> ConfusionMatrix | None:
    """None when the labels are not a small set (free text has no useful matrix)."""
    if not 2 <= len(labels) <= SMALL_LABEL_SET:
        return None
    index = {label.casefold(): position for position, label in enumerate(labels)}
    counts = [[0] * (len(labels) + 1) for _ in labels]
    for record in records:
        row = index.get(record.expected.strip().casefold())
        if row is None:
            continue
        got = label_of(record.got, labels)
        counts[row][index[got.casefold()] if got is not None else len(labels)] += 1
    return ConfusionMatrix(tuple(labels), tuple(tuple(row) for row in counts))
