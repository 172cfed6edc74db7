"""Keeps Textual from drawing every visible widget for a frame that changed a few rows.

A streamed batch changes a line or two of the reply; Textual (8.2.8, pinned) repaints only those rows, but
``Compositor._get_renders`` picks the widgets to draw by whether their *clip* overlaps the changed rows. Inside
a scrolling container every widget's clip is the whole viewport, so every message on screen was drawn again
for each batch (27 widgets a frame at turn 30 of a chat, against 3 in an empty one), and all but one were
thrown away. At turn 30 a frame cost the UI thread 4.3 ms, 2.8 ms with this fix (layouts included, 2 cores;
``benchmarks/bench_tui_stream.py --chats 30`` with and without ``--textual-drawing``): time the decode threads
lose, or at the same budget, more frames shown.

The replacement draws a widget only when its visible part (region within clip) meets the changed rows: a
widget that does not has no cell in them, and only cells in the changed spans reach the terminal, so the
frames are the same (``tests/test_compositor_crop_fix.py`` compares each partial frame's terminal output with
and without it).
"""

from __future__ import annotations

from collections.abc import Iterator

from textual._compositor import Compositor  # not re-exported; Textual is pinned exactly
from textual.geometry import Region
from textual.strip import Strip

_textual_get_renders = Compositor._get_renders


def _renders_in_crop(self: Compositor, crop: Region | None = None) -> Iterator[tuple[Region, Region, list[Strip]]]:
    """What Textual's ``_get_renders`` yields for the widgets whose visible part overlaps ``crop``, front to back."""
    for widget, (region, clip) in self.visible_widgets.items():
        shown = region.intersection(clip)
        if not (shown.width and shown.height):
            continue
        if crop is not None and not crop.overlaps(shown):
            continue
        inside = Region(shown.x - region.x, shown.y - region.y, shown.width, shown.height)  # widget coordinates
        yield region, clip, widget.render_lines(inside)


def install() -> bool:
    """Draw only the widgets a frame changes; returns whether it was installed now (False: already in place)."""
    if Compositor._get_renders is not _textual_get_renders:
        return False
    Compositor._get_renders = _renders_in_crop  # type: ignore[method-assign]
    return True


def uninstall() -> None:
    """Textual's own drawing again (the test compares both)."""
    Compositor._get_renders = _textual_get_renders  # type: ignore[method-assign]
