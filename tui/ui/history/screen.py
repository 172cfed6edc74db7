"""Saved conversations: newest first, full-text search, resume, rename, delete (confirmed), export.

Dismisses with the id of the conversation to open, or None.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.core.errors import UserError
from tui.core.history.model import HistoryError
from tui.core.output_file import Existing, existing, write_new_text
from tui.ui.common.text_editor import TextFieldsEditor
from tui.ui.plain import plain


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _conversation_id(option: Option) -> int:
    """Every row of the list is added with its conversation's id as the option id."""
    if option.id is None:
        raise HistoryError(f"history row {option.prompt!r} has no conversation id")
    return int(option.id)


class HistoryScreen(ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        # priority: the search box would otherwise take these as line-editing keys
        Binding("ctrl+r", "rename", "Rename", priority=True),
        Binding("ctrl+d", "delete", "Delete", priority=True),
        Binding("ctrl+e", "export", "Export .md", priority=True),
        # the one-line search box has no use for up/down: they move the selection, so Enter opens the row
        # the user sees highlighted without leaving the box (the list handles them itself when focused)
        Binding("up", "move_selection(-1)", "Previous", show=False),
        Binding("down", "move_selection(1)", "Next", show=False),
    ]

    def __init__(self, store, current: int | None = None) -> None:
        super().__init__()
        self.store = store
        self.current = current
        self._armed_delete: int | None = None
        self._armed_export: Path | None = None
        self.deleted: set[int] = set()

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Label(
                "Conversations · type to search all messages · ↑/↓ pick · Enter opens · Ctrl+R rename · "
                "Ctrl+D delete · Ctrl+E export Markdown · Esc closes",
                id="history-title",
            )
            yield Input(placeholder="search…", id="history-search")
            yield OptionList(id="history-list")
            yield Label("", id="history-status")

    def on_mount(self) -> None:
        self._show_recent()
        self.query_one("#history-search", Input).focus()

    def _guarded(self, action, *args):
        """A busy or broken database is a status line here, never a crash."""
        try:
            return action(*args)
        except UserError as error:
            self._status(f"history error: {error}")
            return None

    def _show_recent(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for summary in self._guarded(self.store.list_conversations, 200) or []:
            mark = "● " if summary.id == self.current else "  "
            options.add_option(
                Option(
                    plain(
                        f"{mark}{summary.title or '(untitled)'}  ·  {_when(summary.updated_at)}  ·  "
                        f"{summary.message_count} messages  ·  {summary.profile}"
                    ),
                    id=str(summary.id),
                )
            )
        if options.option_count:
            options.highlighted = 0
        count = options.option_count
        self._status(f"{count} conversation{'s' if count != 1 else ''}")

    def _status(self, text: str) -> None:
        self.query_one("#history-status", Label).update(plain(text))

    @on(Input.Changed, "#history-search")
    def _search(self, event: Input.Changed) -> None:
        query = event.value.strip()
        if not query:
            self._show_recent()
            return
        options = self.query_one(OptionList)
        options.clear_options()
        seen: set[int] = set()
        for hit in self._guarded(lambda: self.store.search(query, limit=50, mark=("", ""))) or []:
            if hit.conversation_id in seen:
                continue
            seen.add(hit.conversation_id)
            prompt = plain(f"{hit.title}  ·  {hit.role.value}: {hit.snippet}")
            options.add_option(Option(prompt, id=str(hit.conversation_id)))
        if options.option_count:
            options.highlighted = 0
        self._status(f"{len(seen)} conversations match")

    @on(Input.Submitted, "#history-search")
    def _open_first(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            self.dismiss(_conversation_id(options.get_option_at_index(options.highlighted or 0)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(_conversation_id(event.option))

    def _selected(self) -> int | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            return None
        return _conversation_id(options.get_option_at_index(options.highlighted))

    def action_move_selection(self, offset: int) -> None:
        options = self.query_one(OptionList)
        if not options.option_count:
            return
        current = options.highlighted if options.highlighted is not None else 0
        options.highlighted = max(0, min(options.option_count - 1, current + offset))

    def action_rename(self) -> None:
        conversation = self._selected()
        if conversation is None:
            return
        info = self._guarded(self.store.conversation_info, conversation)
        if info is None:
            return
        title = info.title

        def renamed(values: tuple[str, ...] | None) -> None:
            if values and values[0].strip():
                try:
                    self.store.rename(conversation, values[0])
                except UserError as error:
                    self.notify(str(error), severity="error")
                self._show_recent()

        self.app.push_screen(TextFieldsEditor("Rename conversation", [("title", title)]), renamed)

    def action_delete(self) -> None:
        conversation = self._selected()
        if conversation is None:
            return
        if self._armed_delete != conversation:
            self._armed_delete = conversation
            self._status("Press Ctrl+D again to delete this conversation for good (its old branches too).")
            return
        self._armed_delete = None
        try:
            self.store.delete(conversation)
        except UserError as error:
            self._status(f"history error: {error}")
            return
        self.deleted.add(conversation)
        self._show_recent()
        self._status("Deleted.")

    def action_export(self) -> None:
        conversation = self._selected()
        if conversation is None:
            return
        target = Path.cwd() / f"shotglass-conversation-{conversation}.md"
        found = existing(target)
        force = self._armed_export == target and found is Existing.FILE
        if found is Existing.FILE and not force:
            self._armed_export = target
            self._status(f"{target} exists: press Ctrl+E again to replace it.")
            return
        self._armed_export = None
        try:
            text = self.store.export_markdown(conversation)
            write_new_text(target, text, force=force, force_hint="press Ctrl+E again to replace it")
        except UserError as error:
            self.notify(f"Could not export: {error}", severity="error", markup=False)
            return
        self._status(f"Exported to {target}")

    def action_cancel(self) -> None:
        self.dismiss(None)
