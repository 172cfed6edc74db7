"""Where llama-cpp-python's own prints go while a model loads: to llama.cpp's log, and nowhere else.

llama-cpp-python prints while it loads with ``verbose=True`` (the setting that keeps it from ``dup2``-ing fds 1
and 2 while the TUI draws): system info and metadata from ``Llama.__init__``, and llama.cpp's log through its
default callback when shotglass has not routed that log. Both call the built-in ``print`` with
``file=sys.stderr``. Swapping ``sys.stderr`` (``contextlib.redirect_stderr``) moved every thread's stderr, and
the model loads in a worker while the screen is up: a crash report the UI thread printed meanwhile went into
the log and the terminal showed nothing. Shadowing ``print`` in those modules' globals moves only their prints.

The modules are passed in (only ``tui/engine/llama.py`` imports llama_cpp); callers hold the load lock, so two
loads never patch at once.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterator
from types import ModuleType
from typing import IO, Any


@contextlib.contextmanager
def module_prints_to(modules: list[ModuleType], target: IO[str]) -> Iterator[None]:
    """Inside, every ``print`` the code of ``modules`` makes writes to ``target``, whatever file it names."""

    def to_target(*values: Any, sep: str | None = " ", end: str | None = "\n", file: Any = None, flush: bool = False):
        builtins.print(*values, sep=sep, end=end, file=target, flush=flush)

    saved = [(module, vars(module).get("print")) for module in modules]
    for module in modules:
        module.print = to_target  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, previous in saved:
            if previous is None:
                vars(module).pop("print", None)  # the built-in shows through again
            else:
                module.print = previous  # type: ignore[attr-defined]
