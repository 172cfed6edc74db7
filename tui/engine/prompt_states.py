"""Saving and restoring a loaded model's KV cache through ``PromptStateCache`` (instant resume).

``tui.engine.llama`` hands in llama.cpp's sequence-state functions (``StateApi``), so this module needs no
``llama_cpp`` import of its own. Both calls run under the engine's generation lock: the context is not
thread-safe. A state that does not load (truncated, corrupt, from another llama.cpp) is deleted and the prompt
is simply evaluated; it is never half-used, since the token list llama.cpp reads back must equal the one
recorded beside it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.kvcache.store import MIN_SAVE_TOKENS, PromptStateCache, model_key

RESTORE_MIN_GAIN = 64
"""Load a saved state only if it saves at least this many prompt tokens over the KV cache already in place."""


@dataclass(frozen=True)
class StateApi:
    save_file: Callable[..., int]
    """``llama_state_seq_save_file(ctx, path, seq_id, tokens, n_tokens)``"""
    load_file: Callable[..., int]
    """``llama_state_seq_load_file(ctx, path, seq_id, tokens_out, capacity, n_out)``"""
    token_type: Any
    """``llama_token`` (a ctypes integer type)"""


class PromptStates:
    def __init__(self, cache: PromptStateCache, model_path: Path, api: StateApi) -> None:
        self.cache = cache
        self.key = model_key(model_path)
        self._api = api

    def restore(self, llm: Any, ctx: Any, tokens: list[int], reused: int, n_ctx: int) -> int:
        """Load the saved state sharing most of ``tokens`` if it beats the ``reused`` tokens already cached.
        Returns how many tokens the KV cache now holds for this prompt's prefix (``reused`` if nothing loaded)."""
        if len(tokens) - reused <= RESTORE_MIN_GAIN:
            return reused  # no saved state could gain enough: a running chat skips the disk entirely
        match = self.cache.best_match(self.key, tokens, reused + RESTORE_MIN_GAIN, n_ctx - 1)
        if match is None:
            return reused
        entry, shared = match
        count = len(entry.tokens)
        out = (self._api.token_type * count)()
        read_count = ctypes.c_size_t(0)
        llm.n_tokens = 0
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        loaded = self._api.load_file(ctx, str(entry.state_path).encode(), 0, out, count, ctypes.byref(read_count))
        if not loaded or read_count.value != count or tuple(out) != entry.tokens:
            self.cache.discard(entry.state_path)
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            llm._requires_eval = True
            return 0
        llm.input_ids[:count] = entry.tokens
        llm.n_tokens = count
        llm._requires_eval = True  # the logits in the context are not this sequence's: re-evaluate one token
        self.cache.touch(entry.state_path)
        return shared

    def save(self, llm: Any, ctx: Any) -> None:
        """Keep the KV cache of the sequence as it stands (a prompt and its reply) for a later start."""
        count = llm.n_tokens
        if count < MIN_SAVE_TOKENS:
            return
        tokens = [int(token) for token in llm.input_ids[:count]]
        if self.cache.has(self.key, tokens):
            return
        try:
            path = self.cache.path_for(self.key, tokens)
            array = (self._api.token_type * count)(*tokens)
            written = self._api.save_file(ctx, str(path).encode(), 0, array, count)
            if not written:
                self.cache.discard(path)
                return
            self.cache.commit(path, tokens)
        except OSError:
            return  # a full or read-only cache disk: instant resume is lost, nothing else
