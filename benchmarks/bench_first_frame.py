"""Start to the first frame, and to the model being ready, of the installed `shotglass` in tmux.

What a user sees at start: a fresh `shotglass --new` process in a 120x40 tmux session, timed from the session's
start to the first frame (the header is drawn: the model loads in a worker behind it) and to the gauge's first
exact count (the model is loaded and has counted the prompt). Side by side in the same run: `shotglass
--version`, the interpreter starting and the command line parsing, the floor any start pays. Runs alternate.

    python benchmarks/bench_first_frame.py [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import median
from bench_tui_tmux import isolated_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from tmux_session import XDG_KEYS, tmux  # noqa: E402  (the tmux tests' own helpers)

FIRST_FRAME = re.compile(r"^ shotglass ", re.MULTILINE)
"""The header's first cell: drawn with the first frame, before the model is loaded."""
READY = re.compile(r"tokens \(\d+%\)")
"""The gauge's exact count: the model is loaded and has tokenized the prompt."""


def version_s(shotglass: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([shotglass, "--version"], env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def start_s(shotglass: str, env: dict[str, str]) -> tuple[float, float]:
    """(seconds to the first frame, seconds to the model being ready), polling the pane every 10 ms."""
    session = f"bench-{uuid.uuid4().hex[:8]}"
    env_args = [arg for key in XDG_KEYS for arg in ("-e", f"{key}={env[key]}")]
    started = time.perf_counter()
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", *env_args, f"{shotglass} --new")
    first = None
    try:
        deadline = started + 60
        while time.perf_counter() < deadline:
            screen = tmux("capture-pane", "-t", session, "-p")
            now = time.perf_counter() - started
            if first is None and FIRST_FRAME.search(screen):
                first = now
            if READY.search(screen):
                return first if first is not None else now, now
            time.sleep(0.01)
        raise RuntimeError(f"shotglass never became ready; last screen:\n{screen}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    shotglass = shutil.which("shotglass") or sys.exit("shotglass is not installed (pip install -e .)")
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed")
    versions, firsts, readies = [], [], []
    with tempfile.TemporaryDirectory(prefix="shotglass-bench-start-") as root:
        env = isolated_env(Path(root), 16)
        start_s(shotglass, env)  # warm-up: the embedded model assembled into the cache, files in the page cache
        for run in range(args.runs):
            versions.append(version_s(shotglass, env))
            first, ready = start_s(shotglass, env)
            firsts.append(first)
            readies.append(ready)
            print(f"run {run + 1}: --version {versions[-1]:.2f} s, first frame {first:.2f} s, ready {ready:.2f} s")
    print(
        f"\nsummary (median of {args.runs}): first frame {median(firsts):.2f} s "
        f"({median(firsts) / median(versions):.1f}x `--version`'s {median(versions):.2f} s), "
        f"model ready {median(readies):.2f} s"
    )


if __name__ == "__main__":
    main()
