"""A cheap identity for a model file, shared by the history (which model made a chat) and the prompt-state
cache (which model a saved KV cache belongs to)."""

from __future__ import annotations

import hashlib
from pathlib import Path

FINGERPRINT_BYTES = 1024 * 1024


def file_fingerprint(path: Path) -> str:
    """sha256 of the first MiB plus the size. Hashing a multi-GB GGUF would take seconds; the header, tensor
    index and size already tell apart every pair of real model files. Raises ``OSError``."""
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read(FINGERPRINT_BYTES)).hexdigest()
        size = handle.seek(0, 2)
    return f"sha256-1MiB:{digest}:{size}"
