"""One message in the transcript. Replies stream through ``Markdown.get_stream()`` so each batch appends
instead of re-rendering the whole message.

A view can be described by a ``ViewSnapshot`` (what it shows, frozen) and rebuilt from one: the transcript keeps
only the newest views mounted and snapshots the rest, so a long chat costs the same per token as a short one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from tui.core.chat.conversation import ReplyStats, Role
from tui.ui.plain import plain


@dataclass(frozen=True)
class ViewSnapshot:
    role: Role
    text: str
    index: int | None
    """Position in the chat's turns; None for replays and replaced messages."""
    stats_line: str = ""
    note: str = ""
    """What the role label adds: "(replaced by ...)", "(dropped from context)", "(replay with seed ...)"."""
    flags: frozenset[str] = frozenset()
    """CSS classes beyond the role: ``-dropped``, ``-replay``, ``-stopped``."""

    def marked(self, note: str, flag: str, *, keep_index: bool = True) -> ViewSnapshot:
        return replace(self, note=note, flags=self.flags | {flag}, index=self.index if keep_index else None)


class MessageView(Vertical):
    def __init__(self, role: Role, text: str = "", index: int | None = None, stats_line: str = "", **kwargs) -> None:
        super().__init__(classes=f"message -{role.value}", **kwargs)
        self._snapshot = ViewSnapshot(role, text, index, stats_line)
        self._stream: MarkdownStream | None = None
        self._chunks: list[str] = []

    @classmethod
    def from_snapshot(cls, snapshot: ViewSnapshot) -> MessageView:
        view = cls(snapshot.role, snapshot.text, snapshot.index, snapshot.stats_line)
        view._snapshot = snapshot
        view.set_classes(" ".join(["message", f"-{snapshot.role.value}", *sorted(snapshot.flags)]))
        return view

    @property
    def role(self) -> Role:
        return self._snapshot.role

    @property
    def message_index(self) -> int | None:
        return self._snapshot.index

    def snapshot(self) -> ViewSnapshot:
        """What this view shows now (a streamed reply's text included)."""
        if self._chunks:
            return replace(self._snapshot, text=self._snapshot.text + "".join(self._chunks))
        return self._snapshot

    def _label(self) -> str:
        base = "you" if self.role is Role.USER else "model"
        return f"{base}  ({self._snapshot.note})" if self._snapshot.note else base

    def compose(self) -> ComposeResult:
        yield Static(plain(self._label()), classes="message-role")
        # A user's Ctrl+J line breaks are meant literally: Markdown would join single newlines.
        text = self._snapshot.text
        yield Markdown(text.replace("\n", "  \n") if self.role is Role.USER else text, classes="message-body")
        yield Static(plain(self._snapshot.stats_line), classes="message-stats")

    @property
    def body(self) -> Markdown:
        return self.query_one(".message-body", Markdown)

    @property
    def raw_text(self) -> str:
        """The reply text streamed so far (what a stop or a crash would keep)."""
        return self.snapshot().text

    async def append(self, text: str) -> None:
        if not self._chunks and not self._snapshot.text:
            text = text.lstrip()  # the completion format's reply starts with the space after the label
        if not text:
            return
        self._chunks.append(text)
        if self._stream is None:
            self._stream = Markdown.get_stream(self.body)
        await self._stream.write(text)

    async def finish(self, stats: ReplyStats | None, note: str = "", sampled: bool = True) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        parts = [stats.summary(sampled)] if stats is not None else []
        if note:
            parts.append(note)
        self._snapshot = replace(self.snapshot(), stats_line=" · ".join(parts))
        self._chunks = []
        self.query_one(".message-stats", Static).update(plain(self._snapshot.stats_line))
        if stats is not None and stats.finish_reason.value == "cancelled":
            self._mark("", "-stopped")

    def _mark(self, note: str, flag: str, *, keep_index: bool = True) -> None:
        self._snapshot = self.snapshot().marked(note or self._snapshot.note, flag, keep_index=keep_index)
        self._chunks = []
        self.add_class(flag)
        self.query_one(".message-role", Static).update(plain(self._label()))

    def mark_replay(self, seed: int) -> None:
        self._mark(f"replay with seed {seed}, not added to the chat", "-replay", keep_index=False)

    def mark_replaced(self, why: str) -> None:
        self._mark(why, "-dropped", keep_index=False)

    def mark_out_of_context(self) -> None:
        self._mark("dropped from context", "-dropped")
