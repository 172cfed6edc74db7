"""``shotglass models [--json] [--folder DIR ...]``: the GGUFs already on this machine, listed in place.

Reads only each file's metadata header, so it is quick however large the models are, and never copies
a file. Folders come from ``--folder`` and from ``models.toml`` in the config dir.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from tui.core.models.scan import ModelEntry, model_entries, result_to_json, scan_models, skipped_files
from tui.core.models.sources import MODELS_CONFIG_NAME, default_sources, read_folder_config
from tui.core.paths import AppPaths

_COLUMNS = ("name", "source", "arch", "params", "quant", "size", "ctx", "template", "path")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "models", help="list the GGUF models on this machine (HF cache, LM Studio, Ollama, your folders)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.add_argument(
        "--folder",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help=f"also scan DIR for *.gguf, recursively (repeatable; permanent ones go in "
        f"{MODELS_CONFIG_NAME} in the config dir as folders = [...])",
    )
    return parser


def run_models(
    args: argparse.Namespace,
    paths: AppPaths,
    embedded_path: Path | None,
    *,
    out: TextIO = sys.stdout,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> int:
    folders = (*read_folder_config(paths.config_dir), *getattr(args, "folder", []))
    results = scan_models(default_sources(embedded_path, folders, env=env, home=home))
    if getattr(args, "json", False):
        out.write(json.dumps([result_to_json(item) for item in results], ensure_ascii=False, indent=2) + "\n")
        return 0
    models = model_entries(results)
    if models:
        rows = [_row(entry) for entry in models]
        widths = [max(len(column), *(len(row[index]) for row in rows)) for index, column in enumerate(_COLUMNS)]
        out.write(_line(_COLUMNS, widths) + "\n")
        for entry, row in zip(models, rows):
            out.write(_line(row, widths) + "\n")
            for alias in entry.aliases:
                out.write(f"{'':<{widths[0]}}  also {alias}\n")
    else:
        out.write("no GGUF models found\n")
    skipped = skipped_files(results)
    if skipped:
        out.write(f"\nskipped {len(skipped)}:\n")
        for item in skipped:
            out.write(f"  {item.path}: {item.reason}\n")
    return 0


def _row(entry: ModelEntry) -> tuple[str, ...]:
    parts = f" ({entry.split_parts} parts)" if entry.split_parts > 1 else ""
    return (
        entry.name,
        entry.source.value,
        entry.architecture,
        entry.parameters or "?",
        entry.quantization,
        entry.size_label + parts,
        str(entry.context_length) if entry.context_length is not None else "?",
        "yes" if entry.has_chat_template else "no",
        str(entry.path),
    )


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    # The last column (the path) is not padded: no trailing spaces.
    return "  ".join(cell.ljust(width) for cell, width in zip(cells[:-1], widths)) + "  " + cells[-1]
