"""A small modal for editing text: a pinned example's input/output, or the system prompt."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

from tui.ui.plain import plain


class TextFieldsEditor(ModalScreen[tuple[str, ...] | None]):
    """Edits one or more labelled text fields; dismisses with the new values, or ``None`` on cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, title: str, fields: list[tuple[str, str]], note: str = "", confirm: str = "Save") -> None:
        """``confirm``: what the button that accepts the fields says (``Save``, ``Run``)."""
        super().__init__()
        self._title = title
        self._fields = fields
        self._note = note
        self._confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="text-editor"):
            yield Label(plain(self._title), id="text-editor-title")
            for index, (label, value) in enumerate(self._fields):
                yield Label(plain(label), classes="text-editor-label")
                yield TextArea(value, id=f"text-field-{index}", classes="text-editor-field", soft_wrap=True)
            if self._note:
                yield Label(plain(self._note), id="text-editor-note")
            with Horizontal(id="text-editor-buttons"):
                yield Button(f"{self._confirm} (Ctrl+S)", id="text-save", variant="primary")
                yield Button("Cancel", id="text-cancel")

    def action_save(self) -> None:
        values = tuple(self.query_one(f"#text-field-{index}", TextArea).text for index in range(len(self._fields)))
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#text-save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#text-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
