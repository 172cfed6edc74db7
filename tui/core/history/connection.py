"""The one SQLite connection behind a ``HistoryStore``: opened and migrated, shared between threads under a lock.

Every database error that escapes becomes a ``HistoryError`` naming the file, so callers handle one kind of
failure. Writes take the write lock at their start (``BEGIN IMMEDIATE``), so two shotglass processes never
interleave inside one transaction; the busy timeout set when opening makes the second wait its turn.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.core.history.model import HistoryBusy, HistoryError
from tui.core.history.schema import open_database

_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (primary result codes)


class HistoryConnection:
    """One connection and the lock that serialises this process's threads on it.

    ``notice`` is set when the file was unreadable and had to be moved aside (see ``open_database``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db, self.notice = open_database(path)
        self.lock = threading.RLock()

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def _failure(self, error: sqlite3.DatabaseError) -> HistoryError:
        busy = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF in _BUSY_CODES
        return (HistoryBusy if busy else HistoryError)(f"history database {self.path}: {error}")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction holding the write lock from its start, so two processes never interleave inside it."""
        with self.lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                yield self.db
                self.db.execute("COMMIT")
            except BaseException as error:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                if isinstance(error, sqlite3.DatabaseError):  # busy past the timeout, disk full, read-only, damaged
                    raise self._failure(error) from None
                raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Several reads that see one state of the file, even while another process writes."""
        with self.lock:
            self.db.execute("BEGIN")
            try:
                yield
            finally:
                self.db.execute("COMMIT")

    def read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.lock:
            try:
                return self.db.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as error:
                raise self._failure(error) from None

    def execute(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        """One statement outside any explicit transaction, so it commits by itself (the streamed reply text)."""
        with self.lock:
            try:
                return self.db.execute(sql, params)
            except sqlite3.DatabaseError as error:
                raise self._failure(error) from None
