"""Memory of a long TUI session, and whether Ctrl+N gives it back: RSS and the Python heap, side by side.

The real app runs headless (``App.run_test`` and its Pilot, as the UI tests drive it). Readings, each after
``gc.collect()``: the app just started; the same app after one warm-up exchange, one inspector look and
Ctrl+N (what any first use loads once: Markdown parser, Textual's style and render caches, lazy imports);
after 10, 30 and 90 exchanges; after M inspector (F8) open/close cycles; after Ctrl+N. The table ends with the
ratio after-Ctrl+N / warm start for both measures (target: within 5%) and the growth per turn between 30
and 90 turns (bounded: the transcript keeps at most ``MAX_MOUNTED`` views mounted).

Two engines: ``fake`` (the scripted engine, deterministic ~150-token Markdown replies, streamed in several
batches; an inspector that re-scores like ``tests/ui_helpers.py``'s ``InspectableFake``) and ``model``
(the embedded Gemma 3 270M through ``LlamaEngine``, real generation and real re-scoring). With
``--history`` the chat is written to a SQLite history in a temp dir, through the app's writer thread.

RSS (``/proc/self/status``) is the process as the OS sees it, llama.cpp's buffers too, split into anonymous
memory (heaps, llama.cpp's buffers) and file pages (mostly the mmapped GGUF). It is the target: after Ctrl+N
the process returns to within 5% of the fresh start.

``--heap`` also traces the Python heap with ``tracemalloc`` from just before the app is built: what this session
made and still holds, without the interpreter and the imports. tracemalloc's own bookkeeping lies outside the heap
it reports and is not given back when the blocks it traced are freed: under ``--heap`` RSS after Ctrl+N read
28 MiB higher than without it (10 and 30 model turns), so the RSS ratios are then not the app's. The
allocator may keep freed pages: a heap back at its start with RSS higher means the memory is free inside the
process, not leaked. ``--top N`` (with ``--heap``) prints the N allocation sites (grouped by traceback) that
grew most from warm start to after Ctrl+N, to find where memory goes.

    python benchmarks/bench_memory.py                          # fake engine, ~7 min on 2 busy cores
    python benchmarks/bench_memory.py --engine model --turns 10,30 --inspects 10   # ~3-4 min
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import math
import tempfile
import time
import tracemalloc
from pathlib import Path

from _common import base_parser, load_engine

from tui.core.chat.state import Turn
from tui.core.contract import EngineCapabilities
from tui.core.history.store import HistoryStore
from tui.core.inspector.scores import PositionScores
from tui.core.profiles.profile import DecodingProfile
from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine, fake_tokens
from tui.ui.app import AppSettings, ShotglassApp
from tui.ui.chat.message_view import MessageView
from tui.ui.inspector.screen import InspectorScreen

MIB = 1024 * 1024
WORDS = (
    "the model reads every token of the prompt before it writes the first word of its reply, so a long "
    "history costs time at each turn unless the prefix is reused from the cache"
).split()


def scripted_reply(turn: int, tokens: int) -> str:
    """A deterministic reply of about ``tokens`` fake tokens with the Markdown a model writes: a heading,
    paragraphs, a list and inline code, different at every turn so no two replies share their strings."""
    words = [f"{WORDS[(turn * 7 + i) % len(WORDS)]}{'' if i % 9 else f'-{turn}'}" for i in range(tokens - 12)]
    lines = [f"## Answer {turn}", ""]
    lines.append(" ".join(words[: len(words) // 2]) + ".")
    lines.append("")
    lines.extend(f"- item {turn}.{k}: `value_{k}`" for k in range(3))
    lines.append("")
    lines.append(" ".join(words[len(words) // 2 :]) + ".")
    return "\n".join(lines)


@dataclasses.dataclass
class ScriptedInspectable(FakeEngine):
    """The scripted engine with re-scoring: four candidates per position, the chosen one first."""

    capabilities: EngineCapabilities = dataclasses.field(
        default_factory=lambda: EngineCapabilities(rescoring=True, reuse_limit=True)
    )

    def rescore(self, prompt, reply_tokens, profile, reuse_limit, cancel):
        logits = [2.0, 1.0, 0.5, 0.0]
        lse = math.log(sum(math.exp(value) for value in logits))
        return [
            PositionScores(
                position=position,
                chosen=token,
                candidates=tuple(zip([token, 100, 101, 102], ["tok", "alt", "b", "c"], logits)),
                lse=lse,
                lse_at_temperature=lse,
                kept_top_k=4,
                kept_top_p=4,
                kept_min_p=4,
                lse_survivors_at_temperature=lse,
            )
            for position, token in enumerate(reply_tokens)
        ]


@dataclasses.dataclass(frozen=True)
class Reading:
    label: str
    rss_mib: float
    anon_mib: float
    file_mib: float
    heap_mib: float
    views: int
    turns: int
    inspectors: int


def rss_mib() -> tuple[float, float, float]:
    """RSS, and its anonymous memory (heaps, llama.cpp's buffers) and file pages (the mmapped GGUF, libraries), in
    one read of ``/proc/self/status``: file pages are the model's weights as the OS pages them in, shared and given
    back under pressure."""
    parts = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                parts[key] = int(value.split()[0]) / 1024
    return parts["VmRSS"], parts.get("RssAnon", math.nan), parts.get("RssFile", math.nan)


def count_live(kind: type) -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, kind))


def read(engine: object, label: str) -> Reading:
    if isinstance(engine, FakeEngine):  # what the scripted engine logs for tests is not the app's memory
        engine.requests.clear()
        engine.reuse_limits.clear()
        engine.forced.clear()
    gc.collect()
    return Reading(
        label,
        *rss_mib(),
        tracemalloc.get_traced_memory()[0] / MIB if tracemalloc.is_tracing() else math.nan,
        count_live(MessageView),
        count_live(Turn),
        count_live(InspectorScreen),
    )


async def wait_for(pilot, condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not get there in time")
        await pilot.pause(0.02)


async def exchange(pilot, text: str, timeout: float) -> None:
    screen = pilot.app.screen
    count = len(screen.state.messages)
    box = screen.query_one("#input")
    box.text = text
    box.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(screen.state.messages) == count + 2 and not screen.generating, timeout)


async def inspect_once(pilot, timeout: float) -> None:
    app = pilot.app
    chat = app.screen
    await pilot.press("f8")
    await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen) and bool(app.screen.scores), timeout)
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is chat, timeout)


async def new_chat(pilot) -> None:
    screen = pilot.app.screen
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: not screen.state.messages and screen.query("#welcome"), 10)
    await pilot.pause(0.2)
    pilot.app.clear_notifications()  # toasts expire on their own timer; a reading measures what is kept
    await pilot.pause(0.1)


async def session(
    app: ShotglassApp, checkpoints: list[int], inspects: int, second: int, timeout: float
) -> list[Reading]:
    readings = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        readings.append(read(app.engine, "fresh start"))
        await exchange(pilot, "Warm-up: what is a prompt?", timeout)
        await inspect_once(pilot, timeout)
        await new_chat(pilot)
        readings.append(read(app.engine, "warm start (1 turn, F8, Ctrl+N)"))
        warm = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
        done = 0
        for target in checkpoints:
            while done < target:
                done += 1
                await exchange(pilot, f"Question {done}: how does the context window fill up?", timeout)
            app.clear_notifications()
            readings.append(read(app.engine, f"after {done} turns"))
        for _ in range(inspects):
            await inspect_once(pilot, timeout)
        app.clear_notifications()
        readings.append(read(app.engine, f"after {inspects} F8 open/close"))
        await new_chat(pilot)
        readings.append(read(app.engine, "after Ctrl+N"))
        after = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
        for turn in range(second):  # a second chat: whatever stays after Ctrl+N must not add up chat after chat
            await exchange(pilot, f"Second chat {turn}: and after a new chat?", timeout)
        await inspect_once(pilot, timeout)
        await new_chat(pilot)
        readings.append(read(app.engine, f"2nd chat ({second} turns, F8), Ctrl+N"))
    session.snapshots = (warm, after)  # type: ignore[attr-defined]
    return readings


def print_top(limit: int) -> None:
    warm, after = session.snapshots  # type: ignore[attr-defined]
    filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = after.filter_traces(filters).compare_to(warm.filter_traces(filters), "traceback")
    print(f"\ngrowth from warm start to after Ctrl+N, top {limit} allocation sites:")
    for stat in stats[:limit]:
        print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks")
        for line in stat.traceback.format(limit=6)[-12:]:
            print(f"      {line}")


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("fake", "model"), default="fake")
    parser.add_argument("--turns", default="10,30,90", help="checkpoints, in exchanges (default 10,30,90)")
    parser.add_argument("--inspects", type=int, default=30, help="F8 open/close cycles (default 30)")
    parser.add_argument("--tokens", type=int, default=150, help="new tokens per reply (default 150)")
    parser.add_argument("--token-delay-ms", type=float, default=2.0, help="fake engine: delay per token")
    parser.add_argument("--history", action="store_true", help="write the chat to a SQLite history (temp dir)")
    parser.add_argument("--heap", action="store_true", help="also trace the Python heap (RSS then reads high)")
    parser.add_argument("--frames", type=int, default=1, help="traceback depth kept by tracemalloc")
    parser.add_argument("--top", type=int, default=0, help="print the N allocation sites that grew most")
    args = parser.parse_args()
    checkpoints = sorted(int(value) for value in args.turns.split(","))
    scratch = Path(tempfile.mkdtemp(prefix="shotglass-bench-memory-"))
    store = ProfileStore(scratch / "profiles")  # the user's profiles and history stay untouched
    profile = DecodingProfile(name="bench-greedy", max_new_tokens=args.tokens)
    store.save(profile)
    if args.engine == "fake":
        engine = ScriptedInspectable(token_delay_s=args.token_delay_ms / 1000, n_ctx=8192)
        engine.script(*(scripted_reply(turn, args.tokens) for turn in range(checkpoints[-1] + 1)))
        engine.default_reply = scripted_reply(0, args.tokens)
        described = f"scripted engine, {len(fake_tokens(engine.default_reply))}-token Markdown replies"
    else:
        engine = load_engine(args.threads)
        described = f"{engine.info.name}, greedy, up to {args.tokens} new tokens, n_ctx {engine.info.n_ctx}"
    history = HistoryStore(scratch / "history.sqlite3") if args.history else None
    if args.heap or args.top:
        tracemalloc.start(args.frames)
    app = ShotglassApp(AppSettings(engine=engine, profiles=store, profile=profile, history=history, resume=False))
    readings = asyncio.run(
        session(app, checkpoints, args.inspects, checkpoints[0], timeout=600 if args.engine == "model" else 30)
    )
    print(f"engine: {described}; history: {'SQLite in a temp dir' if history else 'off'}\n")
    print(
        f"{'reading':<34}{'RSS MiB':>9}{'anon':>7}{'file':>7}{'heap MiB':>10}"
        f"{'MessageView':>13}{'Turn':>6}{'Inspector':>11}"
    )
    for r in readings:
        print(
            f"{r.label:<34}{r.rss_mib:>9.1f}{r.anon_mib:>7.1f}{r.file_mib:>7.1f}{r.heap_mib:>10.2f}{r.views:>13}{r.turns:>6}{r.inspectors:>11}"
        )
    by_label = {r.label: r for r in readings}
    fresh, warm, cleared, again = readings[0], readings[1], readings[-2], readings[-1]
    last, first = by_label[f"after {checkpoints[-1]} turns"], by_label[f"after {checkpoints[0]} turns"]
    span = checkpoints[-1] - checkpoints[0]
    per_turn_heap = (last.heap_mib - first.heap_mib) / span * 1024 if span else float("nan")
    per_turn_rss = (last.rss_mib - first.rss_mib) / span * 1024 if span else float("nan")
    inspected = readings[-3]
    per_inspect = (inspected.heap_mib - last.heap_mib) / max(1, args.inspects) * 1024
    fresh_rss, warm_rss = cleared.rss_mib / fresh.rss_mib, cleared.rss_mib / warm.rss_mib
    print(f"\nafter Ctrl+N / fresh start: RSS {fresh_rss:.3f} (heap {cleared.heap_mib / fresh.heap_mib:.3f})")
    print(f"after Ctrl+N / warm start:  RSS {warm_rss:.3f} (heap {cleared.heap_mib / warm.heap_mib:.3f})")
    print(
        f"after the 2nd chat's Ctrl+N / after the 1st's: RSS {again.rss_mib / cleared.rss_mib:.3f} "
        f"(heap {again.heap_mib / cleared.heap_mib:.3f})"
    )
    print(
        f"per turn ({checkpoints[0]}->{checkpoints[-1]}): RSS {per_turn_rss:+.1f} KiB, heap {per_turn_heap:+.1f} KiB; "
        f"per F8 open/close: heap {per_inspect:+.1f} KiB"
    )
    verdict = "meets" if fresh_rss <= 1.05 else "MISSES"
    traced = " (traced: RSS reads high)" if tracemalloc.is_tracing() else ""
    print(
        f"summary: after Ctrl+N RSS is {fresh_rss:.3f}x the fresh start{traced}, {verdict} the target <= 1.05; "
        f"{warm_rss:.3f}x the warm start"
    )
    if args.top and tracemalloc.is_tracing():
        print_top(args.top)
    if history is not None:
        history.close()
    if args.engine == "model":
        engine.close()


if __name__ == "__main__":
    main()
