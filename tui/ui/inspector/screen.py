"""The token-probability inspector: each token coloured by its probability; for the selected token, the
top candidates with their raw probability, the probability temperature alone would give, which sampler
step cut them, and the probability they were finally drawn with. "f" forks the reply from a candidate.

Opt-in and on demand: the reply is re-scored in a worker when the screen first opens on it (no
``logits_all``); the scores are kept per reply (``ScoreCache``), so opening it again is instant."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label, Static
from textual.worker import Worker, get_current_worker

from tui.core.chat.record import ReplyRecord
from tui.core.contract import Engine
from tui.core.errors import UserError
from tui.core.inspector.cache import ScoreCache
from tui.core.inspector.scores import PositionScores, analyze, surprise_level
from tui.ui.inspector.token_strip import TokenStrip
from tui.ui.plain import plain
from tui.ui.workers import failure_notice

LESSON = (
    "temperature reshapes the whole distribution · top-k, top-p and min-p only cut it · greedy always "
    "takes the first row"
)


@dataclass(frozen=True)
class ForkRequest:
    position: int
    token: int


class InspectorScreen(ModalScreen[ForkRequest | None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("left", "move(-1)", "Prev token"),
        Binding("right", "move(1)", "Next token"),
        Binding("f", "fork", "Fork from candidate"),
    ]

    @dataclass
    class Scored(Message):
        scores: list[PositionScores]
        seconds: float
        cached: bool = False

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, engine: Engine, record: ReplyRecord, cache: ScoreCache | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.record = record
        self.cache = cache if cache is not None else ScoreCache(limit=1)
        """Owned by whoever opens the inspector (the chat screen), so it outlives this screen."""
        self.scores: list[PositionScores] = []

    def compose(self) -> ComposeResult:
        record = self.record
        with Vertical(id="inspector"):
            yield Label(
                plain(
                    f"Inspector · profile {record.profile.name} · "
                    f"{'greedy' if record.profile.is_greedy else f'seed {record.result.seed}'} · "
                    f"{len(record.result.tokens)} tokens"
                ),
                id="inspector-title",
            )
            yield Label(f"re-scoring {len(record.result.tokens)} tokens…", id="inspector-status")
            yield Static("", id="inspector-strip")
            yield DataTable(id="inspector-table", cursor_type="row", zebra_stripes=True)
            yield Label(LESSON + " · ←/→ token · ↑/↓ candidate · f fork · Esc close", id="inspector-lesson")
        yield Footer()  # this screen's keys, not the chat's footer showing through

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("rank", "token", "raw p", "p at T", "cut by", "final p", "")
        cached = self.cache.get(self.engine.info.path, self.record)
        if cached is not None:
            self.post_message(self.Scored(cached, 0.0, cached=True))
        else:
            self._rescore()

    @work(thread=True, exclusive=True, group="rescore", exit_on_error=False)
    def _rescore(self) -> None:
        """Closing the inspector cancels this worker; the engine checks the event between positions."""
        record = self.record
        started = time.perf_counter()
        try:
            scores = self.engine.rescore(
                record.prompt,
                record.result.tokens,
                record.profile,
                record.reused_prefix,
                get_current_worker().cancelled_event,
            )
        except UserError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(self.Scored(scores, time.perf_counter() - started))

    async def on_inspector_screen_scored(self, message: Scored) -> None:
        self.scores = message.scores
        if not self.scores:
            self.query_one("#inspector-status", Label).update("nothing to inspect")
            return
        if not message.cached:
            self.cache.put(self.engine.info.path, self.record, message.scores)
        timing = "scores kept from the last look" if message.cached else f"re-scored in {message.seconds:.2f} s"
        self.query_one("#inspector-status", Label).update(
            f"{timing} · colour = probability the model gave the chosen token "
            "(green ≥ 0.9, light green ≥ 0.5, orange ≥ 0.2, red below)"
        )
        pieces = [self.engine.token_text(score.chosen) for score in self.scores]
        strip = TokenStrip(pieces, [surprise_level(score) for score in self.scores], id="inspector-tokens")
        await self.query_one("#inspector-strip", Static).remove()
        await self.query_one("#inspector").mount(strip, after="#inspector-status")
        self._show(0)
        self.query_one(DataTable).focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notice = failure_notice(event)
        if notice is not None:
            self.post_message(self.Failed(notice))

    def on_inspector_screen_failed(self, message: Failed) -> None:
        self.query_one("#inspector-status", Label).update(plain(f"cannot re-score: {message.error}"))

    def _show(self, position: int) -> None:
        strip = self.query_one(TokenStrip)
        strip.cursor = position
        table = self.query_one(DataTable)
        table.clear()
        for row in analyze(self.scores[position], self.record.profile):
            table.add_row(
                str(row.rank + 1),
                Text(repr(row.text)),
                f"{row.raw_p:.4f}",
                f"{row.temperature_p:.4f}",
                Text(row.cut_by or ""),
                f"{row.final_p:.4f}" if row.cut_by is None else "—",
                "◀ chosen" if row.chosen else "",
                key=str(row.token),
            )

    def action_move(self, offset: int) -> None:
        if self.scores:
            strip = self.query_one(TokenStrip)
            self._show(max(0, min(len(self.scores) - 1, strip.cursor + offset)))

    def action_fork(self) -> None:
        if not self.scores:
            return
        table = self.query_one(DataTable)
        position = self.query_one(TokenStrip).cursor
        candidates = self.scores[position].candidates
        row = min(table.cursor_row, len(candidates) - 1)
        self.dismiss(ForkRequest(position=position, token=candidates[row][0]))

    def action_close(self) -> None:
        self.dismiss(None)
