"""Run results as text people keep: the JSON object of ``eval --json`` and the CSV of ``--csv``.

The JSON contract is the headless one (``{"results": [{"shots", "correct", "total", "accuracy", ...}]}``); rows
gained ``profile``, and ``spread``/``repeats`` for repeated sampling profiles. The CSV has the same rows, one
line per cell, so a spreadsheet reads what the table shows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from tui.core.eval.records import ItemRecord
from tui.core.eval.tally import CellSummary
from tui.core.fewshot.evaluation import EvalDataError
from tui.core.output_file import Existing, existing

CSV_COLUMNS = (
    "profile",
    "render",
    "shots",
    "correct",
    "total",
    "accuracy",
    "spread",
    "repeats",
    "prompt_tokens_per_item",
    "seconds",
)


def results_json(
    summaries: Sequence[CellSummary],
    *,
    advice: Sequence[str] = (),
    scoring: str | None = None,
    records: Sequence[ItemRecord] | None = None,
) -> str:
    document: dict[str, object] = {"results": [summary.to_json() for summary in summaries]}
    if scoring is not None:
        document["score"] = scoring
    if advice:
        document["advice"] = list(advice)
    if records is not None:
        document["items"] = [record.to_json() for record in records]
    return json.dumps(document)


def results_csv(summaries: Sequence[CellSummary]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for summary in summaries:
        writer.writerow(
            (
                summary.key.profile,
                summary.key.render.value if summary.key.render is not None else "",
                summary.key.shots,
                summary.correct,
                summary.total,
                f"{summary.accuracy:.4f}",
                f"{summary.spread:.4f}" if summary.spread is not None else "",
                summary.repeats,
                summary.prompt_tokens,
                f"{summary.seconds:.3f}",
            )
        )
    return buffer.getvalue()


def check_new_file(path: Path, force: bool, flag: str = "--csv") -> None:
    """Refuse before the run, not after it: a run is minutes of model time and the file is its only result."""
    found = existing(path)
    if found is Existing.NOTHING or (found is Existing.FILE and force):
        if not path.parent.is_dir():
            raise EvalDataError(f"{flag} {path}: the folder {path.parent} does not exist")
        return
    if found is Existing.FILE:
        raise EvalDataError(f"{flag} {path}: already exists; use --force to overwrite it")
    raise EvalDataError(f"{flag} {path}: cannot write: it is {found.value}, which shotglass never replaces")
