"""The scrolling conversation. It stays pinned to the bottom while a reply streams, unless the user has
scrolled up to read.

Only the newest messages are mounted (at most ``MAX_MOUNTED``; older ones are kept as ``ViewSnapshot`` values
and come back with "show earlier"): every streamed batch re-lays-out the mounted views, so an unbounded
transcript would make each token of a long chat cost more than the last.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from tui.core.chat.conversation import Message, Role
from tui.ui.chat.message_view import MessageView, ViewSnapshot
from tui.ui.plain import plain

EARLIER_STEP = 24
RESUME_WINDOW = 24
MAX_MOUNTED = 48
"""Above this many mounted messages, the oldest are unmounted down to ``KEEP_MOUNTED`` (in one chunk, rarely)."""
KEEP_MOUNTED = 32


def snapshot_of(message: Message, index: int) -> ViewSnapshot:
    stats = ""
    if message.role is Role.ASSISTANT:
        stats = message.stats.summary() if message.stats else "unfinished (the app was closed mid-reply)"
    return ViewSnapshot(message.role, message.text.strip(), index, stats)


class Transcript(VerticalScroll):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._hidden: list[ViewSnapshot] = []
        """Views older than the mounted ones, oldest first."""

    async def show_welcome(self, text: str) -> None:
        """A first screen that says what kind of model this is and which keys matter."""
        self._hidden = []
        await self.remove_children()
        await self.mount(Static(plain(text), id="welcome"))

    async def add_message(self, role: Role, text: str = "", index: int | None = None) -> MessageView:
        for welcome in self.query("#welcome"):
            await welcome.remove()
        view = MessageView(role, text, index)
        await self.mount(view)
        await self._trim()
        self.scroll_end(animate=False)
        return view

    async def show_messages(self, messages: Sequence[Message], window: int = RESUME_WINDOW) -> None:
        """Show a resumed chat. Only the last ``window`` messages are mounted, so a 2,000-message conversation
        is interactive at once; "show earlier" mounts more on demand."""
        await self.remove_children()
        snapshots = [snapshot_of(message, index) for index, message in enumerate(messages)]
        start = max(0, len(snapshots) - window)
        self._hidden = snapshots[:start]
        await self.mount_all([MessageView.from_snapshot(snapshot) for snapshot in snapshots[start:]])
        await self._update_earlier_button()
        self.scroll_end(animate=False)

    async def _trim(self) -> None:
        views = self.views
        if len(views) <= MAX_MOUNTED:
            return
        retired = views[: len(views) - KEEP_MOUNTED]
        self._hidden.extend(view.snapshot() for view in retired)
        await self.remove_children(retired)
        await self._update_earlier_button()

    async def _update_earlier_button(self) -> None:
        for old in self.query("#load-earlier"):
            await old.remove()
        if self._hidden:
            label = f"▲ show {min(EARLIER_STEP, len(self._hidden))} earlier of {len(self._hidden)} messages"
            await self.mount(Button(label, id="load-earlier"), before=0)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "load-earlier":
            return
        event.stop()
        shown, self._hidden = self._hidden[-EARLIER_STEP:], self._hidden[:-EARLIER_STEP]
        first = self.query(MessageView).first()
        await self.mount_all([MessageView.from_snapshot(snapshot) for snapshot in shown], before=first)
        await self._update_earlier_button()

    def mark_out_of_context(self, start: int) -> None:
        """Dim the messages before ``start``: they were dropped from the context to make room."""
        for view in self.views:
            if view.message_index is not None and view.message_index < start:
                view.mark_out_of_context()
        self._hidden = [
            snapshot.marked("dropped from context", "-dropped")
            if snapshot.index is not None and snapshot.index < start
            else snapshot
            for snapshot in self._hidden
        ]

    def retire_from(self, index: int, why: str) -> None:
        """Dim the messages at ``index`` and later: an edit or regenerate replaced them."""
        for view in self.views:
            if view.message_index is not None and view.message_index >= index:
                view.mark_replaced(why)
        self._hidden = [
            snapshot.marked(why, "-dropped", keep_index=False)
            if snapshot.index is not None and snapshot.index >= index
            else snapshot
            for snapshot in self._hidden
        ]

    def follow(self) -> None:
        if self.max_scroll_y - self.scroll_y <= 3:
            self.scroll_end(animate=False)

    @property
    def views(self) -> list[MessageView]:
        return list(self.query(MessageView))
