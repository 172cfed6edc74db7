"""History writes on their own thread, in order, retried while another program holds the database.

The chat must never wait for SQLite: a database locked by another process (a backup tool, ``sqlite3`` in
a terminal, a second shotglass mid-import) used to freeze the UI for the whole busy timeout of each write
and then drop the exchange. Here the UI thread only queues a write and goes on; one daemon thread performs
the writes in the order they were queued (a reply needs its user message first), and a write that finds the
database busy is tried again with a growing pause. A write that still fails, or fails for any other reason,
is never dropped silently: ``on_failure`` gets one line naming what was not saved, and ``unsaved`` keeps it
for whoever closes the store after the UI has gone.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from tui.core.errors import UserError
from tui.core.history.model import HistoryBusy

RETRY_DELAYS_S: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""Pauses between tries of a write that found the database busy, on top of each try's own busy timeout
(``schema.BUSY_TIMEOUT_S``): about two and a half minutes in all before the write is given up."""
CLOSE_WAIT_S = 15.0
"""How long closing the store waits for queued writes; what is left then is reported, not silently lost."""


class Unsaved(Exception):
    """A write that cannot be done because one it depends on failed (already reported): say so, skip it."""


@dataclass
class _Job:
    what: str
    """What the user would call it, for the notice: "your message", "the reply"."""
    action: Callable[[], None]
    on_failure: Callable[[str], object]
    key: Hashable | None


class HistoryWriter:
    """One queue and one thread for the writes of a ``HistoryStore``; started by the first write."""

    def __init__(self, retry_delays: tuple[float, ...] | None = None) -> None:
        self._retry_delays = retry_delays
        self._jobs: deque[_Job] = deque()
        self._changed = threading.Condition()
        self._busy = False
        self._closing = False
        self._thread: threading.Thread | None = None
        self.unsaved: list[str] = []
        """One line per write that was given up, oldest first."""

    def submit(
        self, what: str, action: Callable[[], None], on_failure: Callable[[str], object], key: Hashable | None = None
    ) -> None:
        """Queue ``action``; never blocks. A queued job with the same ``key`` is replaced (only the newest
        streamed text of a reply is worth writing)."""
        job = _Job(what, action, on_failure, key)
        with self._changed:
            if self._closing:
                self._give_up(job, "the history was already closed")
                return
            if key is not None:
                for index, queued in enumerate(self._jobs):
                    if queued.key == key:
                        self._jobs[index] = job
                        return
            self._jobs.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once every queued write is done (saved or given up); False if that took longer than ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._jobs or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def close(self, timeout: float = CLOSE_WAIT_S) -> list[str]:
        """Finish the queued writes (waiting at most ``timeout``), stop the thread; returns ``unsaved``."""
        done = self.wait_idle(timeout)
        with self._changed:
            self._closing = True
            left = list(self._jobs)
            self._jobs.clear()
            self._changed.notify_all()
        for job in left:
            self._give_up(job, f"the history database stayed busy for {timeout:.0f} s while closing")
        if not done and self._thread is not None:
            self._thread.join(timeout=1.0)  # the write in progress ends within its busy timeout
        return self.unsaved

    def _give_up(self, job: _Job, reason: str) -> None:
        line = f"{job.what} was not saved: {reason}"
        self.unsaved.append(line)
        try:
            job.on_failure(line)
        except Exception:  # noqa: BLE001 - a closed UI cannot show it; ``unsaved`` still has it
            pass

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._jobs and not self._closing:
                    self._changed.wait()
                if not self._jobs:
                    return
                job = self._jobs.popleft()
                self._busy = True
            try:
                self._perform(job)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()

    def _perform(self, job: _Job) -> None:
        delays = RETRY_DELAYS_S if self._retry_delays is None else self._retry_delays
        for attempt in range(len(delays) + 1):
            try:
                job.action()
                return
            except HistoryBusy as error:
                if attempt == len(delays) or self._closing:
                    self._give_up(job, f"the history database stayed locked ({error})")
                    return
                time.sleep(delays[attempt])
            except (UserError, Unsaved) as error:
                self._give_up(job, str(error))
                return
            except Exception as error:  # noqa: BLE001 - a bug must not end the thread and every later write
                self._give_up(job, f"{type(error).__name__}: {error}")
                return
