"""Few-shot evaluation data and scoring: what ``shotglass eval`` computes, independent of any engine.

A reply is correct when its first line, trimmed and case-folded, starts with the expected output,
case-folded (the design's rule): base models often continue past the answer, and the first line is the
answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from tui.core.errors import UserError, shown
from tui.core.fewshot.examples import ExampleSet, PinRender
from tui.core.text_files import parse_json, read_bounded_text

MAX_DATA_FILE_BYTES = 32 * 1024 * 1024
MAX_LINE_CHARS = 64 * 1024
"""A data line longer than this is not one review or question: every item is rendered into a prompt at each
shot count, so a huge line would cost minutes before overflowing the context anyway."""


class EvalDataError(UserError):
    """An evaluation data file or ``--shots`` value is invalid."""


@dataclass(frozen=True)
class EvalItem:
    input: str
    output: str


def is_correct(reply: str, expected: str) -> bool:
    lines = reply.strip().splitlines()
    first = lines[0].strip().casefold() if lines else ""
    return first.startswith(expected.strip().casefold())


def read_eval_data(path: Path) -> list[EvalItem]:
    text = read_bounded_text(path, limit=MAX_DATA_FILE_BYTES, kind="data file", error=EvalDataError)
    where = shown(path)
    items: list[EvalItem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            raise EvalDataError(f"{where}: line {number} is {len(line):,} characters; at most {MAX_LINE_CHARS:,}")
        try:
            record = parse_json(line, f"{where}: line {number}", EvalDataError)
        except json.JSONDecodeError as error:
            raise EvalDataError(f"{where}: line {number} is not JSON: {error.msg}") from None
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("input"), str)
            or not isinstance(record.get("output"), str)
        ):
            raise EvalDataError(f"{where}: line {number} must be an object with string 'input' and 'output'")
        items.append(EvalItem(record["input"], record["output"]))
    if not items:
        raise EvalDataError(
            f"{where}: no data lines; expected JSON lines like {{\"input\": \"...\", \"output\": \"...\"}}"
        )
    return items


def parse_shots(text: str, available: int) -> list[int]:
    """``"0,1,2,4"`` -> ``[0, 1, 2, 4]``, checked against the examples the set has."""
    shots: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = int(part)
        except ValueError:
            raise EvalDataError(f"--shots: {part!r} is not a whole number (expected e.g. 0,1,2,4)") from None
        if value < 0:
            raise EvalDataError(f"--shots: {value} is negative; shot counts start at 0")
        if value > available:
            raise EvalDataError(f"--shots: {value} asks for more examples than the set has ({available})")
        if value not in shots:
            shots.append(value)
    return shots


def parse_renders(text: str) -> list[PinRender]:
    """``"turns,labelled"`` -> both ways of writing the pins, in that order."""
    allowed = [choice.value for choice in PinRender]
    renders: list[PinRender] = []
    for part in text.split(","):
        part = part.strip()
        if part not in allowed:
            raise EvalDataError(f"--render: {part!r} is not one of: {', '.join(allowed)}")
        if PinRender(part) not in renders:
            renders.append(PinRender(part))
    return renders


def first_k(examples: ExampleSet, k: int) -> ExampleSet:
    """The set with only its first ``k`` enabled examples: the k-shot prompt."""
    return replace(examples, examples=examples.enabled_examples[:k])
