"""One row per cell (profile x shot count): ``23/24``, accuracy (± spread over repeats), prompt tokens per
item and time, updated in place as items are scored."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.core.eval.records import CellKey
from tui.core.eval.tally import CellSummary

COLUMNS = ("profile", "shots", "correct", "accuracy", "tokens/item", "seconds")


class ResultsTable(DataTable[str]):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        for column in COLUMNS:
            self.add_column(column, key=column)

    def show(self, summary: CellSummary) -> None:
        key = _row_key(summary.key)
        spread = f" ±{summary.spread:.0%}" if summary.spread is not None else ""
        values = (
            summary.key.profile + (f" ({summary.key.render.value})" if summary.key.render is not None else ""),
            f"{summary.key.shots}-shot",
            f"{summary.correct}/{summary.total}",
            f"{summary.accuracy:.0%}{spread}",
            str(summary.prompt_tokens),
            f"{summary.seconds:.1f}",
        )
        if key in self.rows:
            for column, value in zip(COLUMNS, values):
                self.update_cell(key, column, value)
        else:
            self.add_row(*values, key=key)


def _row_key(key: CellKey) -> str:
    return f"{key.profile}\x00{key.shots}\x00{key.render.value if key.render is not None else ''}"
