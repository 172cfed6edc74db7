"""One message in the transcript. Replies stream through ``Markdown.get_stream()`` so each token appends
instead of re-rendering the whole message."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from tui.core.chat.conversation import ReplyStats, Role


class MessageView(Vertical):
    def __init__(self, role: Role, text: str = "", index: int | None = None, stats_line: str = "", **kwargs) -> None:
        super().__init__(classes=f"message -{role.value}", **kwargs)
        self._stats_line = stats_line
        self.role = role
        self.message_index = index
        """Position in the session's messages; None for replays and replaced messages."""
        self._initial = text
        self._stream: MarkdownStream | None = None
        self._raw = ""

    def compose(self) -> ComposeResult:
        yield Static("you" if self.role is Role.USER else "model", classes="message-role")
        # A user's Ctrl+J line breaks are meant literally: Markdown would join single newlines.
        text = self._initial.replace("\n", "  \n") if self.role is Role.USER else self._initial
        yield Markdown(text, classes="message-body")
        yield Static(self._stats_line, classes="message-stats")

    @property
    def body(self) -> Markdown:
        return self.query_one(".message-body", Markdown)

    @property
    def raw_text(self) -> str:
        """The reply text streamed so far (what a stop or a crash would keep)."""
        return self._raw

    async def append(self, text: str) -> None:
        if not self._raw:
            text = text.lstrip()  # the completion format's reply starts with the space after the label
        if not text:
            return
        self._raw += text
        if self._stream is None:
            self._stream = Markdown.get_stream(self.body)
        await self._stream.write(text)

    async def finish(self, stats: ReplyStats | None, note: str = "", sampled: bool = True) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        stats_line = self.query_one(".message-stats", Static)
        parts = [stats.summary(sampled)] if stats is not None else []
        if note:
            parts.append(note)
        stats_line.update(" · ".join(parts))
        if stats is not None:
            self.set_class(stats.finish_reason.value == "cancelled", "-stopped")

    def mark_replay(self, seed: int) -> None:
        self.add_class("-replay")
        self.query_one(".message-role", Static).update(f"model  (replay with seed {seed}, not added to the chat)")

    def mark_replaced(self, why: str) -> None:
        self.add_class("-dropped")
        self.message_index = None
        label = "you" if self.role is Role.USER else "model"
        self.query_one(".message-role", Static).update(f"{label}  ({why})")

    def mark_out_of_context(self) -> None:
        self.add_class("-dropped")
        self.query_one(".message-role", Static).update(
            ("you" if self.role is Role.USER else "model") + "  (dropped from context)"
        )
