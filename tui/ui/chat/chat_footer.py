"""The chat's footer: the keys that matter most, as many as the terminal's width holds, then "more: Ctrl+P".

Textual's ``Footer`` lays every shown binding out in declaration order and lets the row scroll off the right
edge, so at 80 columns the keys people look for first (Stop, Profile, Prompt) competed with Compare and Quit,
and the palette key, which reaches everything else, was the first to go. This footer orders the keys by
``FOOTER_ORDER`` (tui/ui/actions.py), puts the focused widget's own keys (the pins panel's) first, keeps
whole keys that fit and always ends with the palette's key. It follows a keymap from config.toml because it
reads the screen's active bindings, which Textual builds after applying the keymap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets._footer import FooterKey, FooterLabel

from tui.ui.actions import FOOTER_ORDER, key_label
from tui.ui.common.footer import PruningFooter

MORE = "more: "
_RANK = {action_id: rank for rank, action_id in enumerate(FOOTER_ORDER)}


def key_width(key: str, description: str) -> int:
    """Columns one compact ``FooterKey`` takes: key, a space, the description, and its right margin."""
    return cell_len(key) + 1 + cell_len(description) + 1


def fitting(widths: Sequence[int], available: int) -> int:
    """How many of the keys (widths, in order) fit in ``available`` columns: a prefix, never a gap."""
    used = 0
    for count, width in enumerate(widths):
        if used + width > available:
            return count
        used += width
    return len(widths)


def ordered(bindings: Iterable[tuple[Binding, bool, str]]) -> list[tuple[Binding, bool, str]]:
    """One entry per action (its first key), the focused widget's keys first, then the chat's by rank."""
    first: dict[str, tuple[Binding, bool, str]] = {}
    for entry in bindings:
        binding = entry[0]
        if binding.show:
            first.setdefault(binding.action, entry)
    entries = list(first.values())
    return sorted(entries, key=lambda entry: _RANK.get(entry[0].id or "", -1))  # stable: widget keys keep order


class ChatFooter(PruningFooter):
    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, show_command_palette=False, **kwargs)
        self._composed_width = 0

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:  # as Footer: nothing until the screen says its bindings are known
            return
        width = self.size.width or self.app.size.width
        self._composed_width = width
        active = self.screen.active_bindings
        entries = ordered((binding, enabled, tooltip) for _node, binding, enabled, tooltip in active.values())
        labels = [binding.key_display or key_label(binding.key) for binding, _, _ in entries]
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        more_key = key_label(self.app.COMMAND_PALETTE_BINDING)
        reserved = cell_len(MORE) + cell_len(more_key) if palette is not None else 0
        widths = [key_width(label, binding.description) for label, (binding, _, _) in zip(labels, entries)]
        shown = fitting(widths, width - reserved)
        for label, (binding, enabled, tooltip) in list(zip(labels, entries))[:shown]:
            yield FooterKey(
                binding.key, label, binding.description, binding.action, disabled=not enabled, tooltip=tooltip
            ).data_bind(compact=PruningFooter.compact)
        if palette is not None:
            yield FooterLabel(MORE)
            yield FooterKey(
                palette.binding.key,
                more_key,
                "",
                palette.binding.action,
                disabled=not palette.enabled,
                tooltip="Every action, every profile: the command palette",
            ).data_bind(compact=PruningFooter.compact)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._composed_width and self._bindings_ready:
            self.call_after_refresh(self.recompose)
