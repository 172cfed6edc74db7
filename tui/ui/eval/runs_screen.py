"""Saved prompt-lab runs: the list (newest first) and two of them side by side, cell by cell.

Space marks a run (at most two; a third replaces the older mark); with two marked the comparison fills in
below: each run's ``23/24 96%`` per profile and shot count, and the change. Reading a broken history is one
notice; the screen stays.
"""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from tui.core.errors import UserError
from tui.core.eval.compare import cell_text, compare_results
from tui.core.history.eval_runs import SavedRun, list_runs
from tui.core.history.store import HistoryStore
from tui.ui.plain import plain


class RunsScreen(Screen[None]):
    CSS_PATH = "../eval.tcss"
    BINDINGS = [Binding("escape", "close", "Back"), Binding("space", "mark", "Mark to compare")]

    def __init__(self, history: HistoryStore) -> None:
        super().__init__()
        self.history = history
        self.runs: list[SavedRun] = []
        self.marked: list[int] = []
        """Run ids marked for the comparison, oldest mark first."""

    def compose(self) -> ComposeResult:
        yield Label("Saved eval runs · Space marks two to compare · Esc back", id="runs-title")
        yield DataTable(id="runs-table", cursor_type="row")
        yield Label("", id="runs-compare-title")
        yield DataTable(id="runs-compare", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        for column in ("", "id", "when", "dataset", "items", "example set", "profiles", "score", "model", "best"):
            table.add_column(column)
        try:
            self.runs = list_runs(self.history)
        except UserError as error:
            self.notify(str(error), title="Runs not read", severity="error", timeout=10)
            return
        for run in self.runs:
            best = max((float(row.get("accuracy", 0.0)) for row in run.results), default=0.0)
            table.add_row(
                "",
                str(run.id),
                _when(run.created_at),
                run.dataset,
                str(run.items),
                run.example_set,
                ", ".join(run.profiles),
                run.score,
                run.model_name,
                f"{best:.0%}" + (" (stopped)" if run.stopped else ""),
                key=str(run.id),
            )
        if not self.runs:
            self.query_one("#runs-compare-title", Label).update("No saved runs yet.")
        table.focus()

    def action_mark(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        if not self.runs:
            return
        run = self.runs[table.cursor_row]
        if run.id in self.marked:
            self.marked.remove(run.id)
        else:
            self.marked = [*self.marked[-1:], run.id]
        for each in self.runs:
            table.update_cell(str(each.id), table.ordered_columns[0].key, "●" if each.id in self.marked else "")
        self._show_comparison()

    def _show_comparison(self) -> None:
        compare = self.query_one("#runs-compare", DataTable)
        compare.clear(columns=True)
        title = self.query_one("#runs-compare-title", Label)
        if len(self.marked) < 2:
            title.update("Mark one more run to compare." if self.marked else "")
            return
        by_id = {run.id: run for run in self.runs}
        left, right = by_id[self.marked[0]], by_id[self.marked[1]]
        note = "" if left.dataset_sha256 == right.dataset_sha256 else " · different datasets"
        title.update(plain(f"run {left.id} ({left.example_set}) vs run {right.id} ({right.example_set}){note}"))
        for column in ("profile", "shots", f"run {left.id}", f"run {right.id}", "change"):
            compare.add_column(column)
        for cell in compare_results(left.results, right.results):
            compare.add_row(
                cell.profile + (f" ({cell.render})" if cell.render else ""),
                f"{cell.shots}-shot",
                cell_text(cell.left),
                cell_text(cell.right),
                "" if cell.delta is None else f"{cell.delta:+.0%}",
            )

    def action_close(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected, "#runs-table")
    def _selected(self) -> None:
        self.action_mark()


def _when(timestamp: float) -> str:
    try:
        return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return "?"
