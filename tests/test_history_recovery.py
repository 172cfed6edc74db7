"""A damaged history database: repaired when only its indexes are damaged, moved aside once (never twice) when
two shotglass processes open it at the same moment."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tui.core.history.open_lock import lock_path, open_lock
from tui.core.history.store import HistoryError, HistoryStore

OPENER = r"""
import json, sys, time
from pathlib import Path
from tui.core.history.store import HistoryStore
path, name, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
with HistoryStore(path) as store:
    chat = store.import_json({"messages": [{"role": "user", "content": f"from {name}"}]}, name)
    print(json.dumps({"id": chat, "notice": store.notice}), flush=True)
"""


def _start_both(path: Path, go: Path) -> list[subprocess.Popen[str]]:
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, str(path), name, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("alpha", "beta")
    ]
    assert [opener.stdout.readline() for opener in openers if opener.stdout] == ["ready\n"] * 2
    go.touch()  # both open the damaged file at the same moment
    return openers


@pytest.mark.parametrize("trial", range(8))
def test_two_processes_opening_a_corrupt_file_at_once_move_it_aside_once(tmp_path: Path, trial: int) -> None:
    path = tmp_path / "history.sqlite3"
    junk = os.urandom(32 * 1024)
    path.write_bytes(junk)
    openers = _start_both(path, tmp_path / "go")
    reports = []
    for opener in openers:
        out, err = opener.communicate(timeout=60)
        assert opener.returncode == 0, err
        reports.append(json.loads(out))
    (aside,) = tmp_path.glob("history.sqlite3.corrupt-*")  # the damaged file, and only it, was moved aside
    assert aside.read_bytes() == junk
    assert sum(report["notice"] is not None for report in reports) == 1  # one of them replaced it
    with HistoryStore(path) as store:  # both imports reported success: both are in the live database
        titles = sorted(store.conversation_info(report["id"]).title for report in reports)
        assert titles == ["from alpha", "from beta"]
        assert store.notice is None


def _history_with(path: Path, chats: int, messages: int) -> None:
    with HistoryStore(path) as store:
        for chat in range(chats):
            conversation = store.create_conversation(title=f"chat {chat}")
            for n in range(messages):
                store.add_user_message(conversation, f"question {chat}-{n} about zebras " + "filler " * 40)
                reply = store.start_reply(conversation, "balanced")
                store.update_reply_text(reply, f"answer {chat}-{n}")


def _garble(path: Path, *objects: str) -> bytes:
    """Overwrite the root page of each named index or table with garbage; returns the damaged file's bytes."""
    db = sqlite3.connect(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    roots = [db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0] for name in objects]
    db.close()
    assert not Path(f"{path}-wal").exists()  # the clean close checkpointed everything into the file
    data = bytearray(path.read_bytes())
    for root in roots:
        data[(root - 1) * page_size : root * page_size] = b"\x5a" * page_size
    path.write_bytes(bytes(data))
    check = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError):  # really damaged: SQLite itself refuses it
        problems = check.execute("PRAGMA integrity_check").fetchall()
        assert problems != [("ok",)]
        raise sqlite3.DatabaseError(problems)
    check.close()
    return bytes(data)


@pytest.mark.parametrize(
    "damaged",
    [
        ("messages_by_conversation",),
        ("messages_active", "conversations_by_update"),
        ("messages_fts_data",),
        ("messages_fts_idx", "messages_fts_docsize", "messages_by_conversation"),
    ],
)
def test_damaged_index_and_search_pages_are_rebuilt_and_every_row_survives(
    tmp_path: Path, damaged: tuple[str, ...]
) -> None:
    path = tmp_path / "history.sqlite3"
    _history_with(path, chats=3, messages=40)
    with HistoryStore(path) as store:
        expected = {c.id: store.get_conversation(c.id).messages for c in store.list_conversations(limit=10)}
    data = _garble(path, *damaged)
    with HistoryStore(path) as store:
        assert store.notice and "rebuilt" in store.notice and "every conversation kept" in store.notice
        assert {c.id: store.get_conversation(c.id).messages for c in store.list_conversations(limit=10)} == expected
        assert len(store.search("zebras", limit=500)) == 120  # the full-text index is whole again
        chat = store.create_conversation()
        store.add_user_message(chat, "still writable")
    (kept,) = tmp_path.glob("history.sqlite3.corrupt-*")  # the damaged original stays, byte for byte
    assert kept.read_bytes() == data
    assert not list(tmp_path.glob("*.repairing*"))
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.close()
    with HistoryStore(path) as store:
        assert store.notice is None and len(store.list_conversations()) == 4


def test_damaged_table_pages_are_not_repairable_and_the_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _history_with(path, chats=1, messages=40)
    data = _garble(path, "messages")
    with HistoryStore(path) as store:
        assert store.notice and "unreadable" in store.notice and "moved it to" in store.notice
        assert store.list_conversations() == []
    (kept,) = tmp_path.glob("history.sqlite3.corrupt-*")
    assert kept.read_bytes() == data


def test_the_open_lock_is_exclusive_across_processes_and_its_wait_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from tui.core.history.open_lock import open_lock\n"
            "with open_lock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.readline()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(HistoryError, match="another shotglass has been opening or repairing"):
            with open_lock(path, wait_s=0.2):
                pass
    finally:
        holder.communicate("\n", timeout=10)
    with open_lock(path, wait_s=0.2):  # released when its holder ended
        assert lock_path(path).exists()
