"""Messages that cross from worker threads to the UI. Workers only ever ``post_message``; they never
touch a widget, because Textual widgets are not thread-safe."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.core.budget import GaugeCounts, PrefixCounts
from tui.engine.base import GenerationResult


@dataclass
class ReplyToken(Message):
    text: str
    completion_tokens: int


@dataclass
class ReplyFinished(Message):
    result: GenerationResult


@dataclass
class ReplyFailed(Message):
    error: str


@dataclass
class GaugeMeasured(Message):
    counts: GaugeCounts
    cache: PrefixCounts
    draft: str
    engine: object = None
    """The engine that counted: a result from a model switched away from is dropped."""
