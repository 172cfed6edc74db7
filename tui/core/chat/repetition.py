"""Spot a reply that loops: greedy decoding's known failure on small models."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Loop:
    phrase: str
    times: int

    def advice(self) -> str:
        return (
            f"⟳ this reply repeats “{self.phrase}” {self.times} times: try the low-repetition profile "
            "(repeat penalty) or a sampling profile"
        )


def find_loop(text: str, min_times: int = 3, sizes: tuple[int, ...] = (2, 3, 4, 5, 6, 8)) -> Loop | None:
    """The most repeated n-gram (n in ``sizes``) occurring at least ``min_times`` times, if any.

    Longer n-grams win ties, so "the cat sat. the cat sat." reports the sentence, not "the cat".
    """
    matches = list(_WORD.finditer(text))
    words = [match.group().lower() for match in matches]
    best: Loop | None = None
    for size in sizes:
        if len(words) < size * min_times:
            break
        counts: dict[tuple[str, ...], int] = {}
        first: dict[tuple[str, ...], int] = {}
        for start in range(len(words) - size + 1):
            gram = tuple(words[start : start + size])
            counts[gram] = counts.get(gram, 0) + 1
            first.setdefault(gram, start)
        gram, times = max(counts.items(), key=lambda item: item[1])
        if times >= min_times and sum(len(word) for word in gram) >= 6 and (best is None or times >= best.times):
            start = first[gram]
            # Quote the phrase as the model wrote it (case and spacing), not as it was compared.
            best = Loop(text[matches[start].start() : matches[start + size - 1].end()], times)
    return best
