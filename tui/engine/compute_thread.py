"""One thread for every llama.cpp computation in the process, whichever thread asks for it.

llama.cpp's CPU backend (built with OpenMP, as llama-cpp-python builds it) gives each thread that starts a
decode its own team of helper threads, kept for as long as that thread lives. Once two such teams exist,
libgomp manages more threads than there are cores and throttles its spin-waiting to almost nothing: every
decode then pays for waking sleeping threads. On 2 cores a greedy reply fell from 49 to 30 tokens/s (0.6×) as
soon as a second thread had decoded once, with no UI involved. The TUI decodes in worker threads, and `ask`,
tests and benchmarks decode on the main thread, so any mix paid it: that was the TUI's "0.6× of headless".

Sending every computation to this one long-lived thread keeps a single team. Tokenizing does not compute, so
it stays on the caller's thread (the gauge counts on the UI thread without waiting here).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_guard = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_owner_pid = 0
_ident: int | None = None


def _remember_thread() -> None:
    global _ident
    _ident = threading.get_ident()


def _compute_executor() -> ThreadPoolExecutor:
    """Started on first use, never at import; a forked child (threads do not survive fork) starts its own."""
    global _executor, _owner_pid
    with _guard:
        if _executor is None or _owner_pid != os.getpid():
            _executor = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="llama-compute", initializer=_remember_thread
            )
            _owner_pid = os.getpid()
        return _executor


def on_compute_thread() -> bool:
    return _ident is not None and threading.get_ident() == _ident and _owner_pid == os.getpid()


def run_on_compute_thread(function: Callable[[], T], cancel: threading.Event | None = None) -> T:
    """Run ``function`` on the compute thread and wait for it; its result or its exception comes back.

    A caller interrupted while it waits (Ctrl+C in ``ask``) sets ``cancel``, so the computation stops at its
    next token instead of running on behind the caller's back (and holding up interpreter exit).
    """
    if on_compute_thread():
        return function()  # already there: a computation that calls another one
    future = _compute_executor().submit(function)
    try:
        return future.result()
    except BaseException:
        if not future.cancel() and cancel is not None and not future.done():
            cancel.set()
        raise
