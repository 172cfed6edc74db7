"""Give a finished chat's memory back to the operating system (Ctrl+N).

Removing a long chat's widgets frees their Python objects, but glibc's allocator keeps the freed pages in the
process (RSS stayed at 1.17x a fresh start after a 30-turn chat on the embedded model, with the Python heap
already back). ``malloc_trim(0)`` returns free pages from every arena; it costs a few milliseconds and runs
only when the user has said the chat is over. Elsewhere than glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def give_back_memory() -> bool:
    """Collect garbage (cycles among removed widgets), then trim the allocator; True if it could trim."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
