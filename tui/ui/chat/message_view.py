"""One message in the transcript: your messages exactly as you wrote them, replies as Markdown that keeps
their line breaks (or, in raw view, exactly as the model wrote them), a reasoning model's thinking folded
above its answer, and the stats line.

Replies stream: the Markdown body through ``Markdown.get_stream()`` and the raw body and the thinking through
``LiteralText``, so each batch appends instead of re-rendering the whole message. ``ReasoningSplitter`` (core)
decides, chunk by chunk, which text is thinking and which is answer; the stored reply is never changed.

A view can be described by a ``ViewSnapshot`` (what it shows, frozen) and rebuilt from one: the transcript keeps
only the newest views mounted and snapshots the rest, so a long chat costs the same per token as a short one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from tui.core.chat.conversation import ReplyStats, Role
from tui.core.chat.reasoning import (
    ReasoningMarkers,
    ReasoningSplitter,
    estimated_thinking_tokens,
    split_reply,
    thinking_tokens,
    token_words,
)
from tui.ui.chat.chat_input import ChatInput
from tui.ui.chat.literal_text import LiteralText
from tui.ui.chat.reply_markdown import ReplyMarkdown
from tui.ui.chat.stats_line import StatsLine
from tui.ui.chat.thinking_section import ThinkingSection
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
    markers: tuple[ReasoningMarkers, ...] = ()
    """The thinking markers of the model's template (none: the reply is all answer)."""
    opened: ReasoningMarkers | None = None
    """The prompt opened a thinking block, so the reply starts inside it."""
    thinking_words: str = ""
    """``thought for 312 tokens``, as measured while it streamed; empty: not known."""

    def marked(self, note: str, flag: str, *, keep_index: bool = True) -> ViewSnapshot:
        return replace(self, note=note, flags=self.flags | {flag}, index=self.index if keep_index else None)


