"""Summaries per cell, computed from the records as they arrive: the table, the chart and the JSON rows.

Repeats (sampling profiles run with N seeds) are summarised as the mean accuracy over the repeats and its
spread (sample standard deviation), with correct/total summed over every reply.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from tui.core.eval.records import CellKey, ItemRecord


@dataclass(frozen=True)
class CellSummary:
    key: CellKey
    correct: int
    total: int
    accuracy: float
    spread: float | None
    """Standard deviation of the repeats' accuracies; None when the cell ran once."""
    repeats: int
    prompt_tokens: int
    """Mean prompt tokens per item."""
    seconds: float
    """Time spent on the cell, all repeats together."""

    def to_json(self) -> dict[str, object]:
        row: dict[str, object] = {
            "shots": self.key.shots,
            "correct": self.correct,
            "total": self.total,
            "accuracy": round(self.accuracy, 4),
            "profile": self.key.profile,
        }
        if self.spread is not None:
            row["spread"] = round(self.spread, 4)
            row["repeats"] = self.repeats
        if self.key.render is not None:
            row["render"] = self.key.render.value
        return row


@dataclass
class EvalTally:
    """Accumulates records in arrival order; keys keep the order their cells started in."""

    records: list[ItemRecord] = field(default_factory=list)
    _by_key: dict[CellKey, list[ItemRecord]] = field(default_factory=dict)

    def add(self, record: ItemRecord) -> CellSummary:
        self.records.append(record)
        self._by_key.setdefault(record.key, []).append(record)
        return self.summary(record.key)

    @property
    def keys(self) -> tuple[CellKey, ...]:
        return tuple(self._by_key)

    def cell_records(self, key: CellKey) -> tuple[ItemRecord, ...]:
        return tuple(self._by_key.get(key, ()))

    def summary(self, key: CellKey) -> CellSummary:
        records = self._by_key[key]
        by_repeat: dict[int, list[ItemRecord]] = {}
        for record in records:
            by_repeat.setdefault(record.repeat, []).append(record)
        accuracies = [sum(r.correct for r in group) / len(group) for group in by_repeat.values()]
        correct = sum(record.correct for record in records)
        return CellSummary(
            key=key,
            correct=correct,
            total=len(records),
            accuracy=statistics.fmean(accuracies),
            spread=statistics.stdev(accuracies) if len(accuracies) > 1 else None,
            repeats=len(by_repeat),
            prompt_tokens=round(statistics.fmean(record.prompt_tokens for record in records)),
            seconds=sum(record.seconds for record in records),
        )

    def summaries(self) -> tuple[CellSummary, ...]:
        return tuple(self.summary(key) for key in self._by_key)
