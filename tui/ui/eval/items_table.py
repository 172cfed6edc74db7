"""Every scored item, in the order scored: which cell, which item, expected, got, right or wrong, tokens.
Enter (or a click) opens the item with the exact prompt the model saw."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.core.eval.records import ItemRecord


class ItemsTable(DataTable[str]):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        for column in ("cell", "#", "expected", "got", "", "tokens"):
            self.add_column(column)

    def add(self, position: int, record: ItemRecord) -> None:
        repeat = f" r{record.repeat + 1}" if record.seed is not None else ""
        self.add_row(
            record.key.label + repeat,
            str(record.index + 1),
            _short(record.expected),
            _short(record.got),
            "✓" if record.correct else "✗",
            str(record.prompt_tokens),
            key=str(position),
        )


def _short(text: str, width: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
