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
        self._blink_held: bool | None = None
        """What ``cursor_blink`` was before ``hold_cursor`` stopped it; None: not held."""

    def hold_cursor(self, held: bool) -> None:
        """Keep the cursor lit, not blinking, while a reply streams. Each blink is a frame of its own, two a second
        beside the ten of the streamed text, and on a laptop's cores every frame the UI draws is time the decode
        threads lose. ``held=False`` gives back the blink as it was."""
        if held and self._blink_held is None:
            self._blink_held, self.cursor_blink = self.cursor_blink, False
        elif not held and self._blink_held is not None:
            self.cursor_blink, self._blink_held = self._blink_held, None

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
