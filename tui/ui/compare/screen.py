"""Compare view: one prompt (with the chat's system prompt, pins and history) under 2-4 decoding profiles,
run one after another on the single model, side by side. Words that differ from the first column are
highlighted; any column can be kept as the chat's reply.

Everything is planned (and refused if it does not fit) before the first token is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Label, SelectionList
from textual.worker import Worker, get_current_worker

from tui.core.chat.state import ChatState, ReplyPlan
from tui.core.contract import Engine, GenerationResult
from tui.core.errors import UserError
from tui.core.profiles.store import ProfileStore
from tui.ui.compare.column import CompareColumn
from tui.ui.plain import plain
from tui.ui.workers import failure_notice

MAX_COLUMNS = 4


@dataclass(frozen=True)
class KeptReply:
    plan: ReplyPlan
    """The plan the kept column ran (its profile, prompt and seed): the chat applies it as if it had streamed."""
    result: GenerationResult
    model_path: str


class CompareScreen(Screen[KeptReply | None]):
    BINDINGS = [
        Binding("escape", "close", "Stop / close"),
        Binding("f9", "run", "Run"),
        Binding("1", "keep(0)", "Keep 1", show=False),
        Binding("2", "keep(1)", "Keep 2", show=False),
        Binding("3", "keep(2)", "Keep 3", show=False),
        Binding("4", "keep(3)", "Keep 4", show=False),
    ]

    @dataclass
    class Token(Message):
        column: int
        text: str

    @dataclass
    class Done(Message):
        column: int
        result: GenerationResult

    @dataclass
    class Failed(Message):
        column: int
        error: str

    @dataclass
    class AllDone(Message):
        pass

    def __init__(
        self, engine: Engine, profiles: ProfileStore, state: ChatState, message: str, preselected: list[str]
    ) -> None:
        super().__init__()
        self.engine = engine
        self.profiles = profiles
        self.state = state
        self.message = message
        self.preselected = preselected
        self.columns: list[CompareColumn] = []
        self.runs: list[ReplyPlan] = []
        self.running = False

    def compose(self) -> ComposeResult:
        preview = " ".join(self.message.split())
        yield Label(plain(f"Compare · “{preview[:90]}{'…' if len(preview) > 90 else ''}”"), id="compare-title")
        yield Label(
            "Pick 2-4 profiles (space), then F9 runs them one after another on this model. "
            "Keys 1-4 keep a column as the chat's reply; Esc stops or closes.",
            id="compare-help",
        )
        yield SelectionList[str](
            *[(plain(name), name, name in self.preselected) for name in self.profiles.scan().names],
            id="compare-profiles",
        )
        yield Horizontal(id="compare-columns")
        yield Footer()

    def _plan_all(self, names: list[str]) -> list[ReplyPlan]:
        """Validate every profile and fit the prompt for each before anything is generated (planning changes
        nothing in the chat: only a kept column is applied to it)."""
        runs = []
        for name in names:
            profile = self.profiles.get(name)
            try:
                runs.append(self.state.plan_chat(self.message, self.engine, profile=profile))
            except UserError as error:
                raise UserError(f"profile '{name}': {error}") from None
        return runs

    async def action_run(self) -> None:
        if self.running:
            return
        current = self.preselected[0] if self.preselected else None
        names = sorted(self.query_one(SelectionList).selected, key=lambda name: name != current)  # chat's first
        if not 2 <= len(names) <= MAX_COLUMNS:
            self.notify(f"Pick 2 to {MAX_COLUMNS} profiles (you picked {len(names)}).", severity="warning")
            return
        try:
            self.runs = self._plan_all(names)
        except UserError as error:
            self.notify(str(error), title="Not run", severity="error", timeout=12)
            return
        container = self.query_one("#compare-columns", Horizontal)
        await container.remove_children()
        self.columns = [
            CompareColumn(index, plan.profile, self.engine.info.n_ctx) for index, plan in enumerate(self.runs)
        ]
        await container.mount_all(self.columns)
        self.running = True
        self._run_all(list(self.runs))

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def _run_all(self, plans: list[ReplyPlan]) -> None:
        cancel = get_current_worker().cancelled_event
        for column, plan in enumerate(plans):
            if cancel.is_set():
                break
            self.post_message(self.Token(column, ""))

            def on_text(text: str, _n: int, column: int = column) -> None:
                self.post_message(self.Token(column, text))

            try:
                result = self.engine.generate(plan.prompt, plan.params, on_text, cancel)
            except UserError as error:
                self.post_message(self.Failed(column, str(error)))
                continue
            self.post_message(self.Done(column, result))
        self.post_message(self.AllDone())

    def on_compare_screen_token(self, message: Token) -> None:
        column = self.columns[message.column]
        if not message.text and not column.text and not column.has_class("-running"):
            column.set_running()
        elif message.text:
            column.append(message.text)

    def on_compare_screen_done(self, message: Done) -> None:
        self.columns[message.column].finish(message.result)

    def on_compare_screen_failed(self, message: Failed) -> None:
        self.columns[message.column].fail(message.error)

    def on_compare_screen_all_done(self, _message: AllDone) -> None:
        self.running = False
        for column in self.columns:
            if not column.started:
                column.not_run()
        finished = [column for column in self.columns if column.result is not None]
        if finished:
            reference = self.columns[0].text if self.columns[0].result is not None else finished[0].text
            for column in self.columns[1:]:
                if column.result is not None:
                    column.highlight_against(reference)

    def action_keep(self, index: int) -> None:
        if self.running or index >= len(self.columns) or self.columns[index].result is None:
            return
        result = self.columns[index].result
        if result is not None:
            self.dismiss(KeptReply(self.runs[index], result, self.engine.info.path))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notice = failure_notice(event)
        if notice is not None:
            self.running = False
            self.notify(notice, title="Compare", severity="error", timeout=10)

    def action_close(self) -> None:
        if self.running:  # Textual also cancels this screen's workers when it closes
            self.workers.cancel_group(self, "compare")
            return
        self.dismiss(None)
