"""Conversations as files: readable Markdown, and JSON in the OpenAI messages format with a metadata block.

JSON keeps ``messages`` exactly as other tools expect (``system`` first, then ``user``/``assistant``), and
puts everything shotglass adds in ``metadata``: ``metadata.messages`` runs parallel to ``messages`` (same
length; ``{}`` or ``null`` where there is nothing to say). Import validates all of it before anything is
written and stops at the first problem with one line that names where it is.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.chat.conversation import IMPORTED_NOTE, FinishReason, ReplyStats, Role
from tui.core.errors import shown
from tui.core.fewshot.examples import ExampleSet
from tui.core.history.bounds import EARLIEST_TIME, LATEST_TIME, MAX_COUNT, MAX_SECONDS
from tui.core.history.model import (
    ConversationInfo,
    HistoryError,
    StoredMessage,
    from_iso,
    iso,
    pins_from_dict,
    pins_to_dict,
)
from tui.core.profiles.profile import SEED_MAX
from tui.core.text_files import parse_json, read_bounded_text

FORMAT = "shotglass.conversation"
VERSION = 2
"""2 added ``metadata.messages[i].reply`` (a reply without stats: imported, or never finished)."""
UNFINISHED = "unfinished"
_REPLY_STATES = (IMPORTED_NOTE, UNFINISHED)
MAX_IMPORT_BYTES = 64 * 1024 * 1024
_STATS_KEYS = (
    "seed",
    "finish_reason",
    "prompt_tokens",
    "completion_tokens",
    "evaluated_prompt_tokens",
    "ttft_s",
    "tokens_per_s",
)
_TOP_KEYS = {"messages", "metadata"}
_MESSAGE_KEYS = {"role", "content"}
_METADATA_KEYS = {"format", "version", "title", "created_at", "updated_at", "model", "profile", "pins", "messages"}
_MODEL_KEYS = {"path", "fingerprint"}
_MESSAGE_META_KEYS = {"created_at", "profile", "reply", *_STATS_KEYS}


@dataclass(frozen=True)
class ImportedMessage:
    role: Role
    text: str
    profile: str | None
    stats: ReplyStats | None
    created_at: float | None
    unfinished: bool = False
    """A reply without stats that was never finished (``"reply": "unfinished"``); any other reply without
    stats (plain OpenAI ``messages``) was finished where it came from, and is stored as imported."""


@dataclass(frozen=True)
class ImportedConversation:
    title: str
    created_at: float | None
    model_path: str
    model_fingerprint: str
    system_prompt: str
    pins: ExampleSet
    profile: str
    messages: tuple[ImportedMessage, ...]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def to_markdown(info: ConversationInfo, messages: list[StoredMessage]) -> str:
    lines = [f"# {info.title or '(untitled)'}", ""]
    if info.model_path:
        fingerprint = f" ({info.model_fingerprint})" if info.model_fingerprint else ""
        lines.append(f"- **Model:** `{info.model_path}`{fingerprint}")
    lines.append(f"- **Created:** {iso(info.created_at)} · **Updated:** {iso(info.updated_at)}")
    if info.profile:
        lines.append(f"- **Profile:** {info.profile}")
    lines.append(f"- **Messages:** {len(messages)}")
    lines += [f"- **Unreadable:** {problem}" for problem in info.damaged]
    if info.system_prompt:
        lines += ["", "## System prompt", "", *(f"> {line}".rstrip() for line in info.system_prompt.splitlines())]
    pins = info.pins
    if pins.examples or pins.instruction:
        lines += [
            "",
            f"## Pinned examples: {pins.name} ({len(pins.enabled_examples)} of {len(pins.examples)} enabled)",
            "",
        ]
        if pins.instruction:
            lines += [f"Instruction: {pins.instruction}", ""]
        given, taken = pins.input_label or "Input", pins.output_label or "Output"
        for number, example in enumerate(pins.examples, start=1):
            off = "" if example.enabled else " (disabled)"
            lines.append(
                f"{number}. **{given}:** {_one_line(example.input)} → **{taken}:** {_one_line(example.output)}{off}"
            )
    lines += ["", "## Conversation"]
    for stored in messages:
        lines += ["", f"### {stored.role.value.capitalize()}", "", stored.text or "(empty)"]
        if stored.role is Role.ASSISTANT:
            if stored.stats is not None:
                lines += ["", f"*{stored.stats.summary(sampled=True)}*"]
            elif stored.imported:
                lines += ["", f"*{IMPORTED_NOTE}*"]
            else:
                lines += ["", f"*unfinished: the reply was interrupted · {stored.profile or 'unknown profile'}*"]
    return "\n".join(lines) + "\n"


def _message_metadata(stored: StoredMessage) -> dict[str, Any]:
    meta: dict[str, Any] = {"created_at": iso(stored.created_at)}
    if stored.profile is not None:
        meta["profile"] = stored.profile
    if stored.stats is not None:
        stats = stored.stats
        meta.update(
            seed=stats.seed,
            finish_reason=stats.finish_reason.value,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
            evaluated_prompt_tokens=stats.evaluated_prompt_tokens,
            ttft_s=stats.ttft_s,
            tokens_per_s=stats.tokens_per_s,
        )
    elif stored.role is Role.ASSISTANT:
        meta["reply"] = IMPORTED_NOTE if stored.imported else UNFINISHED
    return meta


def to_json(info: ConversationInfo, messages: list[StoredMessage]) -> dict[str, Any]:
    chat: list[dict[str, str]] = []
    per_message: list[dict[str, Any]] = []
    if info.system_prompt:
        chat.append({"role": "system", "content": info.system_prompt})
        per_message.append({})
    for stored in messages:
        chat.append({"role": stored.role.value, "content": stored.text})
        per_message.append(_message_metadata(stored))
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "title": info.title,
        "created_at": iso(info.created_at),
        "updated_at": iso(info.updated_at),
        "model": {"path": info.model_path, "fingerprint": info.model_fingerprint},
        "profile": info.profile,
        "pins": pins_to_dict(info.pins),
        "messages": per_message,
    }
    return {"messages": chat, "metadata": metadata}


class _Checker:
    """Type checks that fail with ``<source>: <where> ...``: one line that says what and where."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> HistoryError:
        return HistoryError(f"{self.source}: {where} {problem}")

    def obj(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be an object, got {_kind(value)}")
        for key in value:
            if key not in allowed:
                raise self.fail(where, f"has unknown key '{key}'; allowed: {', '.join(sorted(allowed))}")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"must be a string, got {_kind(value)}")
        return value

    def count(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            raise self.fail(where, f"must be a whole number from 0 to {MAX_COUNT}, got {_shown_number(value)}")
        return value

    def number(self, value: Any, where: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 <= value <= MAX_SECONDS
        ):
            raise self.fail(where, f"must be a number from 0 to {MAX_SECONDS:.0e}, got {_shown_number(value)}")
        return float(value)

    def seed(self, value: Any, where: str) -> int | None:
        """A seed the engine can take again (0..SEED_MAX), or null for a greedy reply."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEED_MAX:
            raise self.fail(
                where, f"must be null (greedy) or a whole number from 0 to {SEED_MAX}, got {_shown_number(value)}"
            )
        return value

    def time(self, value: Any, where: str) -> float:
        example = "like 2024-05-01T12:00:00+00:00"
        try:
            moment = from_iso(self.text(value, where))
        except (ValueError, OverflowError):
            raise self.fail(where, f"must be an ISO 8601 time {example}, got {shown(repr(value))}") from None
        if not EARLIEST_TIME <= moment <= LATEST_TIME:
            raise self.fail(where, f"must be a time between the years 1 and 9999, got {shown(repr(value))}")
        return moment


def _shown_number(value: Any) -> str:
    """A value for an error line, cut short: a 10,000-digit number must not become a 10,000-character line."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a {len(str(abs(value)))}-digit number"
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def _stats(check: _Checker, meta: dict[str, Any], where: str, profile: str | None) -> ReplyStats | None:
    present = [key for key in _STATS_KEYS if key in meta]
    if not present:
        return None
    missing = [key for key in _STATS_KEYS if key not in meta]
    if missing or profile is None:
        raise check.fail(
            where,
            f"has reply stats but lacks '{(missing or ['profile'])[0]}' (stats need profile, {', '.join(_STATS_KEYS)})",
        )
    try:
        reason = FinishReason(meta["finish_reason"])
    except ValueError:
        raise check.fail(
            f"{where}.finish_reason",
            f"must be one of {', '.join(r.value for r in FinishReason)}, got {json.dumps(meta['finish_reason'])}",
        ) from None
    seed = check.seed(meta["seed"], f"{where}.seed")
    counts = {
        key: check.count(meta[key], f"{where}.{key}")
        for key in ("prompt_tokens", "completion_tokens", "evaluated_prompt_tokens")
    }
    return ReplyStats(
        profile=profile,
        seed=seed,
        finish_reason=reason,
        **counts,
        ttft_s=check.number(meta["ttft_s"], f"{where}.ttft_s"),
        tokens_per_s=check.number(meta["tokens_per_s"], f"{where}.tokens_per_s"),
    )


def _reply_state(check: _Checker, meta: dict[str, Any], where: str, role: str, stats: ReplyStats | None) -> str | None:
    """``reply``: said only of an assistant message without stats, and only as one of ``_REPLY_STATES``."""
    if "reply" not in meta:
        return None
    state = meta["reply"]
    if state not in _REPLY_STATES:
        allowed = " or ".join(json.dumps(value) for value in _REPLY_STATES)
        raise check.fail(f"{where}.reply", f"must be {allowed}, got {_shown_number(state)}")
    if role != Role.ASSISTANT.value or stats is not None:
        raise check.fail(f"{where}.reply", "belongs only to a reply without stats")
    return str(state)


def parse_conversation(data: Any, source: str) -> ImportedConversation:
    """Validate an exported (or hand-written) conversation completely; raises ``HistoryError`` on the first fault."""
    source = shown(source)
    check = _Checker(source)
    if not isinstance(data, dict):
        raise HistoryError(f"{source}: expected a JSON object with 'messages', got {_kind(data)}")
    check.obj(data, "the top level", _TOP_KEYS)
    chat = data.get("messages")
    if not isinstance(chat, list):
        raise check.fail(
            "'messages'",
            "must be an array of {role, content} objects"
            if "messages" in data
            else "is missing (expected an array of {role, content} objects)",
        )
    meta = check.obj(data.get("metadata", {}), "metadata", _METADATA_KEYS)
    if meta.get("format", FORMAT) != FORMAT:
        raise check.fail("metadata.format", f"must be '{FORMAT}', got {json.dumps(meta['format'])}")
    version = meta.get("version", VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= VERSION:
        raise check.fail(
            "metadata.version", f"must be 1 to {VERSION} (a newer shotglass wrote it?), got {json.dumps(version)}"
        )
    per_message = meta.get("messages", [None] * len(chat))
    if not isinstance(per_message, list) or len(per_message) != len(chat):
        raise check.fail("metadata.messages", f"must be an array as long as 'messages' ({len(chat)} items)")
    system_prompt = ""
    messages: list[ImportedMessage] = []
    for index, (item, extra) in enumerate(zip(chat, per_message)):
        where = f"messages[{index}]"
        check.obj(item, where, _MESSAGE_KEYS)
        for key in ("role", "content"):
            if key not in item:
                raise check.fail(where, f"lacks '{key}'")
        role = item["role"]
        if role not in ("system", "user", "assistant"):
            raise check.fail(f"{where}.role", f"{json.dumps(role)} is not one of: system, user, assistant")
        content = check.text(item["content"], f"{where}.content")
        here = f"metadata.messages[{index}]"
        info = check.obj({} if extra is None else extra, here, _MESSAGE_META_KEYS)
        if role == "system":
            if index != 0:
                raise check.fail(where, "is a system message; only the first message may be one")
            system_prompt = content
            continue
        profile = None if info.get("profile") is None else check.text(info["profile"], f"{here}.profile")
        stats = _stats(check, info, here, profile)
        if role == "user" and (stats is not None or profile is not None):
            raise check.fail(here, "has reply stats or a profile, but belongs to a user message")
        created = check.time(info["created_at"], f"{here}.created_at") if "created_at" in info else None
        unfinished = _reply_state(check, info, here, role, stats) == UNFINISHED
        messages.append(ImportedMessage(Role(role), content, profile, stats, created, unfinished))
    if not messages:
        raise check.fail("'messages'", "has no user or assistant message: nothing to import")
    model = check.obj(meta.get("model", {}), "metadata.model", _MODEL_KEYS)
    first_user = next((message.text for message in messages if message.role is Role.USER), "")
    title = check.text(meta.get("title", ""), "metadata.title").strip()
    if "updated_at" in meta:
        check.time(meta["updated_at"], "metadata.updated_at")  # checked, not kept: the import is the update
    return ImportedConversation(
        title=_one_line(title) or default_title(first_user) or Path(source).stem,
        created_at=check.time(meta["created_at"], "metadata.created_at") if "created_at" in meta else None,
        model_path=check.text(model.get("path", ""), "metadata.model.path"),
        model_fingerprint=check.text(model.get("fingerprint", ""), "metadata.model.fingerprint"),
        system_prompt=system_prompt,
        pins=pins_from_dict(meta["pins"], f"{source}: metadata.pins") if "pins" in meta else ExampleSet(),
        profile=check.text(meta.get("profile", ""), "metadata.profile"),
        messages=tuple(messages),
    )


def default_title(text: str, width: int = 60) -> str:
    """A conversation's title until it is renamed: the first line of its first message, shortened."""
    line = _one_line(text)
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def read_json_file(path: Path) -> Any:
    """A conversation file's JSON, or a ``HistoryError`` that says in one line why it cannot be read."""
    text = read_bounded_text(path, limit=MAX_IMPORT_BYTES, kind="file", error=HistoryError)
    try:
        return parse_json(text, shown(path), HistoryError)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise HistoryError(f"{shown(path)}: not valid JSON: {error.msg} at {where}") from None
