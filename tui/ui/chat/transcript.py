"""The scrolling conversation. It stays pinned to the bottom while a reply streams, unless the user has
scrolled up to read.

Only the newest messages are mounted (at most ``MAX_MOUNTED``; older ones are kept as ``ViewSnapshot`` values
and come back with "show earlier"): every streamed batch re-lays-out the mounted views, so an unbounded
transcript would make each token of a long chat cost more than the last.

It also holds what applies to every message: the raw/Markdown view (for the whole session), the thinking
markers of the model in use, and which message copy and the thinking toggle act on (the focused one, else
the last reply).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Static

from tui.core.chat.conversation import IMPORTED_NOTE, Message, Role
from tui.core.chat.reasoning import (
    ReasoningMarkers,
    estimated_thinking_tokens,
    opened_by_prompt,
    opened_by_text,
    split_reply,
    token_words,
)
from tui.ui.chat.message_view import MessageView, ViewSnapshot
from tui.ui.plain import plain

EARLIER_STEP = 24
RESUME_WINDOW = 24
MAX_MOUNTED = 48
"""Above this many mounted messages, the oldest are unmounted down to ``KEEP_MOUNTED`` (in one chunk, rarely)."""
KEEP_MOUNTED = 32


def snapshot_of(message: Message, index: int, markers: tuple[ReasoningMarkers, ...] = ()) -> ViewSnapshot:
    """A stored message as a view. Its thinking length was not recorded: it is estimated from the reply's
    token count by characters, and marked ``≈``."""
    text = message.text.strip()
    if message.role is Role.USER:
        return ViewSnapshot(message.role, text, index)
    if message.stats is not None:
        stats = message.stats.summary()
    else:
        stats = IMPORTED_NOTE if message.imported else "unfinished (the app was closed mid-reply)"
    opened = opened_by_text(text, markers)
    words = ""
    thinking = split_reply(text, markers, opened).thinking
    if thinking is not None and message.stats is not None:
        count = estimated_thinking_tokens(message.stats.completion_tokens, len(thinking), len(text))
        words = token_words(count, exact=False)
    return ViewSnapshot(message.role, text, index, stats, markers=markers, opened=opened, thinking_words=words)


class Transcript(VerticalScroll):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._hidden: list[ViewSnapshot] = []
        """Views older than the mounted ones, oldest first."""
        self.raw = False
        """Replies exactly as written (markers and all) instead of Markdown; kept for the whole session."""
        self.reasoning_markers: tuple[ReasoningMarkers, ...] = ()
        """The thinking markers the model's template names (set by the screen when the engine changes)."""

    async def show_welcome(self, text: str) -> None:
        """A first screen that says what kind of model this is and which keys matter."""
        self._hidden = []
        await self.remove_children()
        await self.mount(Static(plain(text), id="welcome"))

    async def add_message(
        self, role: Role, text: str = "", index: int | None = None, prompt: str | None = None
    ) -> MessageView:
        """``prompt``: what a reply about to stream answers (its end may open a thinking block)."""
        for welcome in self.query("#welcome"):
            await welcome.remove()
        markers = self.reasoning_markers if role is Role.ASSISTANT else ()
        if prompt is not None:
            opened = opened_by_prompt(prompt, markers)
        else:
            opened = opened_by_text(text, markers)
        view = MessageView(role, text, index, raw=self.raw, markers=markers, opened=opened)
        await self.mount(view)
        await self._trim()
        self.scroll_end(animate=False)
        return view

    async def show_messages(self, messages: Sequence[Message], window: int = RESUME_WINDOW) -> None:
        """Show a resumed chat. Only the last ``window`` messages are mounted, so a 2,000-message conversation
        is interactive at once; "show earlier" mounts more on demand."""
        await self.remove_children()
        snapshots = [snapshot_of(message, index, self.reasoning_markers) for index, message in enumerate(messages)]
        start = max(0, len(snapshots) - window)
        self._hidden = snapshots[:start]
        await self.mount_all([MessageView.from_snapshot(snapshot, raw=self.raw) for snapshot in snapshots[start:]])
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
        views = [MessageView.from_snapshot(snapshot, raw=self.raw) for snapshot in shown]
        await self.mount_all(views, before=first)
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

    # -- the view, copy and the thinking toggle ---------------------------------------------------------------

    async def set_raw(self, raw: bool) -> None:
        """Every reply, mounted or not, raw or Markdown (the hidden ones are built in that view when shown)."""
        self.raw = raw
        self.set_class(raw, "-raw")
        for view in self.views:
            await view.set_raw(raw)

    def pointed(self) -> MessageView | None:
        """The message the user points at: the focused one (click or Tab), else None."""
        focused = self.screen.focused
        while focused is not None and focused is not self:
            if isinstance(focused, MessageView):
                return focused
            focused = focused.parent if isinstance(focused.parent, Widget) else None
        return None

    def last_reply(self, *, with_thinking: bool = False) -> MessageView | None:
        for view in reversed(self.views):
            if view.role is Role.ASSISTANT and (view.thinking is not None if with_thinking else view.raw_text):
                return view
        return None

    def copy_text(self) -> tuple[str, str] | None:
        """(text, what it is) for copy: the mouse selection, else the focused message, else the last reply. A
        reply is copied as it is shown: without its thinking in the Markdown view, as written in the raw one."""
        selected = self.screen.get_selected_text()
        if selected:
            return selected, "the selection"
        view = self.pointed()
        if view is None:
            view = self.last_reply()
            what = "the last reply"
        else:
            what = "your message" if view.role is Role.USER else "that reply"
        if view is None:
            return None
        text = view.raw_text if self.raw or view.role is Role.USER else view.answer_text
        return text, what

    def toggle_thinking(self) -> bool:
        """Fold or unfold the thinking of the focused reply, else of the last reply that has one."""
        view = self.pointed()
        if view is None or view.thinking is None:
            view = self.last_reply(with_thinking=True)
        return view is not None and view.toggle_thinking()
