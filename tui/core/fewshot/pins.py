"""Operations on the pinned example set, and what each example costs in context tokens.

Pure functions over the frozen ``ExampleSet`` so the UI's pins panel stays a thin view, and the cost of an
example is measured the same exact way as the gauge (difference of two renders), not estimated.
"""

from __future__ import annotations

from dataclasses import replace

from tui.core.chat.budget import TokenCounter
from tui.core.chat.conversation import Message, Role
from tui.core.chat.prompt import PromptFormat, PromptParts
from tui.core.fewshot.examples import Example, ExampleSet

MANY_SHOTS = 6
"""Past this many enabled examples, more examples rarely help; fine-tuning is the next step."""


def toggled(pins: ExampleSet, index: int) -> ExampleSet:
    examples = list(pins.examples)
    examples[index] = replace(examples[index], enabled=not examples[index].enabled)
    return replace(pins, examples=tuple(examples))


def removed(pins: ExampleSet, index: int) -> ExampleSet:
    return replace(pins, examples=pins.examples[:index] + pins.examples[index + 1 :])


def moved(pins: ExampleSet, index: int, offset: int) -> ExampleSet:
    target = index + offset
    if not 0 <= target < len(pins.examples) or index == target:
        return pins
    examples = list(pins.examples)
    examples.insert(target, examples.pop(index))
    return replace(pins, examples=tuple(examples))


def replaced(pins: ExampleSet, index: int, example: Example) -> ExampleSet:
    examples = list(pins.examples)
    examples[index] = example
    return replace(pins, examples=tuple(examples))


def pinned_from_exchange(pins: ExampleSet, messages: list[Message]) -> ExampleSet:
    """Pin the last complete user/assistant exchange of the chat as a new example."""
    for index in range(len(messages) - 1, 0, -1):
        user, reply = messages[index - 1], messages[index]
        if user.role is Role.USER and reply.role is Role.ASSISTANT and reply.text.strip():
            example = Example(input=user.text.strip(), output=reply.text.strip())
            for number, pinned in enumerate(pins.examples, start=1):
                if (pinned.input, pinned.output) == (example.input, example.output):
                    raise ValueError(f"the last exchange is already pinned (example {number})")
            return replace(pins, examples=pins.examples + (example,))
    raise ValueError("there is no complete exchange to pin yet")


def shot_label(pins: ExampleSet) -> str:
    return f"{len(pins.enabled_examples)}-shot"


def example_costs(pins: ExampleSet, base: PromptParts, fmt: PromptFormat, count: TokenCounter) -> list[int]:
    """Exact tokens each example adds to the prompt when enabled (what toggling it moves the gauge by)."""

    def pins_tokens(candidate: ExampleSet) -> int:
        parts = replace(
            base,
            examples=candidate.enabled_examples,
            history=(),
            new_message="",  # as the next message: templates that reject an empty chat still render
            instruction=candidate.instruction,
            input_label=candidate.input_label,
            output_label=candidate.output_label,
        )
        return count(fmt.render(parts))

    current = pins_tokens(pins)
    costs = []
    for index, example in enumerate(pins.examples):
        other = pins_tokens(toggled(pins, index))
        costs.append(current - other if example.enabled else other - current)
    return costs
