"""How history rows map to values, and how typed text becomes a safe full-text query.

Kept apart from the store so the column order lives in one place: ``COLUMNS`` is the order of every
message row read or written, and the helpers below index into it.
"""

from __future__ import annotations

import re

from tui.core.chat.conversation import ReplyStats, Role
from tui.core.history import bounds
from tui.core.history.model import StoredMessage

COLUMNS = (
    "id, conversation_id, position, role, text, profile, seed, finish_reason, prompt_tokens, "
    "completion_tokens, evaluated_prompt_tokens, ttft_s, tokens_per_s, created_at, updated_at, superseded_by"
)
INSERT = f"INSERT INTO messages ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_ALNUM = re.compile(r"[^\W_]")
MIN_PREFIX = 3
IMPORTED = "imported"
"""``finish_reason`` of a reply imported without stats (plain OpenAI ``messages`` JSON). NULL stays what it
always meant, a reply that was started and never finished; this value is no ``FinishReason``, so it reads as
no stats everywhere (and in a shotglass that predates it, as it did before), and it also keeps the row out of
``update_reply_text``, which only writes replies in progress. Same schema, no migration."""


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query, or ``None`` when there is nothing to look for.

    Every term becomes a quoted FTS5 string, so no operator (``AND``, ``NEAR``, ``-``, ``:``) or stray quote
    can reach the query parser. "Quoted groups" stay phrases; the last bare word matches as a prefix, so
    results follow the user while they type, from its third character on (a one-letter prefix matches
    nearly every message and costs ~80 ms over 100k of them, for nothing anyone wants).
    """
    terms: list[str] = []
    prefix = False
    for phrase, word in _TERM.findall(text):
        term = phrase or word
        if _ALNUM.search(term):
            terms.append('"' + term.replace('"', '""') + '"')
            prefix = len(_ALNUM.findall(word)) >= MIN_PREFIX
    return " ".join(terms) + ("*" if prefix else "") if terms else None


def stats_from_row(row: tuple) -> ReplyStats | None:
    """Stats columns (profile .. tokens_per_s, i.e. row[5:13]) to ``ReplyStats``; none until the reply finished.

    Every value is bounded (``bounds``): a hand-edited ``finish_reason`` no shotglass wrote reads as a reply
    without stats, a seed no engine could use as an unknown seed."""
    profile, seed, reason, prompt, completion, evaluated, ttft, speed = row[5:13]
    finish_reason = bounds.finish_reason_or_none(reason)
    if finish_reason is None:
        return None
    return ReplyStats(
        profile=bounds.bounded_text(profile),
        seed=bounds.seed_or_none(seed),
        finish_reason=finish_reason,
        prompt_tokens=bounds.count(prompt),
        completion_tokens=bounds.count(completion),
        evaluated_prompt_tokens=bounds.count(evaluated),
        ttft_s=bounds.seconds(ttft),
        tokens_per_s=bounds.seconds(speed),
    )


def stored_from_row(row: tuple) -> StoredMessage:
    return StoredMessage(
        id=row[0],
        conversation_id=row[1],
        position=row[2],
        role=Role(row[3]),
        text=bounds.bounded_text(row[4]),
        profile=bounds.optional_text(row[5]),
        stats=stats_from_row(row),
        created_at=bounds.bounded_time(row[13]),
        updated_at=bounds.bounded_time(row[14]),
        superseded_by=row[15],
        imported=is_imported_reply(row),
    )


def is_imported_reply(row: tuple) -> bool:
    return row[3] == Role.ASSISTANT.value and row[7] == IMPORTED


def message_row(
    conversation_id: int,
    position: int,
    role: Role,
    text: str,
    now: float,
    profile: str | None = None,
    stats: ReplyStats | None = None,
    message_id: int | None = None,
    imported: bool = False,
) -> tuple:
    """``imported``: a reply that comes without stats from a file (see ``IMPORTED``)."""
    numbers = stats_values(stats) if stats else (None,) * len(STATS_COLUMNS)
    if imported and stats is None and role is Role.ASSISTANT:
        numbers = (None, IMPORTED, *numbers[2:])
    return (message_id, conversation_id, position, role.value, text, profile, *numbers, now, now)


STATS_COLUMNS = (
    "seed",
    "finish_reason",
    "prompt_tokens",
    "completion_tokens",
    "evaluated_prompt_tokens",
    "ttft_s",
    "tokens_per_s",
)
"""The stats columns after ``profile``, in ``COLUMNS`` order; ``stats_values`` gives their values."""


def stats_values(stats: ReplyStats) -> tuple:
    return (
        stats.seed,
        stats.finish_reason.value,
        stats.prompt_tokens,
        stats.completion_tokens,
        stats.evaluated_prompt_tokens,
        stats.ttft_s,
        stats.tokens_per_s,
    )


def is_dead_reply(row: tuple) -> bool:
    """A reply row whose process died before its first token: no text, no stats, nothing to show or resume."""
    return row[3] == "assistant" and row[7] is None and row[4] == ""
