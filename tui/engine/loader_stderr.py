"""``sys.stderr`` while a model loads: the loading thread's prints go to llama.cpp's log, every other
thread's to the stream that was there.

llama-cpp-python prints to ``sys.stderr`` while it loads with ``verbose=True`` (the setting that keeps it from
``dup2``-ing fds 1 and 2 while the TUI draws). ``contextlib.redirect_stderr`` swaps the stream for the whole
process, and the model loads in a worker while the screen is already up: a crash report the UI thread printed
meanwhile (Textual's traceback at exit) went into the log and the terminal showed nothing.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import IO, Any


class _ThreadRoutedStream:
    def __init__(self, mine: IO[str], others: IO[str], thread: int) -> None:
        self._mine = mine
        self._others = others
        self._thread = thread

    def _target(self) -> IO[str]:
        return self._mine if threading.get_ident() == self._thread else self._others

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding...: of the stream this thread writes to
        return getattr(self._target(), name)


@contextlib.contextmanager
def this_threads_stderr_to(target: IO[str]) -> Iterator[None]:
    """Inside, what this thread writes to ``sys.stderr`` goes to ``target``; other threads are unaffected."""
    previous = sys.stderr
    routed = _ThreadRoutedStream(target, previous, threading.get_ident())
    sys.stderr = routed
    try:
        yield
    finally:
        if sys.stderr is routed:
            sys.stderr = previous
