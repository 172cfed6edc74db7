"""Conversations that last: every message is in SQLite the moment it exists, so a crash loses almost nothing.

The writes follow the chat. The user's message is committed before generation starts; the reply row is
created empty and its text overwritten as it streams (one UPDATE that commits by itself, cheap enough to do
every second); then it is finished with its stats. Editing a user message or regenerating a reply never
deletes anything: the old tail is marked ``superseded_by`` the message that replaced it, and the active path
is the non-superseded messages in position order.

One ``HistoryStore`` per process; its methods may be called from any thread (one lock, one connection).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tui.core.chat.conversation import Message, ReplyStats, Role
from tui.core.fewshot.examples import ExampleSet
from tui.core.history import statements
from tui.core.history.bounds import bounded_text, bounded_time
from tui.core.history.connection import HistoryConnection
from tui.core.history.model import (
    Branch,
    ConversationInfo,
    ConversationSummary,
    HistoryError,
    LoadedConversation,
    SearchHit,
    StoredMessage,
    model_fingerprint,
    pins_to_dict,
    stored_pins,
)
from tui.core.history.rows import (
    COLUMNS,
    INSERT,
    fts_query,
    is_dead_reply,
    is_imported_reply,
    message_row,
    stats_from_row,
    stored_from_row,
)
from tui.core.history.search import search_active
from tui.core.history.transfer import default_title, parse_conversation, read_json_file, to_json, to_markdown
from tui.core.history.writer import HistoryWriter
from tui.core.paths import AppPaths

__all__ = [
    "HISTORY_FILE",
    "Branch",
    "ConversationInfo",
    "ConversationSummary",
    "HistoryError",
    "HistoryStore",
    "LoadedConversation",
    "SearchHit",
    "StoredMessage",
    "fts_query",
    "history_path",
    "model_fingerprint",
]

HISTORY_FILE = "history.sqlite3"


def history_path(paths: AppPaths) -> Path:
    return paths.data_dir / HISTORY_FILE


class HistoryStore:
    """The conversation history in one SQLite file (WAL; safe to share between shotglass processes).

    ``notice`` is set when the file was unreadable and had to be moved aside: the UI should show it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection = HistoryConnection(path)
        self.notice = self._connection.notice
        self.writer = HistoryWriter()
        """Where the chat queues its writes (``HistoryJournal``), so the UI thread never waits for SQLite."""

    @property
    def connection(self) -> HistoryConnection:
        """For the other tables' modules (``eval_runs``): one connection and lock per store."""
        return self._connection

    @classmethod
    def for_paths(cls, paths: AppPaths) -> "HistoryStore":
        return cls(history_path(paths))

    def close(self) -> list[str]:
        """Finish the queued writes, then close; returns one line per write that could not be saved."""
        unsaved = self.writer.close()
        self._connection.close()
        return unsaved

    def __enter__(self) -> "HistoryStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Conversations

    def create_conversation(
        self,
        *,
        title: str = "",
        model_path: str | Path = "",
        model_fingerprint: str = "",
        system_prompt: str = "",
        pins: ExampleSet | None = None,
        profile: str = "",
    ) -> int:
        """A new, empty chat. Left untitled, it takes its title from its first message."""
        now = time.time()
        with self._connection.write() as db:
            return statements.insert_conversation(
                db, now, now, title, str(model_path), model_fingerprint, system_prompt, pins or ExampleSet(), profile
            )

    def update_conversation(
        self,
        conversation_id: int,
        *,
        system_prompt: str | None = None,
        pins: ExampleSet | None = None,
        profile: str | None = None,
        model_path: str | Path | None = None,
        model_fingerprint: str | None = None,
    ) -> None:
        """Record a changed setting so a resumed chat comes back exactly as it was left."""
        changes = {
            "system_prompt": system_prompt,
            "profile": profile,
            "model_fingerprint": model_fingerprint,
            "model_path": None if model_path is None else str(model_path),
            "pins_json": None if pins is None else json.dumps(pins_to_dict(pins)),
        }
        changes = {key: value for key, value in changes.items() if value is not None}
        with self._connection.write() as db:
            statements.require(db, conversation_id)
            if changes:
                db.execute(
                    f"UPDATE conversations SET {', '.join(f'{key} = ?' for key in changes)}, updated_at = ? "
                    "WHERE id = ?",
                    (*changes.values(), time.time(), conversation_id),
                )

    def rename(self, conversation_id: int, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise HistoryError("a conversation title cannot be empty")
        with self._connection.write() as db:
            statements.require(db, conversation_id)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def delete(self, conversation_id: int) -> None:
        """Gone for good, old branches included: what a person asks for when they delete a chat."""
        with self._connection.write() as db:
            statements.require(db, conversation_id)
            db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def list_conversations(self, limit: int = 50, offset: int = 0) -> list[ConversationSummary]:
        rows = self._connection.read(
            "SELECT c.id, c.title, c.created_at, c.updated_at, c.model_path, c.profile, (SELECT count(*) FROM "
            "messages m WHERE m.conversation_id = c.id AND m.superseded_by IS NULL) FROM conversations c "
            "ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [
            ConversationSummary(
                row_id,
                bounded_text(title),
                bounded_time(created),
                bounded_time(updated),
                bounded_text(path),
                bounded_text(profile),
                count,
            )
            for row_id, title, created, updated, path, profile, count in rows
        ]

    def last_conversation_id(self) -> int | None:
        rows = self._connection.read("SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1")
        return rows[0][0] if rows else None

    def conversation_info(self, conversation_id: int) -> ConversationInfo:
        rows = self._connection.read(
            "SELECT id, title, created_at, updated_at, model_path, model_fingerprint, system_prompt, "
            "pins_json, profile FROM conversations WHERE id = ?",
            (conversation_id,),
        )
        if not rows:
            raise HistoryError(f"no conversation with id {conversation_id}")
        row_id, title, created_at, updated_at, model_path, fingerprint, system_prompt, pins_json, profile = rows[0]
        pins, damaged = stored_pins(pins_json, conversation_id)
        return ConversationInfo(
            id=row_id,
            title=bounded_text(title),
            created_at=bounded_time(created_at),
            updated_at=bounded_time(updated_at),
            model_path=bounded_text(model_path),
            model_fingerprint=bounded_text(fingerprint),
            system_prompt=bounded_text(system_prompt),
            pins=pins,
            profile=bounded_text(profile),
            damaged=damaged,
        )

    def get_conversation(self, conversation_id: int) -> LoadedConversation:
        """The active path, ready for ``ChatSession.messages``. A reply killed before its first token is left out."""
        with self._connection.snapshot():
            info = self.conversation_info(conversation_id)
            rows = self._connection.read(
                f"SELECT {COLUMNS} FROM messages WHERE conversation_id = ? AND superseded_by IS NULL ORDER BY position",
                (conversation_id,),
            )
            alive = {row[0] for row in rows if not is_dead_reply(row)}
            records = dict(
                self._connection.read(
                    "SELECT id, record FROM messages WHERE conversation_id = ? AND superseded_by "
                    "IS NULL AND record IS NOT NULL",
                    (conversation_id,),
                )
            )
        rows = [row for row in rows if row[0] in alive]
        messages = tuple(
            Message(Role(row[3]), bounded_text(row[4]), stats_from_row(row), imported=is_imported_reply(row))
            for row in rows
        )
        return LoadedConversation(
            info=info,
            messages=messages,
            message_ids=tuple(row[0] for row in rows),
            records=tuple(records.get(row[0]) for row in rows),
        )

    def active_messages(self, conversation_id: int) -> list[StoredMessage]:
        """The active path with ids, timestamps and the unfinished reply rows included."""
        return [
            stored_from_row(row)
            for row in self._connection.read(
                f"SELECT {COLUMNS} FROM messages WHERE conversation_id = ? AND superseded_by IS NULL ORDER BY position",
                (conversation_id,),
            )
        ]

    def old_branches(self, conversation_id: int) -> tuple[Branch, ...]:
        """Every superseded tail, each in position order, in the order of the id that names it (the message that
        replaced it, or for a deleted tail its own first message: ``statements.retire_deleted``)."""
        rows = self._connection.read(
            f"SELECT {COLUMNS} FROM messages WHERE conversation_id = ? AND superseded_by IS NOT NULL "
            "ORDER BY abs(superseded_by), superseded_by DESC, position",
            (conversation_id,),
        )
        branches: dict[int, list[StoredMessage]] = {}
        for row in rows:
            branches.setdefault(row[15], []).append(stored_from_row(row))
        return tuple(Branch(key if key > 0 else None, tuple(value)) for key, value in branches.items())

    def get_message(self, message_id: int) -> StoredMessage:
        rows = self._connection.read(f"SELECT {COLUMNS} FROM messages WHERE id = ?", (message_id,))
        if not rows:
            raise HistoryError(f"no message with id {message_id}")
        return stored_from_row(rows[0])

    # Messages, in the order a chat makes them

    def add_user_message(self, conversation_id: int, text: str) -> int:
        """Committed before it returns: call it before generation starts. Names an untitled conversation."""
        now = time.time()
        with self._connection.write() as db:
            statements.require(db, conversation_id)
            row = message_row(conversation_id, statements.next_position(db, conversation_id), Role.USER, text, now)
            message_id = statements.inserted_id(db.execute(INSERT, row))
            db.execute(
                "UPDATE conversations SET updated_at = ?, title = CASE title WHEN '' THEN ? ELSE title END "
                "WHERE id = ?",
                (now, default_title(text), conversation_id),
            )
            return message_id

    def start_reply(self, conversation_id: int, profile: str) -> int:
        now = time.time()
        with self._connection.write() as db:
            statements.require(db, conversation_id)
            position = statements.next_position(db, conversation_id)
            row = message_row(conversation_id, position, Role.ASSISTANT, "", now, profile)
            message_id = statements.inserted_id(db.execute(INSERT, row))
            statements.touch(db, conversation_id, now)
            return message_id

    def update_reply_text(self, message_id: int, text: str) -> None:
        """The streamed text so far: one UPDATE, committed on its own. Throttle calls to about one a second."""
        cursor = self._connection.execute(
            "UPDATE messages SET text = ?, updated_at = ? WHERE id = ? AND role = 'assistant' AND "
            "finish_reason IS NULL",
            (text, time.time(), message_id),
        )
        if cursor.rowcount != 1:
            raise HistoryError(f"message {message_id} is not a reply in progress")

    def finish_reply(self, message_id: int, text: str, stats: ReplyStats, record: bytes | None = None) -> None:
        """The final text and how it was made; the profile also becomes the conversation's profile to resume with.

        ``record`` is the serialized ``ReplyRecord`` (what replay and the inspector need), stored opaque."""
        now = time.time()
        with self._connection.write() as db:
            statements.finish_reply(db, message_id, text, stats, record, now)

    def edit_user_message(self, message_id: int, new_text: str) -> int:
        """Replace a user message and retire everything after it; the old branch stays, linked to the new id."""
        now = time.time()
        with self._connection.write() as db:
            row = db.execute(
                "SELECT conversation_id, position, role, superseded_by, text FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise HistoryError(f"no message with id {message_id}")
            conversation_id, position, role, superseded_by, old_text = row
            if role != Role.USER.value:
                raise HistoryError(f"message {message_id} is a reply; only your own messages can be edited")
            if superseded_by is not None:
                raise HistoryError(f"message {message_id} was already replaced (by message {superseded_by})")
            new_id = statements.supersede_from(db, conversation_id, position)
            db.execute(INSERT, message_row(conversation_id, position, Role.USER, new_text, now, message_id=new_id))
            statements.touch(db, conversation_id, now)
            # A title still derived from the old text follows the edit; one the user chose stays.
            db.execute(
                "UPDATE conversations SET title = ? WHERE id = ? AND title = ?",
                (default_title(new_text), conversation_id, default_title(old_text)),
            )
            return new_id

    def delete_from_message(self, message_id: int) -> int:
        """Take a message and everything after it off the active path, with nothing in its place; the tail is
        kept as an old branch (``Branch.deleted``). Returns how many messages left the active path."""
        with self._connection.write() as db:
            return statements.retire_deleted(db, message_id, time.time())

    def replace_last_reply(self, conversation_id: int, profile: str) -> int:
        """Start a regenerated reply in place of the last one, which is kept as an old branch.

        If the chat ends with a user message (its reply never started), this simply starts that reply.
        Stream into the returned id with ``update_reply_text`` and ``finish_reply`` as usual.
        """
        now = time.time()
        with self._connection.write() as db:
            statements.require(db, conversation_id)
            last = db.execute(
                "SELECT position, role FROM messages WHERE conversation_id = ? AND superseded_by "
                "IS NULL ORDER BY position DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
            if last is None:
                raise HistoryError(f"conversation {conversation_id} has no messages: there is no reply to regenerate")
            position, role = last
            if role == Role.ASSISTANT.value:
                new_id: int | None = statements.supersede_from(db, conversation_id, position)
            else:
                position, new_id = position + 1, None
            message_id = statements.inserted_id(
                db.execute(
                    INSERT, message_row(conversation_id, position, Role.ASSISTANT, "", now, profile, message_id=new_id)
                )
            )
            statements.touch(db, conversation_id, now)
            return message_id

    # Search, export, import

    def search(self, query: str, limit: int = 20, *, mark: tuple[str, str] = ("**", "**")) -> list[SearchHit]:
        """Best matches first (FTS5 bm25) over the active messages; any text is a safe query."""
        return search_active(self._connection, query, limit, mark)

    def export_markdown(self, conversation_id: int) -> str:
        with self._connection.snapshot():
            return to_markdown(self.conversation_info(conversation_id), self.active_messages(conversation_id))

    def export_json(self, conversation_id: int) -> dict[str, Any]:
        with self._connection.snapshot():
            return to_json(self.conversation_info(conversation_id), self.active_messages(conversation_id))

    def import_json(self, data: Any, source: str = "import") -> int:
        """Validate everything first, then write it in one transaction: a bad file leaves no trace."""
        conversation = parse_conversation(data, source)
        now = time.time()
        with self._connection.write() as db:
            conversation_id = statements.insert_conversation(
                db,
                now if conversation.created_at is None else conversation.created_at,
                now,
                conversation.title,
                conversation.model_path,
                conversation.model_fingerprint,
                conversation.system_prompt,
                conversation.pins,
                conversation.profile,
            )
            db.executemany(
                INSERT,
                [
                    message_row(
                        conversation_id,
                        position,
                        message.role,
                        message.text,
                        now if message.created_at is None else message.created_at,
                        message.profile,
                        message.stats,
                        imported=not message.unfinished,
                    )
                    for position, message in enumerate(conversation.messages)
                ],
            )
            return conversation_id

    def import_file(self, path: Path) -> int:
        return self.import_json(read_json_file(path), str(path))
