"""Choice vs prefix scoring per item on the shipped sentiment set (time and accuracy), and the eval screen's
throughput vs the headless loop on the same data, side by side in one run.

Why: ``--score choice`` evaluates the prompt once and each label from the shared KV prefix (two labels, one
token each here), instead of sampling up to a newline; it should be faster per item and need no sampling at
all. Rounds alternate the two modes so machine noise (a shared CPU) hits both alike; the KV cache is cleared
before each round so neither mode inherits the other's prefix. Reports the median per-item time of each mode at
each shot count, the ratio, and the accuracy (which does not vary between rounds: both are deterministic).

``--screen`` also times whole runs (prefix, greedy) through the eval screen in a headless Textual app (a
worker posting one message per item, the chart, tables and confusion redrawn per item) against the same
runner called directly, alternating; the target is a screen overhead of a few percent.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from _common import base_parser, load_engine, median

from tui.core.contract import header_line
from tui.core.eval.plan import EvalRequest
from tui.core.eval.runner import iter_records
from tui.core.eval.scoring import parse_scoring, with_labels
from tui.core.fewshot.evaluation import read_eval_data
from tui.core.fewshot.example_set import read_example_set
from tui.core.profiles.profile import DecodingProfile

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shots", default="0,1,2,4")
    parser.add_argument("--screen", action="store_true", help="also time the eval screen against the headless loop")
    args = parser.parse_args()
    engine = load_engine(args.threads)
    examples = read_example_set(EXAMPLES / "sentiment.toml")
    items = tuple(read_eval_data(EXAMPLES / "sentiment.jsonl"))
    shots = tuple(int(part) for part in args.shots.split(","))
    greedy = DecodingProfile(name="greedy")
    modes = {name: with_labels(parse_scoring(name), items, None) for name in ("prefix", "choice")}
    times: dict[tuple[str, int], list[float]] = {}
    correct: dict[tuple[str, int], int] = {}
    for _ in range(args.rounds):
        for name, scoring in modes.items():
            engine.generate("", _one_token(), lambda *_: None, threading.Event(), reuse_limit=0)  # clear the cache
            request = EvalRequest(examples, items, shots, (greedy,), scoring)
            per_cell: dict[int, list[float]] = {}
            hits: dict[int, int] = {}
            for record in iter_records(engine, request, threading.Event()):
                per_cell.setdefault(record.key.shots, []).append(record.seconds)
                hits[record.key.shots] = hits.get(record.key.shots, 0) + record.correct
            for k, seconds in per_cell.items():
                times.setdefault((name, k), []).append(sum(seconds) / len(seconds))
                correct[(name, k)] = hits[k]
    print(header_line(engine.info, engine.capabilities))
    print(f"{len(items)} items, {args.rounds} alternating rounds, median of the per-item mean per round")
    heads = ("shots", "prefix ms/item", "choice ms/item", "ratio", "prefix acc", "choice acc")
    print("  ".join(f"{head:>{max(5, len(head))}}" for head in heads))
    for k in shots:
        prefix, choice = median(times[("prefix", k)]) * 1000, median(times[("choice", k)]) * 1000
        print(
            f"{k:>5}  {prefix:>14.1f}  {choice:>14.1f}  {choice / prefix:>6.2f}  "
            f"{correct[('prefix', k)] / len(items):>10.0%}  {correct[('choice', k)] / len(items):>10.0%}"
        )
    if args.screen:
        import asyncio

        request = EvalRequest(examples, items, shots, (greedy,), modes["prefix"])
        direct, screen = [], []
        for _ in range(args.rounds):
            engine.generate("", _one_token(), lambda *_: None, threading.Event(), reuse_limit=0)
            started = time.perf_counter()
            for _record in iter_records(engine, request, threading.Event()):
                pass
            direct.append(time.perf_counter() - started)
            engine.generate("", _one_token(), lambda *_: None, threading.Event(), reuse_limit=0)
            screen.append(asyncio.run(_screen_run(engine, request)))
        per_item = request.total_items
        print(
            f"whole run, {per_item} items: headless {median(direct):.2f} s ({per_item / median(direct):.1f} items/s), "
            f"eval screen {median(screen):.2f} s ({per_item / median(screen):.1f} items/s), "
            f"ratio {median(screen) / median(direct):.3f}"
        )
    engine.close()


async def _screen_run(engine, request) -> float:
    """Seconds from pushing the eval screen to its run having ended, in a headless app."""
    from textual.app import App

    from tui.ui.eval.screen import EvalScreen

    app: App[None] = App()
    async with app.run_test(size=(140, 50)) as pilot:
        started = time.perf_counter()
        screen = EvalScreen(engine, request, "sentiment.jsonl")
        await app.push_screen(screen)
        while screen.running:
            await pilot.pause(0.01)
        return time.perf_counter() - started


def _one_token():
    from tui.core.contract import SamplingParams

    return SamplingParams(max_new_tokens=1, temperature=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, seed=1)


if __name__ == "__main__":
    main()
