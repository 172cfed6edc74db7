"""The pins panel: the few-shot examples sent right after the system prompt, each with its exact token
cost, switchable one by one, so going from zero- to one- to few-shot is a keypress."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, ListItem, ListView, Static

from tui.core.fewshot.examples import ExampleSet
from tui.core.fewshot.pins import MANY_SHOTS, shot_label
from tui.ui.plain import plain


def _one_line(text: str, width: int = 38) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


class PinsPanel(Vertical):
    """Its keys act only while it has focus (F4 gives it focus). Esc and Tab hand focus back to the message
    box, and any other character typed here goes to the message box too: typed text is never lost."""

    BINDINGS = [
        Binding("space", "toggle_pin", "On/off"),
        Binding("delete", "remove", "Remove"),
        Binding("e", "edit", "Edit"),
        Binding("alt+up", "move(-1)", "Move up"),
        Binding("alt+down", "move(1)", "Move down"),
        Binding("escape", "leave", "Back to message"),
        Binding("tab", "leave", "Back to message", show=False),
    ]

    @dataclass
    class Action(Message):
        """The user asked to change example ``index``: ``kind`` is toggle, remove, edit or move."""

        kind: str
        index: int
        offset: int = 0

    @dataclass
    class Leave(Message):
        """Focus goes back to the message box, carrying ``text`` the user typed here (may be empty)."""

        text: str = ""

    def compose(self) -> ComposeResult:
        yield Label("pinned examples", id="pins-title")
        yield ListView(id="pins-list")
        yield Static("", id="pins-note")

    async def show(self, pins: ExampleSet, costs: list[int], n_ctx: int, pins_tokens: int) -> None:
        listing = self.query_one("#pins-list", ListView)
        keep = listing.index or 0
        await listing.clear()
        input_label = pins.input_label or "User"
        output_label = pins.output_label or "Assistant"
        for example, cost in zip(pins.examples, costs):
            line = Text()
            line.append("[x] " if example.enabled else "[ ] ", style="bold green" if example.enabled else "dim")
            line.append(
                f"{input_label}: {_one_line(example.input)}\n    {output_label}: {_one_line(example.output)}",
                style="" if example.enabled else "dim",
            )
            line.append(f"\n    {cost} tokens", style="dim")
            await listing.append(ListItem(Static(line)))
        if pins.examples:
            listing.index = min(keep, len(pins.examples) - 1)
        name = f" · {pins.name}" if pins.name != "pins" else ""
        title = f"pins{name} · {shot_label(pins)} · {pins_tokens} tok"
        self.query_one("#pins-title", Label).update(plain(title))
        notes = []
        if not pins.examples:
            notes.append("No examples yet. F5 pins the last exchange; --examples FILE loads a set.")
        if pins.instruction:
            notes.append(f"instruction: {_one_line(pins.instruction, 60)}")
        if n_ctx and pins_tokens > n_ctx / 2:
            notes.append(f"⚠ pins take {pins_tokens / n_ctx:.0%} of the context; little room is left for the chat.")
        if len(pins.enabled_examples) > MANY_SHOTS:
            notes.append(
                f"⚠ {len(pins.enabled_examples)} examples: more rarely help past this point; "
                "fine-tuning is the next step."
            )
        notes.append("space on/off · e edit · del remove · alt+↑/↓ move · Esc/Tab back to the message")
        self.query_one("#pins-note", Static).update(plain("\n".join(notes)))

    def on_key(self, event: events.Key) -> None:
        """A character that is not one of the panel's keys was meant for the message box: send it there
        (runs before bindings are looked up, so the panel's own keys still reach them)."""
        if event.is_printable and event.character and event.key not in _PANEL_KEYS:
            event.stop()
            event.prevent_default()
            self.post_message(self.Leave(event.character))

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    def _index(self) -> int | None:
        return self.query_one("#pins-list", ListView).index

    def _act(self, kind: str, offset: int = 0) -> None:
        index = self._index()
        if index is not None:
            self.post_message(self.Action(kind, index, offset))

    def action_toggle_pin(self) -> None:
        self._act("toggle")

    def action_remove(self) -> None:
        self._act("remove")

    def action_edit(self) -> None:
        self._act("edit")

    def action_move(self, offset: int) -> None:
        self._act("move", offset)
        index = self._index()
        if index is not None:
            listing = self.query_one("#pins-list", ListView)
            listing.index = max(0, min(index + offset, len(listing.children) - 1))


_PANEL_KEYS = frozenset(binding.key for binding in PinsPanel.BINDINGS if isinstance(binding, Binding))
