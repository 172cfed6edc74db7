"""One scored item opened: input, expected, got (with the labels' probabilities for choice scoring), the exact
prompt the model saw and its token count. "Send to chat" puts the item's input in the chat's message box."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

from tui.core.chat.literal import unmarked
from tui.core.eval.records import ItemRecord
from tui.ui.plain import plain


class ItemScreen(ModalScreen[str | None]):
    """Dismisses with the input to send to the chat, or None."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("ctrl+s", "send", "Send to chat")]

    def __init__(self, record: ItemRecord) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        record = self.record
        verdict = "correct" if record.correct else "wrong"
        seed = f" · seed {record.seed}" if record.seed is not None else ""
        probabilities = "  ".join(f"{label} {p:.1%}" for label, p in record.label_probabilities())
        with Vertical(id="eval-item"):
            yield Label(plain(f"{record.key.label} · item {record.index + 1} · {verdict}{seed}"), id="eval-item-title")
            yield Label(plain(f"input: {record.input}"), classes="eval-item-field")
            yield Label(plain(f"expected: {record.expected}"), classes="eval-item-field")
            yield Label(plain(f"got: {record.got or '(nothing)'}"), classes="eval-item-field")
            if probabilities:
                yield Label(plain(f"label probabilities: {probabilities}"), classes="eval-item-field")
            yield Label(plain(f"the prompt the model saw · {record.prompt_tokens} tokens"), classes="eval-item-field")
            yield TextArea(unmarked(record.prompt), read_only=True, soft_wrap=True, id="eval-item-prompt")
            with Horizontal(id="eval-item-buttons"):
                yield Button("Send to chat (Ctrl+S)", id="eval-item-send", variant="primary")
                yield Button("Close", id="eval-item-close")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_send(self) -> None:
        self.dismiss(self.record.input)

    @on(Button.Pressed, "#eval-item-send")
    def _send(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#eval-item-close")
    def _close(self) -> None:
        self.action_close()
