"""The course's advice, read off the measured curve of accuracy by shot count.

Two findings: (1) accuracy has stopped rising by five or six shots while still short of the target: more
examples will not get there, fine-tuning is the next step; (2) more shots stopped helping but keep costing
prompt tokens: say how many tokens per item the extra shots cost for how little gain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.core.eval.tally import CellSummary

FLAT = 0.02
"""A rise in accuracy of at most this much counts as no rise (one item in fifty)."""
PLATEAU_SHOTS = 5
"""Few-shot learning usually saturates by five or six examples; the fine-tuning advice needs that many."""


@dataclass(frozen=True)
class CurvePoint:
    shots: int
    accuracy: float
    prompt_tokens: int


def curve(summaries: Sequence[CellSummary], profile: str) -> tuple[CurvePoint, ...]:
    points = [
        CurvePoint(s.key.shots, s.accuracy, s.prompt_tokens)
        for s in summaries
        if s.key.profile == profile and s.key.render is None
    ]
    return tuple(sorted(points, key=lambda point: point.shots))


def curve_text(points: Sequence[CurvePoint]) -> str:
    return ", ".join(f"{point.shots}-shot {point.accuracy:.0%}" for point in points)


def plateau_start(points: Sequence[CurvePoint]) -> CurvePoint | None:
    """The fewest shots from which no later shot count rises more than ``FLAT`` above it; None if the last
    step still rises (the curve has not flattened) or the curve has fewer than two points."""
    if len(points) < 2:
        return None
    for position, point in enumerate(points[:-1]):
        if all(later.accuracy <= point.accuracy + FLAT for later in points[position + 1 :]):
            return point
    return None


def advise(points: Sequence[CurvePoint], target: float | None, profile: str) -> tuple[str, ...]:
    flat = plateau_start(points)
    if flat is None:
        return ()
    last = points[-1]
    lines: list[str] = []
    best = max(point.accuracy for point in points)
    if target is not None and best < target and last.shots >= PLATEAU_SHOTS:
        lines.append(
            f"{profile}: accuracy stopped rising at {flat.shots} shots ({best:.0%} at best, target {target:.0%}); "
            f"more examples will not get there, fine-tuning is the next step. Curve: {curve_text(points)}"
        )
    extra = last.prompt_tokens - flat.prompt_tokens
    if last.shots > flat.shots and extra > 0:
        gain = last.accuracy - flat.accuracy
        lines.append(
            f"{profile}: {last.shots} shots instead of {flat.shots} cost {extra} more prompt tokens per item "
            f"for {gain:+.0%} accuracy; {flat.shots} shots are enough"
        )
    return tuple(lines)
