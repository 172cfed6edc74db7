"""The scrolling conversation. It stays pinned to the bottom while a reply streams, unless the user has
scrolled up to read."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core.conversation import Role
from tui.ui.widgets.message_view import MessageView


class Transcript(VerticalScroll):
    async def show_welcome(self, text: str) -> None:
        """A first screen that says what kind of model this is and which keys matter."""
        await self.remove_children()
        await self.mount(Static(text, id="welcome"))

    async def add_message(self, role: Role, text: str = "") -> MessageView:
        for welcome in self.query("#welcome"):
            await welcome.remove()
        view = MessageView(role, text)
        await self.mount(view)
        self.scroll_end(animate=False)
        return view

    def follow(self) -> None:
        if self.max_scroll_y - self.scroll_y <= 3:
            self.scroll_end(animate=False)

    @property
    def views(self) -> list[MessageView]:
        return list(self.query(MessageView))
