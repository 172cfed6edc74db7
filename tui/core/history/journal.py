"""The chat state's journal backed by the SQLite history: every message is saved as it happens, off the UI thread.

A user message is queued before generation starts; a reply is written as it streams (at the end of a
sentence or at least every second) and finally with its stats and record, so ``kill -9`` mid-reply loses at
most the last second. The writes go through the store's ``HistoryWriter``: the chat state calls this journal
on the UI thread, and nothing here waits for SQLite, so a database locked by another program never freezes
the chat or loses a keystroke; the writes are done, in order, when the lock is released.

Given no writer (tests, tools), the journal writes at once on the calling thread, with stored ids, as a
plain ``HistoryStore`` client would. With one (the TUI), a write has not happened yet when the chat state
needs its id, so the ids handed out are handles:
negative numbers this journal resolves to the stored ids once the writes are done (``_Handles``). Stored ids
(a resumed chat's) are positive and pass through. A write that fails for good becomes one call of
``on_error`` (from the writer thread: the UI must hand it to its own thread), and the chat goes on; writes
that depend on it say they were skipped, and the next message starts a new stored conversation.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tui.core.chat.conversation import Message, ReplyStats, Role
from tui.core.chat.record import ReplyRecord, record_from_bytes, record_to_bytes
from tui.core.chat.state import SavedChat, Turn
from tui.core.errors import UserError
from tui.core.fewshot.examples import ExampleSet
from tui.core.history.model import model_fingerprint
from tui.core.history.store import HistoryStore
from tui.core.history.writer import HistoryWriter, Unsaved

FLUSH_EVERY_S = 1.0
SENTENCE_FLUSH_S = 0.25
_SENTENCE_ENDS = (".", "!", "?", "\n")


class _Handles:
    """Handles (negative) for rows not written yet, and the stored ids (positive) they became."""

    def __init__(self) -> None:
        self._next = itertools.count(-1, -1)
        self._stored: dict[int, int | None] = {}
        self._lock = threading.Lock()

    def new(self) -> int:
        return next(self._next)

    def resolve(self, handle: int, stored: int | None) -> None:
        """``stored`` None: the write failed for good, and so will every write that needs this row."""
        with self._lock:
            self._stored[handle] = stored

    def stored(self, value: int | None) -> int | None:
        """The stored id for ``value`` (a handle or a stored id), or None while unwritten or after a failure."""
        if value is None or value > 0:
            return value
        with self._lock:
            return self._stored.get(value)

    def failed(self, value: int | None) -> bool:
        if value is None or value > 0:
            return False
        with self._lock:
            return value in self._stored and self._stored[value] is None

    def require(self, value: int | None, what: str) -> int:
        """For a write that needs the row ``value``: its stored id, or ``Unsaved`` when that row never was."""
        stored = self.stored(value)
        if stored is None:
            raise Unsaved(f"{what} was not saved, so this could not be either")
        return stored


class HistoryJournal:
    def __init__(
        self,
        store: HistoryStore,
        model_path: Callable[[], str],
        settings: Callable[[], tuple[str, ExampleSet, str]],
        on_error: Callable[[str], object],
        writer: HistoryWriter | None = None,
    ) -> None:
        """``model_path`` and ``settings`` (system prompt, pins, profile name) are read when a conversation is
        created: the chat's first message, not the app's start, decides what it was made with. With a
        ``writer`` (the store's), every write is queued to it and ``on_error`` is called from its thread."""
        self.store = store
        self._writer = writer
        self._model_path = model_path
        self._settings = settings
        self._on_error = on_error
        self._ids = _Handles()
        self._conversation: int | None = None
        """The conversation written to: a handle until it is created, or the stored id of a resumed chat."""
        self._flushed_at = 0.0

    @property
    def conversation_id(self) -> int | None:
        """The stored id, once the conversation's creation has been written."""
        return self._ids.stored(self._conversation)

    def _submit(self, what: str, action: Callable[[], None], key: object = None) -> None:
        if self._writer is not None:
            self._writer.submit(what, action, self._on_error, key=None if key is None else (id(self), key))
            return
        try:
            action()
        except UserError as error:
            self._on_error(str(error))
        except Unsaved:  # what it needed already failed, with its own notice
            pass

    def _new_row(self, what: str, write: Callable[[], int]) -> int | None:
        """Queue ``write`` (which returns the stored id) and return the handle that will resolve to it; without
        a writer, write now and return the stored id (None when it failed)."""
        if self._writer is None:
            written: list[int] = []
            self._submit(what, lambda: written.append(write()))
            return written[0] if written else None
        handle = self._ids.new()

        def action() -> None:
            stored: int | None = None
            try:
                stored = write()
            finally:
                self._ids.resolve(handle, stored)

        self._submit(what, action)
        return handle

    def _conversation_handle(self) -> int | None:
        if self._conversation is None or self._ids.failed(self._conversation):
            path = self._model_path()
            system_prompt, pins, profile = self._settings()

            def create() -> int:
                fingerprint = ""
                if path and Path(path).is_file():
                    try:
                        fingerprint = model_fingerprint(Path(path))
                    except UserError as error:  # the chat is still worth saving without it
                        self._on_error(str(error))
                return self.store.create_conversation(
                    model_path=path,
                    model_fingerprint=fingerprint,
                    system_prompt=system_prompt,
                    pins=pins,
                    profile=profile,
                )

            self._conversation = self._new_row("the new conversation", create)
        return self._conversation

    def open(self, conversation_id: int | None) -> None:
        self._conversation = conversation_id

    def add_user(self, text: str) -> int | None:
        conversation = self._conversation_handle()
        return self._new_row(
            "your message",
            lambda: self.store.add_user_message(self._ids.require(conversation, "the conversation"), text),
        )

    def edit_user(self, stored_id: int | None, text: str) -> int | None:
        if stored_id is None or self._ids.failed(stored_id):  # never stored (history was failing): store as new
            return self.add_user(text)
        return self._new_row(
            "your edited message",
            lambda: self.store.edit_user_message(self._ids.require(stored_id, "the message edited"), text),
        )

    def delete_from(self, stored_id: int | None) -> None:
        if stored_id is None or self._ids.failed(stored_id):  # never stored: nothing in the history to retire
            return

        def retire() -> None:
            self.store.delete_from_message(self._ids.require(stored_id, "the message deleted"))

        self._submit("the deletion", retire)

    def start_reply(self, profile: str, replace_last: bool) -> int | None:
        self._flushed_at = time.monotonic()
        conversation = self._conversation_handle()
        start = self.store.replace_last_reply if replace_last else self.store.start_reply
        return self._new_row("the reply", lambda: start(self._ids.require(conversation, "the conversation"), profile))

    def reply_progress(self, reply_id: int | None, chunk: str, text_so_far: Callable[[], str]) -> None:
        if reply_id is None:
            return
        since = time.monotonic() - self._flushed_at
        if since >= FLUSH_EVERY_S or (since >= SENTENCE_FLUSH_S and chunk.rstrip(" ").endswith(_SENTENCE_ENDS)):
            text = text_so_far()  # read here, on the thread that owns the reply
            self._submit(
                "the reply so far",
                lambda: self.store.update_reply_text(self._ids.require(reply_id, "the reply"), text),
                key=("progress", reply_id),
            )
            self._flushed_at = time.monotonic()

    def finish_reply(self, reply_id: int | None, text: str, stats: ReplyStats, record: ReplyRecord) -> None:
        if reply_id is not None:
            self._submit(
                "the finished reply",
                lambda: self.store.finish_reply(
                    self._ids.require(reply_id, "the reply"), text, stats, record_to_bytes(record)
                ),
            )

    def fail_reply(self, reply_id: int | None, text: str) -> None:
        if reply_id is not None:
            self._submit(
                "the partial reply",
                lambda: self.store.update_reply_text(self._ids.require(reply_id, "the reply"), text),
            )

    def save_settings(self, system_prompt: str, pins: ExampleSet, profile: str) -> None:
        conversation = self._conversation
        if conversation is not None:
            self._submit(
                "the conversation's settings",
                lambda: self.store.update_conversation(
                    self._ids.require(conversation, "the conversation"),
                    system_prompt=system_prompt,
                    pins=pins,
                    profile=profile,
                ),
            )


def load_saved_chat(store: HistoryStore, conversation_id: int) -> SavedChat:
    """A stored conversation as the chat state takes it: turns with their ids and reply records."""
    loaded = store.get_conversation(conversation_id)
    records = loaded.records or (None,) * len(loaded.messages)
    turns = tuple(
        Turn(message, message_id, _record(message, blob))
        for message, message_id, blob in zip(loaded.messages, loaded.message_ids, records)
    )
    info = loaded.info
    return SavedChat(conversation_id, info.system_prompt, info.pins, info.profile, info.model_path, turns)


def _record(message: Message, blob: bytes | None) -> ReplyRecord | None:
    if message.role is not Role.ASSISTANT or blob is None:
        return None
    return record_from_bytes(blob)
