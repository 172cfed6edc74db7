"""The chat state's journal backed by the SQLite history: every message is saved as it happens.

A user message is committed before generation starts; a reply is written as it streams (at the end of a
sentence or at least every second) and finally with its stats and record, so ``kill -9`` mid-reply loses at
most the last second. History errors never take the chat down: each becomes one call of ``on_error``, and
the chat goes on unsaved for that step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tui.core.chat.conversation import Message, ReplyStats, Role
from tui.core.chat.record import ReplyRecord, record_from_bytes, record_to_bytes
from tui.core.chat.state import SavedChat, Turn
from tui.core.errors import UserError
from tui.core.fewshot.examples import ExampleSet
from tui.core.history.model import model_fingerprint
from tui.core.history.store import HistoryStore

FLUSH_EVERY_S = 1.0
SENTENCE_FLUSH_S = 0.25
_SENTENCE_ENDS = (".", "!", "?", "\n")

T = TypeVar("T")


class HistoryJournal:
    def __init__(
        self,
        store: HistoryStore,
        model_path: Callable[[], str],
        settings: Callable[[], tuple[str, ExampleSet, str]],
        on_error: Callable[[str], None],
    ) -> None:
        """``model_path`` and ``settings`` (system prompt, pins, profile name) are read when a conversation is
        created: the chat's first message, not the app's start, decides what it was made with."""
        self.store = store
        self._model_path = model_path
        self._settings = settings
        self._on_error = on_error
        self._conversation_id: int | None = None
        self._flushed_at = 0.0

    @property
    def conversation_id(self) -> int | None:
        return self._conversation_id

    def _call(self, action: Callable[..., T], *args: object) -> T | None:
        try:
            return action(*args)
        except UserError as error:
            self._on_error(str(error))
            return None

    def _conversation(self) -> int | None:
        if self._conversation_id is None:
            path = self._model_path()
            fingerprint = self._call(model_fingerprint, Path(path)) if path and Path(path).is_file() else ""
            system_prompt, pins, profile = self._settings()
            self._conversation_id = self._call(
                lambda: self.store.create_conversation(
                    model_path=path,
                    model_fingerprint=fingerprint or "",
                    system_prompt=system_prompt,
                    pins=pins,
                    profile=profile,
                )
            )
        return self._conversation_id

    def open(self, conversation_id: int | None) -> None:
        self._conversation_id = conversation_id

    def add_user(self, text: str) -> int | None:
        conversation = self._conversation()
        return None if conversation is None else self._call(self.store.add_user_message, conversation, text)

    def edit_user(self, stored_id: int | None, text: str) -> int | None:
        if stored_id is None:  # the message was never stored (history was failing): store it as new
            return self.add_user(text)
        return self._call(self.store.edit_user_message, stored_id, text)

    def start_reply(self, profile: str, replace_last: bool) -> int | None:
        self._flushed_at = time.monotonic()
        conversation = self._conversation()
        if conversation is None:
            return None
        start = self.store.replace_last_reply if replace_last else self.store.start_reply
        return self._call(start, conversation, profile)

    def reply_progress(self, reply_id: int | None, chunk: str, text_so_far: Callable[[], str]) -> None:
        if reply_id is None:
            return
        since = time.monotonic() - self._flushed_at
        if since >= FLUSH_EVERY_S or (since >= SENTENCE_FLUSH_S and chunk.rstrip(" ").endswith(_SENTENCE_ENDS)):
            self._call(self.store.update_reply_text, reply_id, text_so_far())
            self._flushed_at = time.monotonic()

    def finish_reply(self, reply_id: int | None, text: str, stats: ReplyStats, record: ReplyRecord) -> None:
        if reply_id is not None:
            self._call(self.store.finish_reply, reply_id, text, stats, record_to_bytes(record))

    def fail_reply(self, reply_id: int | None, text: str) -> None:
        if reply_id is not None:
            self._call(self.store.update_reply_text, reply_id, text)

    def save_settings(self, system_prompt: str, pins: ExampleSet, profile: str) -> None:
        if self._conversation_id is not None:
            self._call(
                lambda: self.store.update_conversation(
                    self._conversation_id or 0, system_prompt=system_prompt, pins=pins, profile=profile
                )
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
