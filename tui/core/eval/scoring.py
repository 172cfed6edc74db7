"""How a reply is judged against the expected output: ``prefix`` (the design's rule), ``exact``, ``regex:P``
and ``choice`` (the candidate labels scored by log-probability, no sampling).

Only the reply's first line is judged for the text rules: base models continue past the answer, and the first
line is the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from tui.core.fewshot.evaluation import EvalDataError, EvalItem
from tui.core.fewshot.evaluation import is_correct as prefix_correct

MAX_LABELS = 32
"""``choice`` evaluates every label per item; past this many the data is not a label set."""
SMALL_LABEL_SET = 8
"""Outputs drawn from at most this many distinct values get a confusion matrix."""


class ScoreKind(Enum):
    PREFIX = "prefix"
    EXACT = "exact"
    REGEX = "regex"
    CHOICE = "choice"


@dataclass(frozen=True)
class Scoring:
    kind: ScoreKind = ScoreKind.PREFIX
    pattern: str = ""
    """``regex`` only: searched in the first line; its first group (or the whole match) is the answer."""
    labels: tuple[str, ...] = ()
    """``choice`` only: the candidates, each scored after the prompt."""

    @property
    def name(self) -> str:
        return f"regex:{self.pattern}" if self.kind is ScoreKind.REGEX else self.kind.value


def parse_scoring(text: str) -> Scoring:
    """``prefix`` | ``exact`` | ``regex:PATTERN`` | ``choice``; a regex that does not compile is one line."""
    text = text.strip()
    if text.startswith("regex:"):
        pattern = text.removeprefix("regex:")
        if not pattern:
            raise EvalDataError("--score regex: needs a pattern, e.g. regex:(positive|negative)")
        try:
            re.compile(pattern)
        except re.error as error:
            raise EvalDataError(f"--score {text!r}: the regex does not compile: {error}") from None
        return Scoring(ScoreKind.REGEX, pattern=pattern)
    allowed = ("prefix", "exact", "choice")
    if text not in allowed:
        raise EvalDataError(f"--score {text!r} is not one of: prefix, exact, regex:PATTERN, choice")
    return Scoring(ScoreKind(text))


def distinct_outputs(items: Sequence[EvalItem]) -> tuple[str, ...]:
    """The data's outputs, stripped, in first-seen order, case-folded duplicates merged."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.output.strip().casefold(), item.output.strip())
    return tuple(seen.values())


def parse_labels(text: str) -> tuple[str, ...]:
    labels: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise EvalDataError(f"--labels {text!r}: a label is empty (expected e.g. positive,negative)")
        if part.casefold() not in (label.casefold() for label in labels):
            labels.append(part)
    if len(labels) < 2:
        raise EvalDataError(f"--labels {text!r}: choice scoring needs at least two labels")
    return tuple(labels)


def with_labels(scoring: Scoring, items: Sequence[EvalItem], labels: tuple[str, ...] | None) -> Scoring:
    """``choice`` gets its candidates: the given labels (each must occur in the data, and every expected
    output must be one of them, else an item could never be right) or the data's distinct outputs."""
    if scoring.kind is not ScoreKind.CHOICE:
        if labels is not None:
            raise EvalDataError("--labels is only used with --score choice")
        return scoring
    outputs = distinct_outputs(items)
    folded = {output.casefold() for output in outputs}
    if labels is None:
        labels = outputs
        if len(labels) < 2:
            raise EvalDataError("--score choice: the data has only one distinct output; give --labels a,b")
    else:
        missing = [label for label in labels if label.casefold() not in folded]
        if missing:
            raise EvalDataError(f"--labels: {', '.join(map(repr, missing))} does not occur as an output in the data")
        given = {label.casefold() for label in labels}
        unlabelled = [output for output in outputs if output.casefold() not in given]
        if unlabelled:
            raise EvalDataError(f"--labels: the data also expects {unlabelled[0]!r}, which is not a label")
    if len(labels) > MAX_LABELS:
        raise EvalDataError(f"--score choice: {len(labels)} distinct outputs is not a label set (at most {MAX_LABELS})")
    return Scoring(ScoreKind.CHOICE, labels=tuple(labels))


def first_line(reply: str) -> str:
    lines = reply.strip().splitlines()
    return lines[0].strip() if lines else ""


def answer_of(scoring: Scoring, reply: str) -> str:
    """What the rule reads as the model's answer (shown in the item view and the confusion matrix)."""
    line = first_line(reply)
    if scoring.kind is ScoreKind.REGEX:
        match = re.search(scoring.pattern, line)
        if match is None:
            return ""
        return (match.group(1) if match.groups() and match.group(1) is not None else match.group(0)).strip()
    return line


def is_correct(scoring: Scoring, reply: str, expected: str) -> bool:
    if scoring.kind is ScoreKind.PREFIX:
        return prefix_correct(reply, expected)
    return answer_of(scoring, reply).casefold() == expected.strip().casefold()


def label_of(answer: str, labels: Sequence[str]) -> str | None:
    """Which label an answer is, for the confusion matrix (a reply that starts with it counts)."""
    folded = answer.strip().casefold()
    for label in sorted(labels, key=len, reverse=True):  # "negative" before "neg"
        if folded.startswith(label.casefold()):
            return label
    return None
