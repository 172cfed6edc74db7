"""The one function that decides what the model sees.

Everything that counts tokens (the gauge, the overflow policy, ``shotglass tokens``) and everything that
generates (the TUI, ``ask``, ``eval``) goes through ``PromptFormat.render`` on the same ``PromptParts``,
so the gauge is exact by construction. Rendering is append-only: the prompt of turn N starts with the
prompt of turn N-1 plus its reply, which lets llama.cpp's prefix match re-evaluate only new tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Protocol

from tui.core.chat.conversation import Message, Role
from tui.core.chat.literal import SpecialTexts
from tui.core.chat.reasoning import ReasoningMarkers
from tui.core.fewshot.examples import Example, PinRender

DEFAULT_INPUT_LABEL = "User"
DEFAULT_OUTPUT_LABEL = "Assistant"

TemplateValue = str | int | float | bool
"""A value a profile passes to the chat template (``enable_thinking = false``, ``reasoning_effort = "low"``)."""


@dataclass(frozen=True)
class PromptParts:
    system: str = ""
    instruction: str = ""
    examples: tuple[Example, ...] = field(default_factory=tuple)
    history: tuple[Message, ...] = field(default_factory=tuple)
    new_message: str | None = None
    input_label: str | None = None
    output_label: str | None = None
    pin_render: PinRender = PinRender.TURNS
    template_options: tuple[tuple[str, TemplateValue], ...] = ()
    """Extra variables for the chat template, from the profile; completion format ignores them."""

    def upto_system(self) -> "PromptParts":
        return replace(self, examples=(), history=(), new_message=None)

    def upto_pins(self) -> "PromptParts":
        return replace(self, history=(), new_message=None)

    def upto_history(self) -> "PromptParts":
        return replace(self, new_message=None)


class PromptFormat(Protocol):
    """How a model wants its conversation written down."""

    @property
    def description(self) -> str:
        """Shown in the header, e.g. ``completion (User/Assistant)`` or ``chat template``."""
        ...

    @property
    def bos_token(self) -> str:
        """The BOS text the rendered prompt starts with, if the format writes it (servers add their own)."""
        ...

    @property
    def reasoning_markers(self) -> tuple[ReasoningMarkers, ...]:
        """The thinking markers this format names (``<think>``...), for the transcript's thinking section."""
        ...

    def render(self, parts: PromptParts) -> str: ...

    def stop_strings(self, parts: PromptParts) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class CompletionFormat:
    """A labelled transcript for base models without a chat template.

    ``User: ...\\nAssistant: ...`` pairs separated by a blank line; the prompt ends with ``Assistant:``
    (no trailing space: SentencePiece models attach the space to the next word). Replies stop where the
    model starts writing the next label. Message text is marked so that a control token typed into it
    (``<start_of_turn>`` on Gemma) stays plain text, as with chat templates.
    """

    input_label: str = DEFAULT_INPUT_LABEL
    output_label: str = DEFAULT_OUTPUT_LABEL
    special_texts: Callable[[], frozenset[str]] = field(default=frozenset, compare=False, repr=False)
    """Gives the vocabulary's control-token texts (read on first use)."""

    @cached_property
    def _special(self) -> SpecialTexts:
        return SpecialTexts(self.special_texts())

    def _labels(self, parts: PromptParts) -> tuple[str, str]:
        return (parts.input_label or self.input_label, parts.output_label or self.output_label)

    @property
    def bos_token(self) -> str:
        return ""  # the engine adds BOS itself

    @property
    def reasoning_markers(self) -> tuple[ReasoningMarkers, ...]:
        return ()  # a base model's "<think>" is text it continues, not a block to fold

    @property
    def description(self) -> str:
        return f"completion ({self.input_label}/{self.output_label})"

    def render(self, parts: PromptParts) -> str:
        input_label, output_label = self._labels(parts)
        mark = self._special.mark
        chunks: list[str] = []
        for header in (parts.system.strip(), parts.instruction.strip()):
            if header:
                chunks.append(f"{mark(header)}\n\n")
        for example in parts.examples:
            chunks.append(
                f"{input_label}: {mark(example.input.strip())}\n{output_label}: {mark(example.output.strip())}\n\n"
            )
        history = list(parts.history)
        for _index, message in enumerate(history):
            if message.role is Role.USER:
                chunks.append(f"{input_label}: {mark(message.text.strip())}\n")
                chunks.append(f"{output_label}:")
            else:
                chunks.append(f" {mark(message.text.strip())}\n\n")
        if history and history[-1].role is Role.USER:
            # A user message without a reply (a stopped-before-first-token turn): close it off.
            chunks.append("\n\n")
        if parts.new_message is not None:
            chunks.append(f"{input_label}: {mark(parts.new_message.strip())}\n{output_label}:")
        return "".join(chunks)

    def stop_strings(self, parts: PromptParts) -> tuple[str, ...]:
        input_label, output_label = self._labels(parts)
        return (f"\n{input_label}:", f"\n{output_label}:")
