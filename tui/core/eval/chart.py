"""Accuracy by shot count as block-character bars, one group per profile: the eval screen's chart.

Textual 8 has no chart widget (only ``Sparkline``, which has no axes or labels), and a bar per shot count reads
at a glance in any terminal; the text is built here, pure, so it is tested without a screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from tui.core.eval.tally import CellSummary

EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fraction: float, width: int) -> str:
    """``fraction`` (0-1) of ``width`` cells, in eighths of a cell."""
    fraction = min(1.0, max(0.0, fraction))
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[part] if part else "")
    return text.ljust(width)


def chart_lines(summaries: Sequence[CellSummary], width: int = 40) -> list[str]:
    groups: dict[str, list[CellSummary]] = {}
    for summary in summaries:
        render = f" ({summary.key.render.value})" if summary.key.render is not None else ""
        groups.setdefault(summary.key.profile + render, []).append(summary)
    lines: list[str] = []
    for name, cells in groups.items():
        lines.append(name)
        for cell in sorted(cells, key=lambda summary: summary.key.shots):
            spread = f" ±{cell.spread:.0%}" if cell.spread is not None else ""
            lines.append(f"{cell.key.shots:>3}-shot ▕{bar(cell.accuracy, width)}▏ {cell.accuracy:4.0%}{spread}")
    return lines
