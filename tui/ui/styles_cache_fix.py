"""Keeps Textual from holding on to the rendered lines of widgets that were removed.

Textual (8.2.8, pinned) caches ``StylesCache.get_inner_outer`` with ``functools.lru_cache`` on the instance
method, so ``self`` is part of every key: the cache keeps up to 1,024 ``StylesCache`` objects alive, one per
widget ever drawn, each with every ``Strip`` it rendered (Textual issue #6665). In a chat every message is a
dozen Markdown widgets, so the transcript's window and Ctrl+N unmounted them but their lines stayed: about
1.3 MiB of Python heap per exchange, never given back. The result depends only on the two colours, so the
same computation cached on those alone gives the same styles and keeps no widget's lines.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from textual._styles_cache import StylesCache

CACHE_SIZE = 1024
"""Textual's own bound; the keys are now colour pairs, of which an app has a handful."""


def install() -> bool:
    """Replace the per-instance cache with one keyed on the colours; returns whether it was needed.

    Idempotent, and a no-op on a Textual whose method is no longer an ``lru_cache`` over ``self`` (the bug
    fixed upstream), so a Textual upgrade cannot break drawing through this."""
    current = StylesCache.__dict__.get("get_inner_outer")
    original: Callable[..., Any] | None = getattr(current, "__wrapped__", None)
    clear: Callable[[], None] | None = getattr(current, "cache_clear", None)
    if original is None or clear is None:
        return False
    clear()  # let go of the StylesCache objects it holds already

    @lru_cache(CACHE_SIZE)
    def by_colours(base_background: Any, background: Any) -> Any:
        return original(StylesCache, base_background, background)  # the body reads neither self nor cls

    def get_inner_outer(self: StylesCache, base_background: Any, background: Any) -> Any:
        return by_colours(base_background, background)

    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign, assignment]
    return True
