"""Two saved runs side by side: per cell (profile, shot count, render), each run's accuracy and the change.

Cells only one run has are kept (with the other side empty), so a run with more shot counts still shows them.
A comparison across different datasets is allowed but said: the numbers then measure different things.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CellId = tuple[str, int, str]


@dataclass(frozen=True)
class ComparedCell:
    profile: str
    shots: int
    render: str
    left: Mapping[str, Any] | None
    right: Mapping[str, Any] | None

    @property
    def delta(self) -> float | None:
        if self.left is None or self.right is None:
            return None
        return float(self.right.get("accuracy", 0.0)) - float(self.left.get("accuracy", 0.0))


def _cell_id(row: Mapping[str, Any]) -> CellId | None:
    shots = row.get("shots")
    if not isinstance(shots, int):
        return None
    return (str(row.get("profile", "")), shots, str(row.get("render", "")))


def compare_results(left: Sequence[Mapping[str, Any]], right: Sequence[Mapping[str, Any]]) -> list[ComparedCell]:
    cells: dict[CellId, list[Mapping[str, Any] | None]] = {}
    for side, rows in enumerate((left, right)):
        for row in rows:
            key = _cell_id(row)
            if key is not None:
                cells.setdefault(key, [None, None])[side] = row
    return [
        ComparedCell(profile, shots, render, pair[0], pair[1])
        for (profile, shots, render), pair in sorted(
            cells.items(), key=lambda item: (item[0][0], item[0][2], item[0][1])
        )
    ]


def cell_text(row: Mapping[str, Any] | None) -> str:
    """``23/24 96%`` (``±4%`` for repeats), or ``-`` where the run did not have the cell."""
    if row is None:
        return "-"
    spread = row.get("spread")
    extra = f" ±{float(spread):.0%}" if isinstance(spread, (int, float)) else ""
    return f"{row.get('correct', '?')}/{row.get('total', '?')} {float(row.get('accuracy', 0.0)):.0%}{extra}"
