"""One shotglass at a time decides whether the history file is damaged, and repairs or replaces it.

Without it, two processes starting at once on a damaged file both decide to move it aside, and the second
moves the first one's fresh, healthy database aside too (with whatever it already wrote into it). The lock is
``fcntl.flock`` on ``<database>.lock`` beside the file: the kernel drops it when its holder dies, so a killed
shotglass never leaves it stuck. The wait is bounded; past it the error says who is holding it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.core.history.model import HistoryError

LOCK_WAIT_S = 30.0
"""A repair copies the file once; 30 s covers a large history on a slow disk."""
_POLL_S = 0.02


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def open_lock(database: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the exclusive open lock of ``database`` (waiting at most ``wait_s``) for the ``with`` body."""
    path = lock_path(database)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise HistoryError(f"cannot create the history lock file {path}: {error.strerror}") from None
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise HistoryError(
                        f"another shotglass has been opening or repairing {database} for {wait_s:.0f} s "
                        f"(lock file {path}); try again when it is done"
                    ) from None
                time.sleep(_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
