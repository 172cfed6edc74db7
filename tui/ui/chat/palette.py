"""Command palette entries: every chat action from the actions table, plus every profile by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.ui.actions import palette_actions

if TYPE_CHECKING:
    from tui.ui.chat.screen import ChatScreen


class ChatCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen: ChatScreen = self.screen  # type: ignore[assignment]  # only registered on ChatScreen
        entries: list[tuple[str, str, Callable[[], object]]] = [
            (action.title, action.help, partial(screen.run_action, action.action))
            for action in palette_actions()
            if screen.check_action(action.action, ()) is not False  # what the footer hides, the palette does too
        ]
        for name in screen.profile_names:
            entries.append(
                (
                    f"Profile: {name}",
                    "Use this decoding profile from the next reply on",
                    partial(screen.select_profile, name),
                )
            )
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
