"""The confusion matrix of the cell last scored, when the outputs are a small label set."""

from __future__ import annotations

from rich.table import Table
from textual.widgets import Static

from tui.core.eval.confusion import ConfusionMatrix
from tui.core.eval.records import CellKey


class ConfusionView(Static):
    matrix: ConfusionMatrix | None = None
    """What is shown now (tests read it rather than the drawn table)."""

    def show(self, key: CellKey, matrix: ConfusionMatrix | None) -> None:
        self.matrix = matrix
        if matrix is None:
            self.update("")
            return
        table = Table(title=f"confusion · {key.label}", title_justify="left", box=None, padding=(0, 1))
        table.add_column("expected \\ got")
        for column in matrix.columns:
            table.add_column(column, justify="right")
        for label, counts in matrix.rows():
            table.add_row(label, *(str(count) for count in counts))
        self.update(table)
