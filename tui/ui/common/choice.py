"""Pick one item from a list (e.g. which of your messages to edit); dismisses with its index or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList

from tui.ui.plain import plain


class ChoiceScreen(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, items: list[str]) -> None:
        super().__init__()
        self._title = title
        self._items = items

    def compose(self) -> ComposeResult:
        with Vertical(id="choice"):
            yield Label(plain(self._title), id="choice-title")
            yield OptionList(*(plain(item) for item in self._items), id="choice-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = len(self._items) - 1 if self._items else None
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
