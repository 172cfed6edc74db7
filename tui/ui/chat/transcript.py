"""The scrolling conversation. It stays pinned to the bottom while a reply streams, unless the user has
scrolled up to read."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from tui.core.chat.conversation import Role
from tui.ui.chat.message_view import MessageView

EARLIER_STEP = 24


class Transcript(VerticalScroll):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._all: list = []
        """A resumed chat's messages; only those from ``_shown_from`` on are mounted."""
        self._shown_from = 0

    async def show_welcome(self, text: str) -> None:
        """A first screen that says what kind of model this is and which keys matter."""
        await self.remove_children()
        await self.mount(Static(text, id="welcome"))

    async def add_message(self, role: Role, text: str = "", index: int | None = None) -> MessageView:
        for welcome in self.query("#welcome"):
            await welcome.remove()
        view = MessageView(role, text, index)
        await self.mount(view)
        self.scroll_end(animate=False)
        return view

    async def show_messages(self, messages, window: int = 24) -> None:
        """Show a resumed chat. Only the last ``window`` messages are mounted at once, so a 2,000-message
        conversation is interactive at once; "load earlier" mounts more on demand."""
        await self.remove_children()
        self._all = list(messages)
        self._shown_from = max(0, len(self._all) - window)
        await self._mount_range(self._shown_from, len(self._all))
        self.scroll_end(animate=False)

    async def _mount_range(self, start: int, end: int, before=None) -> None:
        views = []
        for index in range(start, end):
            message = self._all[index]
            stats = ""
            if message.role is Role.ASSISTANT:
                stats = message.stats.summary() if message.stats else "unfinished (the app was closed mid-reply)"
            views.append(MessageView(message.role, message.text.strip(), index, stats_line=stats))
        if before is None:
            await self.mount_all(views)
        else:
            await self.mount_all(views, before=before)
        await self._update_earlier_button()

    async def _update_earlier_button(self) -> None:
        for old in self.query("#load-earlier"):
            await old.remove()
        if self._shown_from > 0:
            await self.mount(
                Button(
                    f"▲ show {min(EARLIER_STEP, self._shown_from)} earlier of {self._shown_from} messages",
                    id="load-earlier",
                ),
                before=0,
            )

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "load-earlier":
            return
        event.stop()
        start = max(0, self._shown_from - EARLIER_STEP)
        first = self.query(MessageView).first()
        end, self._shown_from = self._shown_from, start
        await self._mount_range(start, end, before=first)

    def mark_out_of_context(self, start: int) -> None:
        """Dim the views of messages before ``start``: they were dropped from the context to make room."""
        for view in self.views:
            if view.message_index is not None and view.message_index < start:
                view.mark_out_of_context()

    def retire_from(self, index: int, why: str) -> None:
        """Dim the views of messages at ``index`` and later: an edit or regenerate replaced them."""
        for view in self.views:
            if view.message_index is not None and view.message_index >= index:
                view.mark_replaced(why)

    def follow(self) -> None:
        if self.max_scroll_y - self.scroll_y <= 3:
            self.scroll_end(animate=False)

    @property
    def views(self) -> list[MessageView]:
        return list(self.query(MessageView))
