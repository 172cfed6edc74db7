"""Opening the history database: WAL, a busy timeout, versioned migrations, and a corrupt file moved aside.

WAL lets a second shotglass read while the first writes, and the busy timeout makes concurrent writers wait
for each other instead of failing. A damaged file is first repaired when only what SQLite derives from the
rows is damaged (indexes, the full-text index: ``repair.py``). Otherwise it is never deleted: it is renamed
with a timestamp (people may want to recover it) and a fresh database takes its place, with a notice to show.
Checking, repairing, moving aside and recreating happen under one cross-process lock (``open_lock.py``), so
two shotglass processes starting at once on a damaged file never both move it aside.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tui.core.history.model import HistoryError
from tui.core.history.open_lock import open_lock
from tui.core.history.repair import RepairFailed, repaired_copy

BUSY_TIMEOUT_S = 10.0
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)

_V1 = (
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        model_path TEXT NOT NULL DEFAULT '',
        model_fingerprint TEXT NOT NULL DEFAULT '',
        system_prompt TEXT NOT NULL DEFAULT '',
        pins_json TEXT NOT NULL DEFAULT '{}',
        profile TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX conversations_by_update ON conversations (updated_at)",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        text TEXT NOT NULL,
        profile TEXT,
        seed INTEGER,
        finish_reason TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        evaluated_prompt_tokens INTEGER,
        ttft_s REAL,
        tokens_per_s REAL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        superseded_by INTEGER)""",
    # The active path: at most one live message per position, found and ordered by this index alone.
    """CREATE UNIQUE INDEX messages_active ON messages (conversation_id, position)
        WHERE superseded_by IS NULL""",
    "CREATE INDEX messages_by_conversation ON messages (conversation_id, superseded_by, position)",
    """CREATE VIRTUAL TABLE messages_fts USING fts5 (
        text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END""",
)

_V2 = (
    # How each reply was made (prompt, parameters, tokens; zlib-compressed JSON), so a resumed chat can still
    # be replayed and inspected. NULL for replies made before this column existed.
    "ALTER TABLE messages ADD COLUMN record BLOB",
    # Ids are never reused, even after the newest conversation is deleted: a deleted chat's id must not name
    # a different chat later (an exported file, an open screen or a second shotglass may still hold it).
    "CREATE TABLE id_high_water (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO id_high_water (name, value) SELECT 'conversations', coalesce(max(id), 0) FROM conversations",
    """CREATE TRIGGER conversations_high_water AFTER INSERT ON conversations BEGIN
        UPDATE id_high_water SET value = max(value, new.id) WHERE name = 'conversations'; END""",
)

_V3 = (
    # Prompt-lab runs (``shotglass eval`` and the eval screen): what was measured on what, and the scores. The
    # per-cell results are JSON (the ``eval --json`` rows), small and read whole; runs are listed by time.
    """CREATE TABLE eval_runs (
        id INTEGER PRIMARY KEY,
        created_at REAL NOT NULL,
        dataset TEXT NOT NULL,
        dataset_sha256 TEXT NOT NULL,
        items INTEGER NOT NULL,
        example_set TEXT NOT NULL,
        example_set_json TEXT NOT NULL DEFAULT '{}',
        profiles TEXT NOT NULL,
        model_path TEXT NOT NULL,
        model_name TEXT NOT NULL,
        score TEXT NOT NULL,
        stopped INTEGER NOT NULL DEFAULT 0,
        results_json TEXT NOT NULL)""",
    "CREATE INDEX eval_runs_by_time ON eval_runs (created_at)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3)
"""Migration N (0-based) takes the schema from ``user_version`` N to N+1. Append only; never edit one."""


class _Corrupt(Exception):
    pass


def _connect(path: Path) -> sqlite3.Connection:
    # Autocommit (isolation_level=None): a streamed reply update is one UPDATE that commits by itself;
    # multi-statement writes say BEGIN IMMEDIATE explicitly so they take the write lock up front.
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)


def _check(db: sqlite3.Connection) -> None:
    """Read the schema and every page's structure (``quick_check``): a truncated file fails here, not later."""
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    problems = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        raise _Corrupt("; ".join(problems))


def _configure(db: sqlite3.Connection) -> None:
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.execute("PRAGMA journal_mode = WAL")
    # FULL: every commit is fsynced, so a message survives a power cut too, not only a killed process
    # (NORMAL's guarantee in WAL mode). It costs ~0.2 ms per commit here, at most one a second while streaming.
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    latest = len(MIGRATIONS)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > latest:
        raise HistoryError(
            f"{path} has history schema {version}; this shotglass knows up to {latest}: upgrade shotglass"
        )
    if version == latest:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another shotglass may have migrated while this one waited.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {latest}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _open_checked(path: Path) -> sqlite3.Connection:
    db = _connect(path)
    try:
        _check(db)
        _configure(db)
        _migrate(db, path)
    except BaseException:
        db.close()
        raise
    return db


def _is_corrupt(error: BaseException) -> bool:
    if isinstance(error, _Corrupt):
        return True
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(error, sqlite3.DatabaseError) and code is not None and code & 0xFF in _CORRUPT_CODES


def move_aside(path: Path) -> Path:
    """Rename ``path`` (and its -wal/-shm companions, which belong to it) to ``<name>.corrupt-<time>``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
        number += 1
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    return aside


def open_database(path: Path) -> tuple[sqlite3.Connection, str | None]:
    """Open (creating if needed) and migrate the history at ``path``; also returns a notice for the user.

    Only corruption repairs the file or moves it aside. A locked, unwritable or newer-schema database is a
    ``HistoryError`` instead: those files are fine and must stay where they are.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HistoryError(f"cannot create the history folder {path.parent}: {error.strerror}") from None
    # Under the lock, the file checked is the file replaced: no other shotglass can swap it in between.
    with open_lock(path):
        try:
            return _open_checked(path), None
        except (sqlite3.DatabaseError, _Corrupt) as error:
            if not _is_corrupt(error):
                raise HistoryError(f"cannot open the history database {path}: {error}") from None
            reason = str(error)
        except OSError as error:
            raise HistoryError(f"cannot open the history database {path}: {error.strerror}") from None
        return _replace_damaged(path, reason)


def _replace_damaged(path: Path, reason: str) -> tuple[sqlite3.Connection, str]:
    """Repair the damaged file if its rows are readable, else start a fresh one; the original is always kept."""
    try:
        repaired: Path | None = repaired_copy(path)
    except RepairFailed:
        repaired = None
    try:
        aside = move_aside(path)
    except FileNotFoundError:  # gone since the check (removed by hand): nothing to keep
        aside = None
    except OSError as error:
        raise HistoryError(
            f"the history database {path} is damaged ({reason}) and cannot be moved aside: {error.strerror}"
        ) from None
    kept = f"; the damaged file is kept as {aside}" if aside else ""
    if repaired is not None:
        repaired.rename(path)
        notice = (
            f"the history database had damaged index or search pages ({reason}); rebuilt them from the rows, "
            f"every conversation kept{kept}"
        )
    else:
        notice = f"the history database was unreadable ({reason}); " + (
            f"moved it to {aside} and started a fresh one" if aside else "started a fresh one"
        )
    try:
        return _open_checked(path), notice
    except sqlite3.DatabaseError as error:
        raise HistoryError(f"cannot open the history database {path}: {error}") from None
