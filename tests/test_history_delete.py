"""The history side of deleting a message: the tail leaves the active path with nothing in its place, is
kept as a deleted branch, and the database stays at the same schema (no migration: any old file opens)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tui.core.chat.conversation import FinishReason, ReplyStats
from tui.core.history.schema import MIGRATIONS
from tui.core.history.store import HistoryError, HistoryStore

STATS = ReplyStats("greedy", None, FinishReason.END_OF_SEQUENCE, 10, 2, 10, 0.01, 50.0)


@pytest.fixture
def history(tmp_path: Path):
    with HistoryStore(tmp_path / "history.sqlite3") as store:
        yield store


def _chat(store: HistoryStore, *questions: str) -> tuple[int, list[int]]:
    chat = store.create_conversation()
    ids = []
    for question in questions:
        ids.append(store.add_user_message(chat, question))
        ids.append(store.start_reply(chat, "greedy"))
        store.finish_reply(ids[-1], f"answer to {question}", STATS)
    return chat, ids


def test_delete_retires_the_tail_and_keeps_it_as_a_deleted_branch(history: HistoryStore) -> None:
    chat, (q1, a1, q2, a2) = _chat(history, "rivers", "mountains")
    assert history.delete_from_message(q2) == 2
    assert history.get_conversation(chat).message_ids == (q1, a1)
    assert history.list_conversations()[0].message_count == 2
    assert history.search("mountains") == []  # search covers the active path only
    assert "mountains" not in history.export_markdown(chat)
    (branch,) = history.old_branches(chat)
    assert branch.deleted and branch.replaced_by is None
    assert [m.id for m in branch.messages] == [q2, a2] and branch.messages[1].stats == STATS
    assert history.get_message(q2).superseded_by == -q2  # "superseded by nothing": minus its first message
    again = history.add_user_message(chat, "lakes")
    assert history.get_message(again).position == 2  # the next message takes the freed position
    with pytest.raises(HistoryError, match="no longer in its conversation"):
        history.delete_from_message(a2)
    with pytest.raises(HistoryError, match="no message with id"):
        history.delete_from_message(10_000)


def test_deleted_and_replaced_branches_stay_apart(history: HistoryStore) -> None:
    chat, (q1, a1, q2, _a2) = _chat(history, "one", "two")
    edited = history.edit_user_message(q2, "two, edited")
    history.delete_from_message(edited)
    history.delete_from_message(a1)
    branches = history.old_branches(chat)
    assert [(b.replaced_by, [m.text for m in b.messages]) for b in branches] == [
        (None, ["answer to one"]),
        (edited, ["two", "answer to two"]),
        (None, ["two, edited"]),
    ]
    assert history.get_conversation(chat).message_ids == (q1,)


def test_no_migration_and_an_old_reader_sees_the_same_active_path(history: HistoryStore) -> None:
    """What an older shotglass runs on the same file (the schema is unchanged) reads the deletion right."""
    chat, (q1, a1, q2, _a2) = _chat(history, "one", "two")
    history.delete_from_message(q2)
    history.writer.wait_idle(5)
    with sqlite3.connect(history.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        active = db.execute(
            "SELECT id FROM messages WHERE conversation_id = ? AND superseded_by IS NULL ORDER BY position", (chat,)
        ).fetchall()
        assert [row[0] for row in active] == [q1, a1]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
