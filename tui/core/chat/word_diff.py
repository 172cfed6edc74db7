"""Which words of one reply differ from a reference reply: what the compare view highlights."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_WORD = re.compile(r"\S+")


def differing_spans(reference: str, text: str) -> list[tuple[int, int]]:
    """Character spans of ``text``'s words that are not in the aligned ``reference`` (case-sensitive)."""
    ref_words = _WORD.findall(reference)
    matches = list(_WORD.finditer(text))
    words = [match.group() for match in matches]
    spans: list[tuple[int, int]] = []
    matcher = SequenceMatcher(a=ref_words, b=words, autojunk=False)
    for tag, _a0, _a1, b0, b1 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            spans.extend((matches[index].start(), matches[index].end()) for index in range(b0, b1))
    return spans
