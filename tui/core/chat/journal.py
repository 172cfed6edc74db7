"""Where the chat state writes what happens, so the state never needs to know whether anything is saved.

``ChatState`` calls a ``Journal`` at each step of a reply's life; ``NullJournal`` keeps nothing (tests,
screenshots, ``--no-history``), ``tui.core.history.journal.HistoryJournal`` writes to the SQLite history.
Ids are whatever the journal returns; the state only hands them back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tui.core.chat.conversation import ReplyStats
from tui.core.chat.record import ReplyRecord
from tui.core.fewshot.examples import ExampleSet


class Journal(Protocol):
    @property
    def conversation_id(self) -> int | None:
        """The stored conversation the chat writes to; None until its first message (or with no history)."""
        ...

    def add_user(self, text: str) -> int | None: ...

    def edit_user(self, stored_id: int | None, text: str) -> int | None:
        """Replace a stored user message (and retire what followed it); returns the new message's id."""
        ...

    def delete_from(self, stored_id: int | None) -> None:
        """Retire a stored message and everything after it (kept as an old branch); None: nothing stored."""
        ...

    def start_reply(self, profile: str, replace_last: bool) -> int | None: ...

    def reply_progress(self, reply_id: int | None, chunk: str, text_so_far: Callable[[], str]) -> None:
        """``chunk`` was just streamed. The journal decides when to write, and only then asks for the whole
        text so far: joining it per token would make each token cost as much as the reply is long."""
        ...

    def finish_reply(self, reply_id: int | None, text: str, stats: ReplyStats, record: ReplyRecord) -> None: ...

    def fail_reply(self, reply_id: int | None, text: str) -> None:
        """The reply broke off: its partial text is kept, with no stats."""
        ...

    def save_settings(self, system_prompt: str, pins: ExampleSet, profile: str) -> None: ...

    def open(self, conversation_id: int | None) -> None:
        """Write to this stored conversation from now on (None: the next message starts a new one)."""
        ...


class NullJournal:
    """Keeps nothing: every call is accepted and forgotten."""

    @property
    def conversation_id(self) -> int | None:
        return None

    def add_user(self, text: str) -> int | None:
        return None

    def edit_user(self, stored_id: int | None, text: str) -> int | None:
        return None

    def delete_from(self, stored_id: int | None) -> None:
        return None

    def start_reply(self, profile: str, replace_last: bool) -> int | None:
        return None

    def reply_progress(self, reply_id: int | None, chunk: str, text_so_far: Callable[[], str]) -> None:
        return None

    def finish_reply(self, reply_id: int | None, text: str, stats: ReplyStats, record: ReplyRecord) -> None:
        return None

    def fail_reply(self, reply_id: int | None, text: str) -> None:
        return None

    def save_settings(self, system_prompt: str, pins: ExampleSet, profile: str) -> None:
        return None

    def open(self, conversation_id: int | None) -> None:
        return None
