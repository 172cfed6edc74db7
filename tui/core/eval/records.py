"""What one evaluated item leaves behind, and which cell of the run (profile x shot count x render) it is in.

Every record keeps the exact prompt the model saw and its token count, so any item can be opened, re-read and
sent to the chat; the summaries are computed from these records, never kept apart from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tui.core.fewshot.examples import PinRender


@dataclass(frozen=True)
class CellKey:
    profile: str
    shots: int
    render: PinRender | None = None
    """How the pins were written (``eval --render``); None: the example set's own."""

    @property
    def label(self) -> str:
        render = f" {self.render.value}" if self.render is not None else ""
        return f"{self.profile} · {self.shots}-shot{render}"


@dataclass(frozen=True)
class ItemRecord:
    key: CellKey
    repeat: int
    seed: int | None
    """The seed the reply was sampled with; None for greedy and choice scoring."""
    index: int
    """The item's line among the data's items (0-based)."""
    input: str
    expected: str
    got: str
    """The model's answer as the rule read it: the first line, the regex's capture, or the winning label."""
    correct: bool
    prompt: str
    prompt_tokens: int
    seconds: float
    label_logprobs: tuple[tuple[str, float], ...] = ()
    """``choice`` scoring: each label's log-probability after the prompt."""

    def label_probabilities(self) -> tuple[tuple[str, float], ...]:
        """The labels' probabilities renormalised over the labels alone (what the choice was between)."""
        if not self.label_logprobs:
            return ()
        top = max(value for _label, value in self.label_logprobs)
        weights = [(label, math.exp(value - top)) for label, value in self.label_logprobs]
        total = sum(weight for _label, weight in weights)
        return tuple((label, weight / total) for label, weight in weights)

    def to_json(self) -> dict[str, object]:
        row: dict[str, object] = {
            "profile": self.key.profile,
            "shots": self.key.shots,
            "repeat": self.repeat,
            "seed": self.seed,
            "item": self.index,
            "input": self.input,
            "expected": self.expected,
            "got": self.got,
            "correct": self.correct,
            "prompt_tokens": self.prompt_tokens,
            "seconds": round(self.seconds, 4),
            "prompt": self.prompt,
        }
        if self.key.render is not None:
            row["render"] = self.key.render.value
        if self.label_logprobs:
            row["label_logprobs"] = {label: round(value, 4) for label, value in self.label_logprobs}
        return row
