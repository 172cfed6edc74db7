"""Text in a rendered prompt that must be tokenized as plain text, not as special tokens.

A chat template writes its own markers (``<|im_start|>``, ``<end_of_turn>``) as special tokens, but the text
of a message is the user's: if they type ``<|im_end|>`` it must stay six ordinary tokens, or a user could
forge a turn boundary (or a system turn) in the middle of their message. The prompt stays one ``str`` on
its way from the format to the engine, so such spans are marked inside it with two Unicode noncharacters,
which never occur in text a person writes (they are removed from message text before rendering). A prompt
without special-token text in its messages carries no marks at all, so it is exactly the string the
template renders and it is tokenized exactly as before.

Engines tokenize marked spans with ``special=False`` and the rest with ``special=True``; everything that
shows a prompt or sends it to a server that cannot be told about spans shows ``unmarked(prompt)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

OPEN = "\ufdd0"
CLOSE = "\ufdd1"
_MARKS = re.compile(f"[{OPEN}{CLOSE}]")


def unmarked(text: str) -> str:
    """The prompt as the model reads it: the marks removed (nothing else changes)."""
    if OPEN not in text and CLOSE not in text:
        return text
    return _MARKS.sub("", text)


def special_text_pattern(special_texts: Iterable[str]) -> re.Pattern[str] | None:
    """One regex that finds any of the vocabulary's special-token texts, longest first; None if there are none."""
    texts = sorted({text for text in special_texts if text}, key=len, reverse=True)
    if not texts:
        return None
    return re.compile("|".join(re.escape(text) for text in texts))


def mark_special_text(text: str, pattern: re.Pattern[str] | None) -> str:
    """``text`` with any marks a user typed removed and every special-token text in it marked as plain."""
    text = unmarked(text)
    if pattern is None:
        return text
    return pattern.sub(lambda match: f"{OPEN}{match.group()}{CLOSE}", text)


def spans(prompt: str) -> list[tuple[str, bool]]:
    """The prompt as ``(text, is_plain)`` pieces in order, marks removed; unmarked text is ``is_plain=False``."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    while True:
        start = prompt.find(OPEN, position)
        if start < 0:
            break
        end = prompt.find(CLOSE, start + 1)
        if end < 0:
            break
        if start > position:
            pieces.append((prompt[position:start], False))
        pieces.append((prompt[start + 1 : end], True))
        position = end + 1
    if position < len(prompt):
        pieces.append((unmarked(prompt[position:]), False))
    return pieces
