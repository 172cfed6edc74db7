"""Rows of the conversation history as frozen values, so the UI can hold them without touching the database.

Also the two small conversions every history module needs: pins to and from JSON, and epoch seconds to
ISO 8601 text (stored as REAL for cheap ordering, written as ISO where people read it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.core.chat.conversation import Message, ReplyStats, Role
from tui.core.errors import ExampleSetError, UserError
from tui.core.fewshot.example_set import parse_example_set
from tui.core.fewshot.examples import ExampleSet
from tui.core.history.bounds import bounded_time
from tui.core.models.identity import file_fingerprint


class HistoryError(UserError):
    """The history database or a conversation file cannot be used as asked; the message says why."""


class HistoryBusy(HistoryError):
    """Another connection held the database past the busy timeout: the same write may well succeed later."""


@dataclass(frozen=True)
class ConversationSummary:
    """One line of the conversation list: enough to draw it without loading any message."""

    id: int
    title: str
    created_at: float
    updated_at: float
    model_path: str
    profile: str
    message_count: int


@dataclass(frozen=True)
class ConversationInfo:
    """Everything needed to resume a chat as it was: model, system prompt, pins and the profile last used."""

    id: int
    title: str
    created_at: float
    updated_at: float
    model_path: str
    model_fingerprint: str
    system_prompt: str
    pins: ExampleSet
    profile: str
    damaged: tuple[str, ...] = ()
    """What could not be read back (a hand-edited ``pins_json``, say), each in one line; it reads as empty."""


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: int
    position: int
    role: Role
    text: str
    profile: str | None
    stats: ReplyStats | None
    """``None`` for user messages and for a reply that never finished (stopped by a crash or kill)."""
    created_at: float
    updated_at: float
    superseded_by: int | None
    """Id of the message that replaced this one's branch (an edit or a regenerate); ``None`` when active;
    negative when the branch was deleted and nothing replaced it (minus the id of its first message)."""
    imported: bool = False
    """A reply imported without stats (plain OpenAI ``messages`` JSON): finished elsewhere, never measured
    here. Unlike a reply without stats that was never finished, it is not "interrupted"."""

    @property
    def message(self) -> Message:
        return Message(self.role, self.text, self.stats, imported=self.imported)


@dataclass(frozen=True)
class LoadedConversation:
    """A conversation ready to resume: its active path as ``Message`` values, ids aligned for edits."""

    info: ConversationInfo
    messages: tuple[Message, ...]
    message_ids: tuple[int, ...]
    records: tuple[bytes | None, ...] = ()
    """Per message, the serialized ``ReplyRecord`` of a reply made with it (None for user messages and old rows)."""


@dataclass(frozen=True)
class Branch:
    """An older tail of a conversation, kept when a user message was edited, a reply regenerated or a message
    deleted."""

    replaced_by: int | None
    """The message that took this branch's place; None for a deleted branch (nothing did)."""
    messages: tuple[StoredMessage, ...]

    @property
    def deleted(self) -> bool:
        return self.replaced_by is None


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    title: str
    message_id: int
    role: Role
    snippet: str
    updated_at: float


def model_fingerprint(path: Path) -> str:
    """Which model file made a chat (``tui.core.models.identity.file_fingerprint``), as a history error."""
    try:
        return file_fingerprint(path)
    except OSError as error:
        raise HistoryError(f"cannot fingerprint model {path}: {error.strerror or error}") from None


def pins_to_dict(pins: ExampleSet) -> dict[str, Any]:
    return {
        "name": pins.name,
        "instruction": pins.instruction,
        "input_label": pins.input_label,
        "output_label": pins.output_label,
        "examples": [{"input": e.input, "output": e.output, "enabled": e.enabled} for e in pins.examples],
    }


def pins_from_dict(data: Any, source: str) -> ExampleSet:
    """Validated exactly as an example-set file is, so a hand-edited import cannot smuggle in bad labels."""
    if not isinstance(data, dict):
        raise HistoryError(f"{source} must be an object with name, instruction, labels and examples")
    try:
        return parse_example_set({"name": "pins", **data}, source)
    except ExampleSetError as error:
        raise HistoryError(str(error)) from None


def stored_pins(pins_json: object, conversation_id: int) -> tuple[ExampleSet, tuple[str, ...]]:
    """A conversation's stored pins, or none and why: a hand-edited ``pins_json`` never hides the chat itself."""
    source = f"conversation {conversation_id}: pins"
    try:
        return pins_from_dict(json.loads(pins_json) if isinstance(pins_json, (str, bytes)) else None, source), ()
    except ValueError as error:  # json.JSONDecodeError, UnicodeDecodeError
        return ExampleSet(), (f"{source}: not valid JSON ({error}); shown without pins",)
    except HistoryError as error:
        return ExampleSet(), (f"{error}; shown without pins",)
    except RecursionError:
        return ExampleSet(), (f"{source}: nested too deeply to read; shown without pins",)


def iso(timestamp: float) -> str:
    """ISO 8601 in UTC; a time outside datetime's years (a hand-edited row) is clamped to the nearest it has."""
    return datetime.fromtimestamp(bounded_time(timestamp), UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> float:
    """ISO 8601 to epoch seconds; a time without a zone is taken as UTC. Raises ``ValueError``."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
