"""Whether the chat template a server reports is the model's own or the server's stand-in.

llama-server always reports a chat template: for a model without one (a base model such as the embedded
Gemma 3 270M) it reports its ChatML fallback, indistinguishable in ``/props`` from a real template. Prompting a
base model through ChatML gives ``<|im_start|>``-littered replies that run to max new tokens, where the local
engine would use the labelled completion format. A template's turn markers are special tokens of the model it
was written for (``<|im_start|>`` in Qwen, ``<start_of_turn>`` in Gemma); a stand-in's markers are not in the
served model's vocabulary, so the server's own tokenizer tells them apart: if not one of the template's
special-looking markers is a single token there, the template was not written for this model.

A template with no special-looking markers at all (plain-text markup such as ``### Instruction:``) cannot be
judged this way and is trusted. At most ``MAX_MARKERS`` markers are checked, one small request each.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MARKER = re.compile(r"<\|[^<>|\s]{1,64}\|>|<｜[^<>｜\s]{1,64}｜>|</?[A-Za-z_][A-Za-z0-9_.-]{0,63}>")
"""ChatML-style ``<|...|>``, DeepSeek's full-width ``<｜...｜>`` and tag-style ``<start_of_turn>``/``</s>``."""
MAX_MARKERS = 8


def template_markers(template: str) -> tuple[str, ...]:
    """The distinct special-looking markers the template's source writes, in order of first use."""
    found: dict[str, None] = {}
    for match in MARKER.finditer(template):
        found.setdefault(match.group(0))
        if len(found) >= MAX_MARKERS:
            break
    return tuple(found)


def is_stand_in(template: str, token_count: Callable[[str], int | None]) -> bool:
    """True when the template has markers and none is one token of the served vocabulary.

    ``token_count(text)`` is the number of tokens the server makes of ``text`` with special tokens parsed and
    nothing added, or ``None`` when it cannot say (then the template is trusted: no evidence against it).
    """
    markers = template_markers(template)
    if not markers:
        return False
    for marker in markers:
        count = token_count(marker)
        if count is None or count == 1:
            return False
    return True
