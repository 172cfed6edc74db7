"""Rebuild what SQLite derives from the rows (indexes, the full-text index, triggers) when only that is damaged.

Indexes and the FTS5 tables hold nothing that the ``conversations`` and ``messages`` rows do not: when their
pages are garbage the conversations are still all there, and moving the whole file aside would hide them
from the user for nothing. ``REINDEX`` and FTS5's ``'rebuild'`` cannot do it in place, because both first
free the damaged b-tree and stop at its first bad page. So the repair works on a copy: it forgets the derived
objects (``writable_schema``), ``VACUUM`` rewrites the file from the table rows alone (the damaged pages are
simply not copied), then the same ``CREATE`` statements rebuild every index, the FTS table and its triggers,
and the FTS index is refilled from the rows. The copy is used only if ``integrity_check`` then passes and
every table still has the rows it had; the original is never written to.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

_COMPANIONS = ("-wal", "-shm")


class RepairFailed(Exception):
    """The rows themselves are unreadable (or the copy cannot be made): the file must be moved aside."""


def _remove(path: Path) -> None:
    for name in (path, *(path.with_name(path.name + suffix) for suffix in _COMPANIONS)):
        name.unlink(missing_ok=True)


def _derived(db: sqlite3.Connection) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, sql) of every derived object in the order to recreate them, and the shadow tables to forget."""
    rows = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    virtual = [
        (name, sql) for kind, name, _table, sql in rows if kind == "table" and sql.upper().startswith("CREATE VIRTUAL")
    ]
    shadows = [
        name
        for kind, name, _table, _sql in rows
        if kind == "table" and any(name.startswith(f"{table}_") for table, _ in virtual)
    ]
    indexes = [(name, sql) for kind, name, _table, sql in rows if kind == "index"]
    triggers = [(name, sql) for kind, name, _table, sql in rows if kind == "trigger"]
    return virtual + indexes + triggers, shadows


def _counts(db: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    # NOT INDEXED: count by walking the table itself, never through a (possibly damaged) index.
    return {table: db.execute(f'SELECT count(*) FROM "{table}" NOT INDEXED').fetchone()[0] for table in tables}


def _rebuild(copy: Path) -> None:
    db = sqlite3.connect(copy, isolation_level=None)
    try:
        derived, shadows = _derived(db)
        forgotten = [name for name, _sql in derived] + shadows
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
                "AND name NOT LIKE 'sqlite_%'"
            )
            if name not in shadows
        ]
        before = _counts(db, tables)
        version = db.execute("PRAGMA schema_version").fetchone()[0]
        db.execute("PRAGMA writable_schema = ON")
        db.execute(f"DELETE FROM sqlite_master WHERE name IN ({', '.join('?' * len(forgotten))})", forgotten)
        db.execute(f"PRAGMA schema_version = {version + 1}")  # other readers of the copy reload the schema
        db.execute("PRAGMA writable_schema = OFF")
    finally:
        db.close()
    db = sqlite3.connect(copy, isolation_level=None)
    try:
        db.execute("VACUUM")  # rewritten from the table rows: the forgotten (damaged) pages are not carried over
        db.execute("BEGIN IMMEDIATE")
        for _name, sql in derived:
            db.execute(sql)
        for name, sql in derived:
            if sql.upper().startswith("CREATE VIRTUAL"):
                db.execute(f'INSERT INTO "{name}" ("{name}") VALUES (\'rebuild\')')
        db.execute("COMMIT")
        problems = [row[0] for row in db.execute("PRAGMA integrity_check(3)")]
        if problems != ["ok"]:
            raise RepairFailed("; ".join(problems))
        if _counts(db, tables) != before:
            raise RepairFailed("rows were lost in the rebuild")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def repaired_copy(path: Path) -> Path:
    """A repaired copy of ``path`` beside it (``<name>.repairing``), or ``RepairFailed``; ``path`` is only read."""
    copy = path.with_name(path.name + ".repairing")
    _remove(copy)
    try:
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():  # committed rows may still be in the log: they belong to the file
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        _rebuild(copy)
    except (OSError, sqlite3.Error, RepairFailed) as error:
        _remove(copy)
        raise RepairFailed(str(error)) from None
    copy.with_name(copy.name + "-wal").unlink(missing_ok=True)
    copy.with_name(copy.name + "-shm").unlink(missing_ok=True)
    return copy
