"""``shotglass eval``: score a few-shot task at several shot counts, profiles and repeats on the loaded model.

Every data line is run in every cell (shot count x profile x render x repeat) with the first k examples pinned,
through the same prompt function as the chat (``tui.core.eval.runner``, shared with the TUI's eval screen).
Scores are computed from the replies (or, for ``--score choice``, the labels' log-probabilities), never assumed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from tui.core.contract import Engine
from tui.core.eval.advice import advise, curve
from tui.core.eval.confusion import confusion
from tui.core.eval.export import results_csv, results_json
from tui.core.eval.plan import EvalRequest
from tui.core.eval.runner import check_engine, iter_records
from tui.core.eval.scoring import ScoreKind, distinct_outputs
from tui.core.eval.tally import CellSummary, EvalTally
from tui.core.output_file import write_new_text


def run_eval(
    engine: Engine,
    request: EvalRequest,
    *,
    as_json: bool = False,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    csv_path: Path | None = None,
    force: bool = False,
    save_run: Callable[[tuple[CellSummary, ...]], str] | None = None,
) -> int:
    """Completion-format models see labelled pins whatever ``--render`` says, and are told so."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    check_engine(engine, request)
    tally = EvalTally()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=err),
        transient=True,
        disable=not err.isatty(),
    ) as progress:
        task = progress.add_task("eval", total=request.total_items)
        for record in iter_records(engine, request, threading.Event()):
            tally.add(record)
            progress.update(task, advance=1, description=record.key.label)
    if any(render is not None for render in request.renders) and "chat template" not in engine.info.prompt_format:
        err.write(f"note: {engine.info.name} has no chat template; its prompt is labelled whatever --render says\n")
    engine.save_prompt_state()  # the pinned examples' prefix, for the next run over the same set
    summaries = tally.summaries()
    advice = tuple(
        line
        for profile in request.profiles
        for line in advise(curve(summaries, profile.name), request.target, profile.name)
    )
    if csv_path is not None:
        write_new_text(csv_path, results_csv(summaries), force=force)
    if save_run is not None:
        err.write(save_run(summaries) + "\n")  # a line either way: where the run is kept, or why it is not
    if as_json:
        out.write(results_json(summaries, advice=advice, scoring=request.scoring.name) + "\n")
        return 0
    _print_table(engine, request, summaries, out)
    _print_confusion(request, tally, out)
    for line in advice:
        out.write(f"advice: {line}\n")
    return 0


def _print_table(engine: Engine, request: EvalRequest, summaries: tuple[CellSummary, ...], out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    names = ", ".join(profile.name for profile in request.profiles)
    table = Table(
        title=f"{request.examples.name} · {len(request.items)} items · {request.scoring.name} · "
        f"profile {names} · {engine.info.name}"
    )
    profiles = len(request.profiles) > 1
    compared = any(summary.key.render is not None for summary in summaries)
    spread = any(summary.spread is not None for summary in summaries)
    columns = (
        ("profile",) * profiles
        + ("render",) * compared
        + ("shots", "correct/total", "accuracy")
        + ("spread",) * spread
        + ("prompt tokens/item", "seconds")
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "profile" else "right")
    for summary in summaries:
        table.add_row(
            *((summary.key.profile,) if profiles else ()),
            *((summary.key.render.value if summary.key.render else "",) if compared else ()),
            f"{summary.key.shots}-shot",
            f"{summary.correct}/{summary.total}",
            f"{summary.accuracy:.0%}",
            *((f"±{summary.spread:.0%}" if summary.spread is not None else "",) if spread else ()),
            str(summary.prompt_tokens),
            f"{summary.seconds:.1f}",
        )
    Console(file=out, width=110).print(table)


def _print_confusion(request: EvalRequest, tally: EvalTally, out: TextIO) -> None:
    """The last cell's matrix (the most shots of the last profile): where the errors that remain are."""
    labels = request.scoring.labels if request.scoring.kind is ScoreKind.CHOICE else distinct_outputs(request.items)
    if not tally.keys:
        return
    key = tally.keys[-1]
    matrix = confusion(tally.cell_records(key), labels)
    if matrix is None:
        return
    width = max(len(column) for column in (*matrix.columns, "expected"))
    out.write(f"confusion ({key.label}), rows expected, columns got:\n")
    out.write(" " * width + "".join(f"  {column:>{width}}" for column in matrix.columns) + "\n")
    for label, counts in matrix.rows():
        out.write(f"{label:>{width}}" + "".join(f"  {count:>{width}}" for count in counts) + "\n")