class MessageView(Vertical, can_focus=True):
    """Focusable (click or Tab) so that copy and the thinking toggle can act on the message you point at."""

    def __init__(
        self,
        role: Role,
        text: str = "",
        index: int | None = None,
        stats_line: str = "",
        *,
        raw: bool = False,
        markers: tuple[ReasoningMarkers, ...] = (),
        opened: ReasoningMarkers | None = None,
        **kwargs,
    ) -> None:
        super().__init__(classes=f"message -{role.value}", **kwargs)
        self._snapshot = ViewSnapshot(role, text, index, stats_line, markers=markers, opened=opened)
        self._raw = raw
        self._stream: MarkdownStream | None = None
        self._chunks: list[str] = []
        self._splitter: ReasoningSplitter | None = None
        self._answer: list[str] = []
        self._tokens = 0
        """Tokens generated before the latest chunk (for "thought for N tokens")."""

    @classmethod
    def from_snapshot(cls, snapshot: ViewSnapshot, *, raw: bool = False) -> MessageView:
        view = cls(snapshot.role, raw=raw)
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

    def _parts(self) -> tuple[str | None, str]:
        """(thinking or None, answer) of the text so far."""
        snap = self.snapshot()
        if self._splitter is not None:
            thinking = self.thinking.text if self.thinking is not None else None
            return thinking, "".join(self._answer)
        parts = split_reply(snap.text, snap.markers, snap.opened)
        return parts.thinking, parts.answer

    def _new_body(self) -> Widget:
        if self.role is Role.USER or self._raw:
            return LiteralText(self.raw_text, classes="message-body")
        return ReplyMarkdown(self._parts()[1], classes="message-body")

    def compose(self) -> ComposeResult:
        yield Static(plain(self._label()), classes="message-role")
        thinking, _ = self._parts() if self.role is Role.ASSISTANT else (None, "")
        if thinking is not None:
            yield ThinkingSection(thinking, words=self._snapshot.thinking_words or "thought", collapsed=True)
        yield self._new_body()
        yield StatsLine(self._snapshot.stats_line)

    @property
    def body(self) -> Markdown | LiteralText:
        return self.query_one(".message-body", Widget)  # type: ignore[return-value]  # one of the two

    @property
    def thinking(self) -> ThinkingSection | None:
        return next(iter(self.query(ThinkingSection).results(ThinkingSection)), None)

    @property
    def raw_text(self) -> str:
        """The text as written (a reply streamed so far included: what a stop or a crash would keep)."""
        return self.snapshot().text

    @property
    def answer_text(self) -> str:
        """What the reply says without its thinking (what the Markdown view shows)."""
        return self._parts()[1]

    async def set_raw(self, raw: bool) -> None:
        """Raw view: the reply exactly as written, markers and all; else Markdown with the thinking folded."""
        if raw == self._raw or self.role is Role.USER:
            self._raw = raw
            return
        self._raw = raw
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        old = self.body
        await self.mount(self._new_body(), after=old)
        await old.remove()

    async def append(self, text: str, tokens: int | None = None) -> None:
        """Add a streamed chunk; ``tokens`` is the number generated so far (for the thinking label)."""
        if not self._chunks and not self._snapshot.text:
            text = text.lstrip()  # the completion format's reply starts with the space after the label
        if not text:
            return
        self._chunks.append(text)
        if self._splitter is None:
            self._splitter = ReasoningSplitter(self._snapshot.markers, self._snapshot.opened)
        part = self._splitter.feed(text)
        before, self._tokens = self._tokens, tokens if tokens is not None else self._tokens
        thinking = await self._thinking_section()
        if thinking is not None and part.thinking:
            await thinking.append(part.thinking)
        if thinking is not None and part.answer_started:
            count, exact = thinking_tokens(before, self._tokens, len(text), part.thinking_chars)
            self._done_thinking(thinking, token_words(count if tokens is not None else None, exact))
        elif thinking is not None and not thinking.collapsed and tokens is not None and part.thinking:
            thinking.progress(f"thinking… {self._tokens:,} tokens")
        if self._raw:
            await self.body.append(text)  # the LiteralText: everything as written, markers included
        await self._show_answer(part.answer)

    async def _thinking_section(self) -> ThinkingSection | None:
        if not self._snapshot.text and (self._splitter is None or not self._splitter.has_thinking):
            return None  # a reply streaming into an empty view has no section until it thinks (no query per batch)
        section = self.thinking
        if section is None and self._splitter is not None and self._splitter.has_thinking:
            section = ThinkingSection()
            await self.mount(section, before=self.body)
        return section

    def _done_thinking(self, section: ThinkingSection, words: str) -> None:
        section.done(words)
        self._snapshot = replace(self._snapshot, thinking_words=words)

    async def _show_answer(self, answer: str) -> None:
        if not answer:
            return
        self._answer.append(answer)
        if self._raw:
            return
        if self._stream is None:  # the body is looked up once a reply, not per batch (a DOM query each time)
            body = self.body
            if isinstance(body, Markdown):
                self._stream = Markdown.get_stream(body)
        if self._stream is not None:
            await self._stream.write(answer)

    async def finish(self, stats: ReplyStats | None, note: str = "", sampled: bool = True) -> None:
        if self._splitter is not None:
            rest = self._splitter.flush()
            thinking = self.thinking
            if thinking is not None and rest.thinking:
                await thinking.append(rest.thinking)
            if thinking is not None and not self._snapshot.thinking_words:
                count = stats.completion_tokens if stats is not None else None
                thinking.progress(f"{token_words(count, True)} (no answer)")
                self._snapshot = replace(self._snapshot, thinking_words=thinking.words)
            await self._show_answer(rest.answer)
        elif (section := self.thinking) is not None and stats is not None and not self._snapshot.thinking_words:
            count = estimated_thinking_tokens(stats.completion_tokens, len(section.text), len(self.raw_text))
            self._done_thinking(section, token_words(count, exact=False))  # a whole reply: not streamed here
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        parts = [stats.summary(sampled)] if stats is not None else []
        if note:
            parts.append(note)
        self._snapshot = replace(self.snapshot(), stats_line=" · ".join(parts))
        self._chunks, self._splitter, self._answer = [], None, []
        self.query_one(StatsLine).show(self._snapshot.stats_line)
        if stats is not None and stats.finish_reason.value == "cancelled":
            self._mark("", "-stopped")

    def on_key(self, event: events.Key) -> None:
        """Typing while a message has focus (after a click to select text) goes to the message box."""
        if event.is_printable and event.character:
            event.stop()
            box = self.screen.query_one(ChatInput)
            box.focus()
            box.insert(event.character)

    def toggle_thinking(self) -> bool:
        """Fold or unfold the thinking; False when this message has none."""
        section = self.thinking
        if section is None:
            return False
        section.toggle()
        return True

    def _mark(self, note: str, flag: str, *, keep_index: bool = True) -> None:
        self._snapshot = self.snapshot().marked(note or self._snapshot.note, flag, keep_index=keep_index)
        self._chunks = []
        self.add_class(flag)
        self.query_one(".message-role", Static).update(plain(self._label()))

    def mark_replay(self, seed: int | None) -> None:
        """``seed`` None: a greedy replay, where the seed changes nothing and is not worth showing."""
        what = "replay" if seed is None else f"replay with seed {seed}"
        self._mark(f"{what}, not added to the chat", "-replay", keep_index=False)

    def mark_replaced(self, why: str) -> None:
        self._mark(why, "-dropped", keep_index=False)

    def mark_out_of_context(self) -> None:
        self._mark("dropped from context", "-dropped")
