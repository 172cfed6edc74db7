"""The conversation as role/content turns, the shape chat templates and OpenAI-style APIs take.

Two choices a template model needs and a completion transcript does not:

- **Where the system text goes.** Templates that refuse a system role (Gemma 1/2, Mistral v0.x) get it merged
  into the first user turn, separated by a blank line, as llama.cpp does for those models.
- **How pinned examples are written** (``PinRender``): as user/assistant turns after the system prompt, or as
  one labelled block (``Review: …`` / ``Sentiment: …`` pairs) inside the first user message, which ends with the
  user's message under the input label. On a base model labelled pairs scored about twice as well.

Every turn's text is tokenized as plain text (``tui/core/chat/literal.py``): typing a template's control
marker cannot forge a turn, and a reply in which the model wrote ``<end_of_turn>`` out of ordinary tokens goes
back as those tokens (the engines never show a control token as text, so a reply can contain none).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.chat.conversation import Role
from tui.core.chat.prompt import PinRender, PromptParts

LABELLED_INPUT = "Input"
LABELLED_OUTPUT = "Output"


@dataclass(frozen=True)
class ChatTurn:
    role: str
    content: str


def _labels(parts: PromptParts) -> tuple[str, str]:
    return (parts.input_label or LABELLED_INPUT, parts.output_label or LABELLED_OUTPUT)


def labelled_block(parts: PromptParts) -> str:
    """The instruction and the enabled examples as labelled pairs, one blank line apart."""
    input_label, output_label = _labels(parts)
    chunks = [parts.instruction.strip()] if parts.instruction.strip() else []
    chunks += [f"{input_label}: {ex.input.strip()}\n{output_label}: {ex.output.strip()}" for ex in parts.examples]
    return "\n\n".join(chunks)


def _labelled_message(parts: PromptParts, text: str) -> str:
    input_label, output_label = _labels(parts)
    return f"{input_label}: {text.strip()}\n{output_label}:"


def chat_turns(parts: PromptParts, merge_system: bool = False) -> list[ChatTurn]:
    """The turns ``parts`` stands for, in order; ``merge_system`` for templates without a system role."""
    labelled = parts.pin_render is PinRender.LABELLED and (parts.examples or parts.instruction.strip())
    system_pieces = [parts.system.strip()]
    if not labelled:
        system_pieces.append(parts.instruction.strip())
    system = "\n\n".join(piece for piece in system_pieces if piece)
    turns: list[ChatTurn] = []
    if not labelled:
        for example in parts.examples:
            turns.append(ChatTurn("user", example.input))
            turns.append(ChatTurn("assistant", example.output))
    user_messages = [(message.text.strip(), message.role is Role.USER) for message in parts.history]
    if parts.new_message is not None:
        user_messages.append((parts.new_message, True))
    first_user = True
    for text, is_user in user_messages:
        if is_user and labelled and first_user:
            text = f"{labelled_block(parts)}\n\n{_labelled_message(parts, text)}"
        if is_user:
            first_user = False
        turns.append(ChatTurn("user" if is_user else "assistant", text))
    if labelled and first_user:
        # No user message yet (the gauge counting the pins alone): the block is the first user turn.
        turns.insert(0, ChatTurn("user", labelled_block(parts)))
    if not system:
        return turns
    if not merge_system:
        return [ChatTurn("system", system), *turns]
    for index, turn in enumerate(turns):
        if turn.role == "user":
            turns[index] = ChatTurn("user", f"{system}\n\n{turn.content}")
            return turns
    return [ChatTurn("user", system), *turns]
