"""A reasoning model's thinking, dimmed, above its answer: open while the model thinks, folded to one line
("▸ thought for 312 tokens") once the answer starts, opened again with a click or the toggle key.

The thinking streams into a ``LiteralText`` (only its last block is redrawn per batch); the label line is the
only other thing that changes while it streams.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.ui.chat.literal_text import LiteralText
from tui.ui.plain import plain


class ThinkingSection(Vertical):
    def __init__(self, text: str = "", *, words: str = "thinking…", collapsed: bool = False) -> None:
        super().__init__(classes="thinking -collapsed" if collapsed else "thinking")
        self._text = text
        self._words = words

    def compose(self) -> ComposeResult:
        yield Static(plain(self._label()), classes="thinking-label")
        yield LiteralText(self._text, classes="thinking-body")

    @property
    def collapsed(self) -> bool:
        return self.has_class("-collapsed")

    @property
    def text(self) -> str:
        return self.query_one(LiteralText).source

    @property
    def words(self) -> str:
        return self._words

    def _label(self) -> str:
        return f"{'▸' if self.collapsed else '▾'} {self._words}"

    def _show_label(self) -> None:
        self.query_one(".thinking-label", Static).update(plain(self._label()))

    async def append(self, text: str) -> None:
        await self.query_one(LiteralText).append(text)

    def progress(self, words: str) -> None:
        """The label while the model is still thinking (``thinking… 120 tokens``)."""
        self._words = words
        self._show_label()

    def done(self, words: str) -> None:
        """The answer started: fold the thinking away and say how long it was."""
        self._words = words
        self.set_collapsed(True)

    def set_collapsed(self, collapsed: bool) -> None:
        self.set_class(collapsed, "-collapsed")
        self._show_label()

    def toggle(self) -> None:
        self.set_collapsed(not self.collapsed)

    def on_click(self, event: events.Click) -> None:
        """Only the label line toggles: a click in the text is the start of a selection."""
        if event.widget is not None and event.widget.has_class("thinking-label"):
            event.stop()
            self.toggle()
