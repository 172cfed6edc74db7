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
from dataclasses import dataclass, field

OPEN = "\ufdd0"
CLOSE = "\ufdd1"
_MARKS = re.compile(f"[{OPEN}{CLOSE}]")


def unmarked(text: str) -> str:
    """The prompt as the model reads it: the marks removed (nothing else changes)."""
    if OPEN not in text and CLOSE not in text:
        return text
    return _MARKS.sub("", text)


@dataclass(frozen=True)
class SpecialTexts:
    """Finds the vocabulary's special-token texts in a message, fast enough to run on every gauge recount.

    A vocabulary has thousands of them (Gemma: 6,250, mostly ``<unusedN>``), and a regex alternation of that
    many costs about 3 ms per 1,000 characters. They start with few distinct characters (``<``, ``[``, ``|``),
    so only positions holding one of those are tried, once per distinct length, by set lookup."""

    texts: frozenset[str]
    _first: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _lengths: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        texts = {text for text in self.texts if text}
        first = sorted({text[0] for text in texts})
        pattern = re.compile("[" + "".join(re.escape(char) for char in first) + "]") if first else None
        object.__setattr__(self, "_first", pattern)
        object.__setattr__(self, "_lengths", tuple(sorted({len(text) for text in texts}, reverse=True)))

    def mark(self, text: str) -> str:
        """``text`` with any marks a user typed removed and every special-token text in it marked as plain."""
        text = unmarked(text)
        if self._first is None:
            return text
        out: list[str] = []
        done = 0
        for candidate in self._first.finditer(text):
            start = candidate.start()
            if start < done:
                continue
            for length in self._lengths:
                if text[start : start + length] in self.texts:
                    out += [text[done:start], OPEN, text[start : start + length], CLOSE]
                    done = start + length
                    break
        if not out:
            return text
        out.append(text[done:])
        return "".join(out)


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
