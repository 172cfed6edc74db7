"""The context window at a glance: exact used/n_ctx tokens and a bar split by what uses them.

Counts come from ``core.budget`` (exact renders through the model tokenizer); this widget only draws.
Colour classes switch at 75% and 90% so a filling window is noticed before it overflows. Where the chat
template renders only whole chats the bar has one segment and says so; where it refuses the chat outright,
the gauge says why (in place of the count: never a toast per keystroke).
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tui.core.chat.budget import GaugeCounts

SEGMENTS = (
    ("system", "magenta", "█"),
    ("pins", "yellow", "█"),
    ("history", "dodger_blue1", "█"),
    ("draft", "green", "█"),
    ("reserve", "grey50", "▒"),
)


class ContextGauge(Static):
    counts: reactive[GaugeCounts | None] = reactive(None)
    problem: reactive[str | None] = reactive(None)
    estimated: bool = False
    """True when the engine has no exact tokenizer (a remote server without /tokenize): numbers get ≈."""

    def watch_counts(self, counts: GaugeCounts | None) -> None:
        self.set_class(counts is not None and counts.level == "warn", "-warn")
        self.set_class(counts is not None and counts.level == "danger", "-danger")
        self.on_resize()

    def watch_problem(self, _problem: str | None) -> None:
        self.on_resize()

    def on_resize(self) -> None:
        counts = self.render_counts(self.counts, max(self.size.width - 2, 20), self.estimated, self.problem)
        self.update(counts, layout=False)  # a fixed height (app.tcss): no relayout of the screen per token batch

    @staticmethod
    def render_counts(
        counts: GaugeCounts | None, width: int, estimated: bool = False, problem: str | None = None
    ) -> Text:
        if problem is not None:
            return Text(f"context: not counted: {problem}", style="bold yellow", no_wrap=True, overflow="ellipsis")
        if counts is None:
            return Text("context: counting…", style="dim")
        approx = "≈" if estimated else ""
        summary = f" {approx}{counts.used:,} / {counts.n_ctx:,} tokens ({counts.fraction:.0%}) "
        if estimated:
            summary += "estimate (cl100k) "
        bar_width = max(10, width - len(summary) - 9)
        text = Text("context ")
        used_cells = 0
        for name, colour, glyph in SEGMENTS:
            value = getattr(counts, name)
            cells = round(value / counts.n_ctx * bar_width) if counts.n_ctx else 0
            if value and not cells:
                cells = 1
            cells = min(cells, bar_width - used_cells)
            text.append(glyph * cells, style=colour)
            used_cells += cells
        text.append("░" * (bar_width - used_cells), style="grey23")
        level_style = {"ok": "bold", "warn": "bold yellow", "danger": "bold red"}[counts.level]
        text.append(summary, style=level_style)
        text.append("\n")
        if not counts.split:
            text.append("█ ", style="dodger_blue1")
            text.append(f"prompt {counts.prompt:,}   ")
            text.append(f"{SEGMENTS[-1][2]} reserve {counts.reserve:,}   ", style="grey50")
            text.append("exact total; this chat template renders whole chats only, so no split", style="dim")
            return text
        for name, colour, glyph in SEGMENTS:
            text.append(f"{glyph} ", style=colour)
            text.append(f"{name} {getattr(counts, name):,}   ", style="dim" if not getattr(counts, name) else "")
        return text
