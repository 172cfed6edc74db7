"""Saved prompt states on disk: llama.cpp's KV cache of a prompt, so a restart does not re-evaluate it.

A resumed 2,000-token chat otherwise re-evaluates its whole prompt before the first reply (seconds here, a
minute or more for a 7B model on a laptop CPU). The engine saves the KV cache of its sequence after a reply
and, when a later prompt starts with the same tokens under the same model file, restores it and evaluates
only what follows.

Layout: ``<root>/<model key>/<entry>.state`` (llama.cpp's own sequence file) beside ``<entry>.tokens`` (the
token ids as little-endian uint32, written last: an entry without it is incomplete and ignored). The model
key hashes the file's size, mtime and first MiB, so a replaced or re-downloaded model never gets another's
state. Entries are used least-recently-first evicted (mtime is the use time) to stay within a byte budget.
This module never touches llama.cpp: it only decides which file to load or replace.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from array import array
from dataclasses import dataclass
from pathlib import Path

from tui.core.models.identity import file_fingerprint

DEFAULT_BUDGET_BYTES = 2 * 2**30
BUDGET_ENV = "SHOTGLASS_STATE_CACHE_BYTES"
MAX_ENTRIES_PER_MODEL = 64
MIN_SAVE_TOKENS = 256
"""Shorter prompts re-evaluate in well under a second even on a laptop; not worth a file."""
MAX_TOKENS = 4_194_304
"""A ``.tokens`` file larger than this (16 MiB) is damaged: no context is that long."""


def model_key(path: Path) -> str:
    """Identity of a model file: its fingerprint (first MiB and size) and its mtime, as a folder name."""
    identity = f"{file_fingerprint(path)}:{path.stat().st_mtime_ns}"
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def budget_from_env() -> int:
    raw = os.environ.get(BUDGET_ENV, "").strip()
    return int(raw) if raw.isdigit() else DEFAULT_BUDGET_BYTES


@dataclass(frozen=True)
class StateEntry:
    state_path: Path
    tokens: tuple[int, ...]
    size_bytes: int


@dataclass(frozen=True)
class CacheInfo:
    root: Path
    entries: int
    size_bytes: int
    budget_bytes: int


def common_prefix(left: tuple[int, ...] | list[int], right: tuple[int, ...] | list[int]) -> int:
    count = 0
    for a, b in zip(left, right):
        if a != b:
            break
        count += 1
    return count


class PromptStateCache:
    def __init__(self, root: Path, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.root = root
        self.budget_bytes = budget_bytes

    def _folder(self, key: str) -> Path:
        return self.root / key

    def entries(self, key: str) -> list[StateEntry]:
        """Complete entries for this model; an unreadable or inconsistent one is deleted on sight."""
        folder = self._folder(key)
        if not folder.is_dir():
            return []
        found = []
        for tokens_path in sorted(folder.glob("*.tokens"))[:MAX_ENTRIES_PER_MODEL]:
            state_path = tokens_path.with_suffix(".state")
            tokens = _read_tokens(tokens_path)
            if tokens is None or not state_path.is_file():
                self.discard(state_path)
                continue
            found.append(StateEntry(state_path, tokens, state_path.stat().st_size))
        return found

    def best_match(self, key: str, tokens: list[int], at_least: int, max_tokens: int) -> tuple[StateEntry, int] | None:
        """The entry sharing the longest prefix with ``tokens``, if that prefix is longer than ``at_least``;
        entries longer than ``max_tokens`` (the context size now) cannot be loaded and are skipped.

        So is an entry that shares less than half of itself: a whole long chat's state, loaded for the system
        prompt and pins a new chat starts with, would page the old chat's KV cache back in (what Ctrl+N gave
        back) and read it from disk, to drop most of it at once."""
        best: tuple[StateEntry, int] | None = None
        for entry in self.entries(key):
            if len(entry.tokens) > max_tokens:
                continue
            shared = common_prefix(entry.tokens, tokens)
            if len(entry.tokens) - shared > shared:
                continue
            if shared > at_least and (best is None or shared > best[1]):
                best = (entry, shared)
        return best

    def _state_path(self, key: str, tokens: list[int]) -> Path:
        return self._folder(key) / f"{hashlib.sha256(array('I', tokens).tobytes()).hexdigest()[:24]}.state"

    def path_for(self, key: str, tokens: list[int]) -> Path:
        """Where the state of exactly ``tokens`` goes (its folder is created)."""
        self._folder(key).mkdir(parents=True, exist_ok=True)
        return self._state_path(key, tokens)

    def has(self, key: str, tokens: list[int]) -> bool:
        state_path = self._state_path(key, tokens)
        return state_path.is_file() and state_path.with_suffix(".tokens").is_file()

    def commit(self, state_path: Path, tokens: list[int]) -> None:
        """The state file is written: record its tokens (last, atomically), drop entries it supersedes (a
        strict prefix of it under the same model), then evict the least recently used beyond the budget."""
        tokens_path = state_path.with_suffix(".tokens")
        partial = tokens_path.with_suffix(".tokens.tmp")
        partial.write_bytes(array("I", tokens).tobytes())
        os.replace(partial, tokens_path)
        for entry in self.entries(state_path.parent.name):
            if (
                entry.state_path != state_path
                and len(entry.tokens) < len(tokens)
                and common_prefix(entry.tokens, tokens) == len(entry.tokens)
            ):
                self.discard(entry.state_path)
        self.evict()

    def touch(self, state_path: Path) -> None:
        try:
            os.utime(state_path)
        except OSError:
            pass

    def discard(self, state_path: Path) -> None:
        for path in (state_path, state_path.with_suffix(".tokens"), state_path.with_suffix(".tokens.tmp")):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                pass  # a read-only cache: the entry stays unusable, never loaded

    def _all_states(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [path for path in self.root.glob("*/*.state") if path.with_suffix(".tokens").is_file()]

    def evict(self) -> None:
        states = sorted(self._all_states(), key=_mtime)
        total = sum(_size(path) for path in states)
        while states and total > self.budget_bytes:
            oldest = states.pop(0)
            total -= _size(oldest)
            self.discard(oldest)

    def info(self) -> CacheInfo:
        states = self._all_states()
        return CacheInfo(self.root, len(states), sum(_size(path) for path in states), self.budget_bytes)

    def clear(self) -> int:
        """Remove every saved state; returns how many there were."""
        count = len(self._all_states())
        if self.root.is_dir():
            shutil.rmtree(self.root, ignore_errors=True)
        return count


def _read_tokens(path: Path) -> tuple[int, ...] | None:
    try:
        size = path.stat().st_size
        if size % 4 or size > MAX_TOKENS * 4:
            return None
        values = array("I")
        values.frombytes(path.read_bytes())
    except OSError:
        return None
    if array("I").itemsize != 4:  # pragma: no cover - every platform shotglass runs on
        return None
    return tuple(values)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size + path.with_suffix(".tokens").stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
