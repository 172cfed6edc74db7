"""SQL steps of the history writes, each run on the connection of a transaction in progress.

They never begin or commit: the caller holds ``HistoryConnection.write`` around them, which is what makes
choosing an id up front (``supersede_from``, ``insert_conversation``) safe against another process.
"""

from __future__ import annotations

import json
import sqlite3

from tui.core.chat.conversation import ReplyStats
from tui.core.fewshot.examples import ExampleSet
from tui.core.history.model import HistoryError, pins_to_dict
from tui.core.history.rows import STATS_COLUMNS, stats_values


def require(db: sqlite3.Connection, conversation_id: int) -> None:
    if db.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() is None:
        raise HistoryError(f"no conversation with id {conversation_id}")


def next_position(db: sqlite3.Connection, conversation_id: int) -> int:
    return db.execute(
        "SELECT coalesce(max(position), -1) + 1 FROM messages WHERE conversation_id = ? AND superseded_by IS NULL",
        (conversation_id,),
    ).fetchone()[0]


def supersede_from(db: sqlite3.Connection, conversation_id: int, position: int) -> int:
    """Retire the active tail from ``position`` on; returns the id the replacing message must take.

    The id is chosen up front (we hold the write lock) so the old rows can point at it: the tail
    keeps the link to what replaced it, which is how old branches are found again.
    """
    new_id = db.execute("SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0]
    db.execute(
        "UPDATE messages SET superseded_by = ? WHERE conversation_id = ? AND superseded_by IS NULL AND position >= ?",
        (new_id, conversation_id, position),
    )
    return new_id


def retire_deleted(db: sqlite3.Connection, message_id: int, now: float) -> int:
    """Retire the active tail from message ``message_id`` on with nothing in its place (a deleted message);
    returns how many rows left the active path.

    "Superseded by nothing" is written as minus the id of the first row retired (``message_id``): never a
    message id (those are positive), different for every deletion (a row is retired once), and read by every
    schema version since 1 as "not on the active path". So no migration is needed, a database of any version
    opens as it is, and an older shotglass that opens this one sees the deleted tail as one more old branch.
    """
    row = db.execute("SELECT conversation_id, position, superseded_by FROM messages WHERE id = ?", (message_id,))
    found = row.fetchone()
    if found is None:
        raise HistoryError(f"no message with id {message_id}")
    conversation_id, position, superseded_by = found
    if superseded_by is not None:
        raise HistoryError(f"message {message_id} is no longer in its conversation (replaced or deleted)")
    cursor = db.execute(
        "UPDATE messages SET superseded_by = ? WHERE conversation_id = ? AND superseded_by IS NULL AND position >= ?",
        (-message_id, conversation_id, position),
    )
    touch(db, conversation_id, now)
    return cursor.rowcount


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just wrote; sqlite3 leaves it unset only when nothing was inserted."""
    row_id = cursor.lastrowid
    if row_id is None:
        raise HistoryError("the history database did not report the id of the row just inserted")
    return row_id


def touch(db: sqlite3.Connection, conversation_id: int, now: float) -> None:
    db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))


def insert_conversation(
    db: sqlite3.Connection,
    created: float,
    updated: float,
    title: str,
    model_path: str,
    model_fingerprint: str,
    system_prompt: str,
    pins: ExampleSet,
    profile: str,
) -> int:
    """A new conversation row; its id never reuses one handed out before (``id_high_water`` survives deletes)."""
    cursor = db.execute(
        "INSERT INTO conversations (id, title, created_at, updated_at, model_path, model_fingerprint, "
        "system_prompt, pins_json, profile) VALUES ((SELECT max(coalesce(max(c.id), 0), (SELECT value FROM "
        "id_high_water WHERE name = 'conversations')) + 1 FROM conversations c), ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            " ".join(title.split()),
            created,
            updated,
            model_path,
            model_fingerprint,
            system_prompt,
            json.dumps(pins_to_dict(pins)),
            profile,
        ),
    )
    return inserted_id(cursor)


def finish_reply(
    db: sqlite3.Connection, message_id: int, text: str, stats: ReplyStats, record: bytes | None, now: float
) -> None:
    """Write a reply's final text, stats and record, and make its profile the conversation's."""
    assignments = ", ".join(f"{column} = ?" for column in STATS_COLUMNS)
    cursor = db.execute(
        f"UPDATE messages SET text = ?, profile = ?, {assignments}, updated_at = ?, record = ? "
        "WHERE id = ? AND role = 'assistant'",
        (text, stats.profile, *stats_values(stats), now, record, message_id),
    )
    if cursor.rowcount != 1:
        raise HistoryError(f"message {message_id} is not a reply")
    db.execute(
        "UPDATE conversations SET updated_at = ?, profile = ? WHERE id = "
        "(SELECT conversation_id FROM messages WHERE id = ?)",
        (now, stats.profile, message_id),
    )
