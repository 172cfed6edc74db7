"""The accuracy-by-shot-count chart (block characters, one group per profile), redrawn as cells fill in.

The bars take the width the chart has (a fixed width wrapped every row on a 100-column terminal), so it is
redrawn on resize from the summaries it was last given."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from tui.core.eval.chart import chart_lines
from tui.core.eval.tally import CellSummary

ROW_FRAME = 24
"""Characters around a bar: ``  0-shot ▕`` before it, ``▏ 100% ±12%`` after it, and the padding."""
MIN_BAR, MAX_BAR = 8, 60


class AccuracyChart(Static):
    _summaries: Sequence[CellSummary] = ()

    def show(self, summaries: Sequence[CellSummary]) -> None:
        self._summaries = tuple(summaries)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = max(MIN_BAR, min(MAX_BAR, self.content_size.width - ROW_FRAME)) if self.content_size.width else 40
        lines = chart_lines(self._summaries, width)
        self.update(Text("\n".join(["accuracy by shot count", *lines]) if lines else "accuracy by shot count: …"))
