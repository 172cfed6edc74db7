"""``shotglass runs list | show ID | compare A B``: the prompt-lab runs kept in the history database, headless.

Every ``shotglass eval`` and every eval-screen run is saved there (unless ``--no-history``). ``--json`` prints
the saved rows as they are; ``show --csv`` the results table, like ``eval --csv``. Errors are ``HistoryError``
(a ``UserError``): one line, exit 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime
from typing import TextIO

from tui.core.paths import AppPaths


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    runs = subparsers.add_parser("runs", help="list, show and compare saved prompt-lab (eval) runs")
    actions = runs.add_subparsers(dest="runs_action", required=True, parser_class=type(runs))
    listing = actions.add_parser("list", help="saved eval runs, newest first")
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    show = actions.add_parser("show", help="one run's results table")
    show.add_argument("id", type=int)
    form = show.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print the run as JSON")
    form.add_argument("--csv", action="store_true", help="print the results as CSV")
    compare = actions.add_parser("compare", help="two runs side by side, cell by cell")
    compare.add_argument("left", type=int)
    compare.add_argument("right", type=int)
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    return runs


def run_runs(args: argparse.Namespace, paths: AppPaths, out: TextIO = sys.stdout) -> int:
    from tui.core.history.eval_runs import get_run, list_runs
    from tui.core.history.store import HistoryStore

    with HistoryStore.for_paths(paths) as store:
        if args.runs_action == "list":
            runs = list_runs(store, max(1, args.limit))
            if args.json:
                out.write(json.dumps({"runs": [run.to_json() for run in runs]}) + "\n")
                return 0
            if not runs:
                out.write("no saved eval runs yet (run 'shotglass eval' or the eval screen)\n")
            for run in runs:
                best = max((float(row.get("accuracy", 0.0)) for row in run.results), default=0.0)
                stopped = " (stopped)" if run.stopped else ""
                out.write(
                    f"{run.id:>4}  {_when(run.created_at)}  {run.dataset} ({run.items} items, "
                    f"{run.dataset_sha256[:8]})  '{run.example_set}'  {', '.join(run.profiles)}  {run.score}  "
                    f"{run.model_name}  best {best:.0%}{stopped}\n"
                )
            return 0
        if args.runs_action == "show":
            run = get_run(store, args.id)
            if args.json:
                out.write(json.dumps(run.to_json()) + "\n")
            elif args.csv:
                out.write(_csv(run.results))
            else:
                out.write(f"run {run.id} · {run.dataset} · '{run.example_set}' · {run.score} · {run.model_name}\n")
                for row in run.results:
                    out.write(_row_line(row) + "\n")
            return 0
        return _compare(get_run(store, args.left), get_run(store, args.right), args.json, out)


def _compare(left, right, as_json: bool, out: TextIO) -> int:
    from tui.core.eval.compare import cell_text, compare_results

    cells = compare_results(left.results, right.results)
    if as_json:
        rows = [
            {
                "profile": c.profile,
                "shots": c.shots,
                "render": c.render or None,
                "left": c.left,
                "right": c.right,
                "delta": None if c.delta is None else round(c.delta, 4),
            }
            for c in cells
        ]
        out.write(
            json.dumps(
                {
                    "left": left.id,
                    "right": right.id,
                    "same_dataset": left.dataset_sha256 == right.dataset_sha256,
                    "cells": rows,
                }
            )
            + "\n"
        )
        return 0
    if left.dataset_sha256 != right.dataset_sha256:
        out.write("note: the two runs measured different datasets\n")
    out.write(f"{'profile':<20} {'shots':>5}  {f'run {left.id}':>14}  {f'run {right.id}':>14}  change\n")
    for cell in cells:
        change = "" if cell.delta is None else f"{cell.delta:+.0%}"
        name = cell.profile + (f" ({cell.render})" if cell.render else "")
        out.write(f"{name:<20} {cell.shots:>5}  {cell_text(cell.left):>14}  {cell_text(cell.right):>14}  {change}\n")
    return 0


def _row_line(row: dict) -> str:
    from tui.core.eval.compare import cell_text

    render = f" ({row['render']})" if row.get("render") else ""
    return f"  {row.get('profile', '')}{render} {row.get('shots', '?')}-shot  {cell_text(row)}"


def _csv(rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("profile", "render", "shots", "correct", "total", "accuracy", "spread", "repeats"))
    for row in rows:
        writer.writerow(
            tuple(
                row.get(key, "")
                for key in ("profile", "render", "shots", "correct", "total", "accuracy", "spread", "repeats")
            )
        )
    return buffer.getvalue()


def _when(timestamp: float) -> str:
    try:
        return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return "????-??-?? ??:??"
