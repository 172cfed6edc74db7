"""The TUI in a real terminal (tmux) vs `shotglass ask`, the same greedy reply, runs alternating.

What a user sees: the installed `shotglass` drawn by tmux at 120x40, its reply's tokens/s as saved with the
reply (the stats line shows it rounded), against `shotglass ask --json` for the same prompt and profile. Both
are fresh processes on the embedded model with an empty chat, so the prompt, the reply and the context are
the same on both sides; each run must produce exactly ``--tokens`` tokens or the summary says NOT COMPARABLE.

    python benchmarks/bench_tui_tmux.py [--runs 3] [--tokens 300]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import median
from bench_tui_stream import PROMPT

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from tmux_session import XDG_KEYS, tmux, wait_for  # noqa: E402  (the tmux tests' own helpers)

PROFILE = "bench-greedy"


def isolated_env(root: Path, tokens: int) -> dict[str, str]:
    """XDG folders of its own (the user's history and profiles stay untouched), with the benchmark's profile."""
    env = dict(os.environ)
    for key in XDG_KEYS:
        env[key] = str(root / key.lower())
    profiles = root / "xdg_config_home" / "shotglass" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / f"{PROFILE}.toml").write_text(
        f'schema_version = 1\nname = "{PROFILE}"\nmax_new_tokens = {tokens}\ntemperature = 0.0\ntop_k = 1\n'
        "top_p = 1.0\nmin_p = 0.0\nrepeat_penalty = 1.0\nstop = []\n",
        encoding="utf-8",
    )
    return env


def headless(shotglass: str, env: dict[str, str]) -> tuple[float, int]:
    out = subprocess.run(
        [shotglass, "ask", PROMPT, "--profile", PROFILE, "--json"], env=env, capture_output=True, text=True, check=True
    ).stdout
    reply = json.loads(out)
    return float(reply["tokens_per_s"]), int(reply["completion_tokens"])


def in_tmux(shotglass: str, env: dict[str, str]) -> tuple[float, int]:
    session = f"bench-{uuid.uuid4().hex[:8]}"
    env_args = [arg for key in XDG_KEYS for arg in ("-e", f"{key}={env[key]}")]
    command = f"{shotglass} --new --profile {PROFILE}"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", *env_args, command)
    try:
        wait_for(session, r"tokens \(\d+%\)", 60)
        tmux("send-keys", "-t", session, "-l", PROMPT)
        wait_for(session, r"draft [1-9]", 10)
        tmux("send-keys", "-t", session, "Enter")
        wait_for(session, r"(max new tokens reached|end of sequence|stop string) · " + PROFILE, 120)
        time.sleep(0.5)  # the exchange reaches the history writer
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return saved_rate(shotglass, env)


def saved_rate(shotglass: str, env: dict[str, str]) -> tuple[float, int]:
    """The reply's tokens/s as the TUI measured and saved it (unrounded), from the history's JSON export."""
    listing = subprocess.run([shotglass, "history", "list"], env=env, capture_output=True, text=True, check=True)
    newest = re.findall(r"^\s*(\d+)", listing.stdout, re.MULTILINE)
    exported = subprocess.run(
        [shotglass, "history", "export", max(newest, key=int), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stats = [entry for entry in json.loads(exported)["metadata"]["messages"] if "tokens_per_s" in entry]
    return float(stats[-1]["tokens_per_s"]), int(stats[-1]["completion_tokens"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=300)
    args = parser.parse_args()
    shotglass = shutil.which("shotglass") or sys.exit("shotglass is not installed (pip install -e .)")
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed")
    rates: dict[str, list[float]] = {"ask": [], "tui": []}
    counts: set[int] = set()
    with tempfile.TemporaryDirectory(prefix="shotglass-bench-tmux-") as root:
        env = isolated_env(Path(root), args.tokens)
        headless(shotglass, env)  # warm-up: the embedded model assembled into the cache, files in the page cache
        for run in range(args.runs):
            for side, measure in (("ask", headless), ("tui", in_tmux)):
                rate, count = measure(shotglass, env)
                rates[side].append(rate)
                counts.add(count)
                print(f"run {run + 1} {side:<4} {rate:6.1f} tok/s  {count} tokens", flush=True)
    ratio = median(rates["tui"]) / median(rates["ask"])
    verdict = f"{ratio:.2f}x" if counts == {args.tokens} else f"NOT COMPARABLE (replies of {sorted(counts)} tokens)"
    print(f"\nsummary: TUI in tmux / ask tokens/s (median of {args.runs}), turn 1: {verdict}")


if __name__ == "__main__":
    main()
