"""Shared set-up for the benchmark scripts: the embedded model, a loaded engine, small statistics.

Kept out of ``tui/`` on purpose: benchmarks are plain scripts, never imported by the app or the tests.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from tui.core.models.hardware import physical_cores
from tui.core.paths import AppPaths
from tui.engine.embedded import embedded_model_path
from tui.engine.llama import LlamaEngine, LoadOptions

N_CTX = 4096


def model_path() -> Path:
    return embedded_model_path(AppPaths.default().models_cache_dir)


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--threads",
        type=int,
        default=physical_cores(),
        help="n_threads for every model (default: physical cores, as shotglass uses)",
    )
    return parser


def load_engine(threads: int) -> LlamaEngine:
    """The shotglass engine exactly as the app loads it; llama.cpp's log goes to a temp file."""
    log_file = Path(tempfile.gettempdir()) / "shotglass-bench-llama.log"
    return LlamaEngine(LoadOptions(model_path=model_path(), n_ctx=N_CTX, n_threads=threads, log_file=log_file))


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile: with a few hundred samples, no interpolation games."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))
    return ordered[rank]
