"""Pinned few-shot examples: the part of the prompt that teaches a base model the task."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class PinRender(str, Enum):
    """How a chat template model sees the examples: as user/assistant turns, or as one labelled block
    (``Review: …`` / ``Sentiment: …`` pairs) inside the first user message. Completion format is labelled anyway."""

    TURNS = "turns"
    LABELLED = "labelled"


@dataclass(frozen=True)
class Example:
    input: str
    output: str
    enabled: bool = True


@dataclass(frozen=True)
class ExampleSet:
    """A named set of worked examples; its labels replace ``User``/``Assistant`` in completion format."""

    name: str = "pins"
    instruction: str = ""
    input_label: str | None = None
    output_label: str | None = None
    examples: tuple[Example, ...] = field(default_factory=tuple)
    render: PinRender = PinRender.TURNS

    @property
    def enabled_examples(self) -> tuple[Example, ...]:
        return tuple(example for example in self.examples if example.enabled)
