"""Thread workers that let go of what they worked on once they finish.

Textual runs thread workers on the event loop's default executor, whose threads live as long as the app, and
each worker first sets Textual's ``active_worker`` context variable in its thread's own context. Nothing
resets it, so every pool thread kept the last worker it ran alive, and through the worker its screen: a
closed inspector (its re-score table included) stayed in memory after Ctrl+N. Running each task in a fresh,
empty context (what a new thread starts with anyway) drops the worker with the task.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class FreshContextExecutor(ThreadPoolExecutor):
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.Context().run, fn, *args, **kwargs)


def install(loop: asyncio.AbstractEventLoop) -> None:
    """The loop's default executor (Textual's thread workers) runs each task in a context of its own."""
    loop.set_default_executor(FreshContextExecutor(thread_name_prefix="shotglass-worker"))
