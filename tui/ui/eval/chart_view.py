"""The accuracy-by-shot-count chart (block characters, one group per profile), redrawn as cells fill in."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from tui.core.eval.chart import chart_lines
from tui.core.eval.tally import CellSummary


class AccuracyChart(Static):
    def show(self, summaries: Sequence[CellSummary]) -> None:
        lines = chart_lines(summaries)
        self.update(Text("\n".join(["accuracy by shot count", *lines]) if lines else "accuracy by shot count: …"))
