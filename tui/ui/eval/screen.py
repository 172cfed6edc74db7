"""The eval screen: one run of the prompt lab (shot counts x profiles x repeats over a JSON-lines dataset) with
the chat's pinned examples, system prompt and model.

The run is a thread worker over ``tui.core.eval.runner.iter_records`` (the same loop as ``shotglass eval``),
cancelled through its own ``cancelled_event``; it posts one ``EvalScored`` per item and the screen fills in the
chart, the table, the confusion matrix and the items list as they come. Esc stops a run, and closes the screen
once it is over. The screen dismisses with an item's input when the user sends it to the chat.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, ProgressBar
from textual.worker import Worker, get_current_worker

from tui.core.contract import Engine
from tui.core.errors import UserError
from tui.core.eval.advice import advise, curve
from tui.core.eval.confusion import confusion
from tui.core.eval.plan import EvalRequest
from tui.core.eval.runner import iter_records
from tui.core.eval.scoring import ScoreKind, distinct_outputs
from tui.core.eval.tally import EvalTally
from tui.core.history.store import HistoryStore
from tui.ui.eval.chart_view import AccuracyChart
from tui.ui.eval.confusion_view import ConfusionView
from tui.ui.eval.item_screen import ItemScreen
from tui.ui.eval.items_table import ItemsTable
from tui.ui.eval.messages import EvalEnded, EvalScored
from tui.ui.eval.results_table import ResultsTable
from tui.ui.eval.runs_screen import RunsScreen
from tui.ui.plain import plain
from tui.ui.workers import failure_notice

REDRAW_S = 0.25
"""Results are redrawn at most this often while a run goes (the progress bar and items list per item)."""

RunSaver = Callable[[EvalRequest, EvalTally, bool], str | None]
"""(request, tally, stopped) -> a notice (where the run was saved, or why not); None: nothing to say."""


class EvalScreen(Screen[str | None]):
    CSS_PATH = "../eval.tcss"
    BINDINGS = [
        Binding("escape", "stop_or_close", "Stop / close"),
        Binding("r", "rerun", "Run again"),
        Binding("h", "runs", "Saved runs"),
    ]

    def __init__(
        self,
        engine: Engine,
        request: EvalRequest,
        dataset: str,
        save_run: RunSaver | None = None,
        history: HistoryStore | None = None,
    ) -> None:
        super().__init__()
        self.history = history
        self.engine = engine
        self.request = request
        self.dataset = dataset
        self.save_run = save_run
        self.tally = EvalTally()
        self.running = True
        """The run starts on mount; False once it has ended (finished, stopped or failed)."""
        self.stopped = False
        self._redraw_pending = False
        labels = request.scoring.labels if request.scoring.kind is ScoreKind.CHOICE else distinct_outputs(request.items)
        self._labels = labels

    def compose(self) -> ComposeResult:
        request = self.request
        profiles = ", ".join(profile.name for profile in request.profiles)
        shots = ",".join(str(k) for k in request.shots)
        repeats = f" · {request.repeats} seeds per sampling profile" if request.repeats > 1 else ""
        title = (
            f"Evaluate {self.dataset} ({len(request.items)} items) · example set '{request.examples.name}' · "
            f"shots {shots} · {profiles}{repeats} · score {request.scoring.name} · {self.engine.info.name}"
        )
        yield Label(plain(title), id="eval-title")
        yield ProgressBar(total=request.total_items, show_eta=True, id="eval-progress")
        with Horizontal(id="eval-top"):
            yield AccuracyChart(id="eval-chart")
            with Vertical(id="eval-right"):
                yield ResultsTable(id="eval-table")
                yield ConfusionView(id="eval-confusion")
        yield Label("", id="eval-advice")
        yield ItemsTable(id="eval-items")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(AccuracyChart).show(())
        self._start()

    def _start(self) -> None:
        self.running, self.stopped = True, False
        self._run(self.engine, self.request)

    @work(thread=True, group="eval", exit_on_error=False)
    def _run(self, engine: Engine, request: EvalRequest) -> None:
        worker = get_current_worker()
        try:
            for record in iter_records(engine, request, worker.cancelled_event):
                self.post_message(EvalScored(record))
        except UserError as error:
            self.post_message(EvalEnded(stopped=True, error=str(error)))
            return
        self.post_message(EvalEnded(stopped=worker.is_cancelled))
        engine.save_prompt_state()  # the pins' prefix, for the chat that comes back

    @on(EvalScored)
    def _scored(self, message: EvalScored) -> None:
        record = message.record
        self.tally.add(record)
        self.query_one(ProgressBar).advance(1)
        self.query_one(ItemsTable).add(len(self.tally.records) - 1, record)
        if not self._redraw_pending:  # on two cores every frame drawn is time the model does not get
            self._redraw_pending = True
            self.set_timer(REDRAW_S, self._redraw)

    def _redraw(self) -> None:
        """The table, chart and confusion matrix from the tally as it stands (at most every ``REDRAW_S``)."""
        self._redraw_pending = False
        if not self.tally.records:
            return
        table = self.query_one(ResultsTable)
        summaries = self.tally.summaries()
        for summary in summaries:
            table.show(summary)
        self.query_one(AccuracyChart).show(summaries)
        key = self.tally.records[-1].key
        self.query_one(ConfusionView).show(key, confusion(self.tally.cell_records(key), self._labels))

    @on(EvalEnded)
    def _ended(self, message: EvalEnded) -> None:
        self._redraw()
        self.running, self.stopped = False, message.stopped
        if message.error is not None:
            self.notify(message.error, title="Evaluation stopped", severity="error", timeout=12)
        elif message.stopped:
            self.notify(f"Stopped after {len(self.tally.records)} of {self.request.total_items} items.", timeout=4)
        summaries = self.tally.summaries()
        advice = [
            line
            for profile in self.request.profiles
            for line in advise(curve(summaries, profile.name), self.request.target, profile.name)
        ]
        self.query_one("#eval-advice", Label).update(plain("\n".join(advice)))
        if self.save_run is not None and self.tally.records:
            notice = self.save_run(self.request, self.tally, message.stopped)
            if notice:
                self.notify(notice, title="Run", timeout=6)

    @on(DataTable.RowSelected, "#eval-items")
    def _open_item(self, event: DataTable.RowSelected) -> None:
        record = self.tally.records[int(str(event.row_key.value))]

        def chosen(text: str | None) -> None:
            if text is not None:
                if self.running:
                    self.workers.cancel_group(self, "eval")
                self.dismiss(text)

        self.app.push_screen(ItemScreen(record), chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No "Saved runs" key where nothing is kept (``--no-history``)."""
        return self.history is not None if action == "runs" else True

    def action_runs(self) -> None:
        if self.history is not None:
            self.app.push_screen(RunsScreen(self.history))

    def action_stop_or_close(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "eval")
        else:
            self.dismiss(None)

    def action_rerun(self) -> None:
        if self.running:
            self.notify("A run is going; Esc stops it.", severity="warning")
            return
        self.tally = EvalTally()
        self.query_one(ProgressBar).update(progress=0)
        self.query_one(ResultsTable).clear()
        self.query_one(ItemsTable).clear()
        self.query_one(ConfusionView).update("")
        self.query_one(AccuracyChart).show(())
        self._start()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notice = failure_notice(event)
        if notice is not None:
            self.running = False
            self.notify(notice, title="Something went wrong", severity="error", timeout=10)
