"""Messages the generation worker posts to the chat screen. Workers only ever ``post_message``; they never
touch a widget, because Textual widgets are not thread-safe."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.core.contract import GenerationResult


@dataclass
class ReplyToken(Message):
    """Text streamed since the last one (a batch at display rate, see ``TokenBatcher``) and the tokens so far."""

    text: str
    completion_tokens: int


@dataclass
class ReplyFinished(Message):
    result: GenerationResult


@dataclass
class ReplyFailed(Message):
    error: str
