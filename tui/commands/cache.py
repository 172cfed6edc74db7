"""``shotglass cache info|clear``: the embedded model and the saved prompt states in the cache folder."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from tui.core.kvcache.store import PromptStateCache, budget_from_env
from tui.core.paths import AppPaths


def prompt_state_cache(paths: AppPaths) -> PromptStateCache:
    """Where every engine of this installation keeps its prompt states, with the budget in force."""
    return PromptStateCache(paths.cache_dir / "prompt-states", budget_from_env())


def register(commands: Any) -> None:
    cache = commands.add_parser("cache", help="saved prompt states (instant resume) and the embedded model")
    actions = cache.add_subparsers(dest="action", required=True)
    actions.add_parser("info", help="what is cached, its size and the budget")
    actions.add_parser("clear", help="delete the saved prompt states (the embedded model stays)")


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def run_cache(args: argparse.Namespace, paths: AppPaths, *, out: TextIO = sys.stdout) -> int:
    states = prompt_state_cache(paths)
    if args.action == "clear":
        removed = states.clear()
        out.write(f"removed {removed} saved prompt state{'s' if removed != 1 else ''} from {states.root}\n")
        return 0
    info = states.info()
    models = sorted(paths.models_cache_dir.glob("*.gguf")) if paths.models_cache_dir.is_dir() else []
    out.write(f"cache folder: {paths.cache_dir}\n")
    for model in models:
        out.write(f"embedded model: {model.name} ({_mib(model.stat().st_size)})\n")
    out.write(
        f"saved prompt states: {info.entries} ({_mib(info.size_bytes)} of a {_mib(info.budget_bytes)} budget; "
        "least recently used go first; SHOTGLASS_STATE_CACHE_BYTES sets the budget)\n"
    )
    return 0
