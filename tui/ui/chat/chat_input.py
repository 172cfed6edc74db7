"""A multi-line prompt box where Enter sends and Ctrl+J (or Shift/Alt+Enter where the terminal reports
it) inserts a new line: chat muscle memory first, multi-line prompts still one key away."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

NEWLINE_KEYS = frozenset({"ctrl+j", "alt+j", "shift+enter", "alt+enter"})
"""Alt+J for VS Code, whose terminal keeps Ctrl+J (toggle panel); Alt+Enter only where the terminal reports it
(kitty, WezTerm, foot): tmux and most others send Esc + Enter, which Textual reads as Enter."""


class ChatInput(TextArea):
    # not in the footer: the placeholder says it, and at 80 columns the chat's own keys need the room
    BINDINGS = [Binding("ctrl+j", "newline", "New line", show=False)]

    @dataclass
    class Submitted(Message):
        chat_input: "ChatInput"
        text: str

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.text.strip():
                self.post_message(self.Submitted(self, self.text))
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.action_newline()
            return
        await super()._on_key(event)

    def action_newline(self) -> None:
        start, end = self.selection
        self._replace_via_keyboard("\n", start, end)
