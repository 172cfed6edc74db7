"""``shotglass tokens FILE|-``: the exact count with the model's tokenizer beside the ≈ cl100k count.

Over an endpoint without a tokenizer the engine's own count is itself a cl100k estimate: then it says so
(``capabilities.exact_counts``) instead of calling it exact.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tui.core.contract import Engine
from tui.engine.estimate import estimate_tokens


def run_tokens(engine: Engine, text: str, *, out: TextIO = sys.stdout) -> int:
    count = engine.count_tokens(text)
    if engine.capabilities.exact_counts:
        out.write(f"{count} tokens ({engine.info.name}, exact, including BOS)\n")
    else:
        out.write(
            f"≈{count} tokens ({engine.info.name}: the server has no tokenizer endpoint, so this is an estimate)\n"
        )
    out.write(f"≈{estimate_tokens(text)} tokens (cl100k_base estimate)\n")
    return 0
