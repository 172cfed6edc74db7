"""What a history value may be, for the rows read back and for the files imported.

The database is a file people can open in any SQLite tool and edit by hand, so a row read back may hold
anything: a ``finish_reason`` no shotglass wrote, text in a number column, a year-10000 time, a 2**70 seed
(stored by SQLite as a REAL). Reading never trusts it: each value is taken if it fits, else replaced by the
nearest honest value (unknown seed, no stats, the last representable time), so ``history show``, ``export``
and the TUI show what is there instead of crashing on it. Imports use the same limits to refuse such values
with one line, so nothing shotglass writes is ever out of bounds.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from tui.core.chat.conversation import FinishReason
from tui.core.profiles.profile import SEED_MAX

# Two days inside datetime's range, so a time formatted in any local zone still has a year of 1 to 9999.
EARLIEST_TIME = datetime(1, 1, 3, tzinfo=UTC).timestamp()
LATEST_TIME = datetime(9999, 12, 29, tzinfo=UTC).timestamp()
MAX_COUNT = 2**31 - 1
"""Token counts: far above any context window, far below SQLite's 64-bit integers."""
MAX_SECONDS = 10.0**9
"""Durations and rates (ttft_s, tokens_per_s): finite, and about 30 years at most."""


def bounded_time(value: object) -> float:
    """A stored time as epoch seconds within ``EARLIEST_TIME``..``LATEST_TIME``; a non-number reads as 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return min(max(float(value), EARLIEST_TIME), LATEST_TIME)


def bounded_text(value: object) -> str:
    """Stored text as ``str``: bytes decoded (bad UTF-8 replaced), NULL as empty, numbers written out."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def optional_text(value: object) -> str | None:
    return None if value is None else bounded_text(value)


def seed_or_none(value: object) -> int | None:
    """A seed the engine could have used (0..SEED_MAX), else unknown: a 2**70 seed reproduces nothing."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEED_MAX:
        return None
    return value


def finish_reason_or_none(value: object) -> FinishReason | None:
    try:
        return FinishReason(value)
    except ValueError:
        return None


def count(value: object) -> int:
    """A token count within 0..MAX_COUNT; anything else reads as 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return min(max(value, 0), MAX_COUNT)


def seconds(value: object) -> float:
    """A duration or rate within 0..MAX_SECONDS; anything else reads as 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return min(max(float(value), 0.0), MAX_SECONDS)
