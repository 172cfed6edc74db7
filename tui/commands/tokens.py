"""``shotglass tokens FILE|-``: the exact count with the model's tokenizer beside the ≈ cl100k count."""

from __future__ import annotations

import sys
from typing import TextIO

from tui.engine.base import Engine
from tui.engine.estimate import estimate_tokens


def run_tokens(engine: Engine, text: str, *, out: TextIO = sys.stdout) -> int:
    exact = engine.count_tokens(text)
    out.write(f"{exact} tokens ({engine.info.name}, exact, including BOS)\n")
    out.write(f"≈{estimate_tokens(text)} tokens (cl100k_base estimate)\n")
    return 0
