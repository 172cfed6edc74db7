"""TUI streaming rate vs the engine alone, side by side in one run, on the embedded model.

What the user sees is the TUI: its own stats line (tokens/s measured in the generation worker) for a greedy
reply, against the same reply generated headless in the same process with the same prompt and cache state.
Four chats: turn 1 (empty), turn 10 and turn 30 (9 and 29 exchanges on screen) and a 200-message chat, each
shown in the transcript as a chat that was typed live would be.
Runs alternate headless / TUI so machine noise hits both.

Also measured while the TUI streams: the UI event loop's lag (a 10 ms timer's lateness, the delay a keystroke
would see), the UI thread's time per posted token batch and per drawn frame (Textual's screen update: the
layout when something changed size, then the repaint of what changed), the UI thread's CPU time as a share of the
streaming time (``time.thread_time``: what it takes from the two decode threads' cores) and how many batches
a second were shown (``DisplayPace`` lowers it from 10 when frames cost more than its budget).

    python benchmarks/bench_tui_stream.py [--runs 3] [--tokens 300] [--textual-drawing]
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from pathlib import Path

from _common import base_parser, load_engine, median, p95
from textual import events
from textual.screen import Screen

from tui.core.chat.conversation import Message, Role
from tui.core.chat.state import ChatState, SavedChat, Turn
from tui.core.contract import header_line
from tui.core.profiles.profile import DecodingProfile
from tui.core.profiles.store import ProfileStore
from tui.ui import compositor_crop_fix
from tui.ui.app import AppSettings, ShotglassApp
from tui.ui.chat.message_view import MessageView
from tui.ui.chat.transcript import MAX_MOUNTED, Transcript

PROMPT = "Count from 1 to 500, separated by commas: 1, 2, 3, 4, 5,"
"""A reply that runs to the token limit after every chat here (greedy: the same tokens every run). Both sides
must produce exactly ``--tokens`` tokens, or the row says NOT COMPARABLE: "Repeat the word 'ok'" stopped after
11 tokens at turn 1 ("Ok, I'll do it."), which made that row compare first-token latency, not streaming."""


def synthetic_turns(messages: int) -> tuple[Turn, ...]:
    turns = []
    for index in range(messages // 2):
        turns.append(Turn(Message(Role.USER, f"Question {index}: what is {index} plus {index}?")))
        turns.append(Turn(Message(Role.ASSISTANT, f"{index} plus {index} is {2 * index}.")))
    return tuple(turns)


def headless_rate(engine, profile: DecodingProfile, turns: tuple[Turn, ...], counts: list[int]) -> float:
    state = ChatState(profile)
    state.resume(SavedChat(0, "", state.pins, profile.name, "", turns), None)
    plan = state.plan_chat(PROMPT, engine)
    result = engine.generate(plan.prompt, plan.params, lambda _t, _n: None, threading.Event(), None, ())
    counts.append(result.completion_tokens)
    return result.tokens_per_s


async def tui_rate(
    app: ShotglassApp,
    turns: tuple[Turn, ...],
    lags: list[float],
    probe_s: float,
    ui_shares: list[float],
    counts: list[int],
    shown_rates: list[float],
) -> float:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.pause(0.2)
        screen.state.resume(SavedChat(0, "", screen.state.pins, screen.state.profile.name, "", turns), None)
        await screen.query_one(Transcript).show_messages(screen.state.messages, window=min(len(turns), MAX_MOUNTED))
        await pilot.pause(0.3)
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            if screen.generating:
                lags.append(max(0.0, now - last[0] - probe_s))
            last[0] = now

        timer = app.set_interval(probe_s, tick) if probe_s else None
        box = screen.query_one("#input")
        box.text = PROMPT
        box.focus()
        count = len(screen.state.messages)
        # A key event posted as the terminal driver would: pilot.press() would wait for every widget's queue to
        # drain, which while a reply streams is the whole reply, and its polling is UI work of its own.
        box.post_message(events.Key("enter", None))
        cpu_started, wall_started, appends = time.thread_time(), time.perf_counter(), len(APPEND_TIMES)
        FRAMES.timing = True
        deadline = time.monotonic() + 120
        # Polled at 4 Hz and on one attribute: ``state.messages`` builds a tuple of the whole chat, and polling it
        # every 50 ms was an eighth of the UI thread's time while a 200-message chat streamed (py-spy), UI work
        # the app itself does not do. Not pilot.pause: it waits on every widget's queue, UI work of its own.
        while not (screen.state.generating is False and len(screen.state.turns) == count + 2):
            if time.monotonic() > deadline:
                pending = screen.state.pending
                raise RuntimeError(
                    f"the reply did not finish: generating={screen.state.generating}, turns={len(screen.state.turns)}"
                    f" (expected {count + 2}), streamed={None if pending is None else len(pending.text)} chars,"
                    f" notices={[notice.message for notice in app._notifications]}"
                )
            await asyncio.sleep(0.25)
        FRAMES.timing = False
        wall = time.perf_counter() - wall_started
        ui_shares.append((time.thread_time() - cpu_started) / wall)
        shown_rates.append((len(APPEND_TIMES) - appends) / wall)
        if timer is not None:
            timer.stop()
        stats = screen.state.messages[-1].stats
        assert stats is not None
        counts.append(stats.completion_tokens)
        return stats.tokens_per_s


APPEND_TIMES: list[float] = []


class FrameTimes:
    """The UI thread's CPU time per frame Textual draws (``Screen._on_timer_update``: layout if needed, then the
    repaint), while a reply streams: what ``DisplayPace`` budgets, and what grows with the transcript."""

    def __init__(self) -> None:
        self.timing = False
        self.seconds: list[float] = []

    def install(self) -> None:
        original = Screen._on_timer_update
        frames = self

        def timed(screen: Screen) -> None:
            if not frames.timing:
                original(screen)
                return
            started = time.thread_time()
            original(screen)
            frames.seconds.append(time.thread_time() - started)

        Screen._on_timer_update = timed  # type: ignore[method-assign]


FRAMES = FrameTimes()


def time_appends() -> None:
    """The UI thread's time to show each posted piece of a reply (MessageView.append: the Markdown stream)."""
    original = MessageView.append

    async def timed(self: MessageView, text: str, tokens: int | None = None) -> None:
        started = time.perf_counter()
        await original(self, text, tokens)
        APPEND_TIMES.append(time.perf_counter() - started)

    MessageView.append = timed  # type: ignore[method-assign]


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument(
        "--textual-drawing",
        action="store_true",
        help="draw frames as Textual itself does, without tui/ui/compositor_crop_fix.py (the fix's before)",
    )
    parser.add_argument(
        "--probe-ms",
        type=float,
        default=10.0,
        help="interval of the UI-lag probe (its own timer costs UI time: 0 turns it off)",
    )
    parser.add_argument(
        "--chats", default="1,10,30,200", help="which chats: 1, 10 and 30 (that turn), 200 (a 200-message chat)"
    )
    args = parser.parse_args()
    chats = {"1": ("turn 1", 0), "10": ("turn 10", 18), "30": ("turn 30", 58), "200": ("200 messages", 200)}
    engine = load_engine(args.threads)
    store = ProfileStore(Path(tempfile.mkdtemp(prefix="shotglass-bench-")))  # the user's profiles stay untouched
    profile = DecodingProfile(name="bench-greedy", max_new_tokens=args.tokens)
    store.save(profile)
    time_appends()
    FRAMES.install()
    print(f"model: {header_line(engine.info, engine.capabilities)}")
    print(f"greedy, {args.tokens} new tokens, {args.runs} alternating runs per side\n")
    print(
        f"{'chat':<14} {'headless tok/s':>15} {'TUI tok/s':>10} {'ratio':>7} {'lag p95 ms':>11} {'UI ms/append':>13}"
        f" {'UI ms/frame':>12} {'UI CPU %':>9} {'shown/s':>8}"
    )
    summary = []
    for label, messages in (chats[key] for key in args.chats.split(",")):
        turns = synthetic_turns(messages)
        headless, tui, lags, shares, counts, shown = [], [], [], [], [], []
        APPEND_TIMES.clear()
        FRAMES.seconds.clear()
        for _ in range(args.runs):
            headless.append(headless_rate(engine, profile, turns, counts))
            app = ShotglassApp(AppSettings(engine=engine, profiles=store, profile=profile, resume=False))
            if args.textual_drawing:
                compositor_crop_fix.uninstall()  # the app installs it when built
            tui.append(asyncio.run(tui_rate(app, turns, lags, args.probe_ms / 1000, shares, counts, shown)))
        ratio = median(tui) / median(headless)
        comparable = all(count == args.tokens for count in counts)
        summary.append(f"{label} {ratio:.2f}x" if comparable else f"{label} NOT COMPARABLE")
        print(
            f"{label:<14} {median(headless):>15.1f} {median(tui):>10.1f} {ratio:>7.2f} "
            f"{(p95(lags) * 1000 if lags else float('nan')):>11.1f} "
            f"{median(APPEND_TIMES) * 1000 if APPEND_TIMES else 0.0:>13.2f}"
            f" {sum(FRAMES.seconds) / max(1, len(FRAMES.seconds)) * 1000:>12.2f}"
            f" {median(shares) * 100:>9.1f} {median(shown):>8.1f}"
            + ("" if comparable else f"  NOT COMPARABLE: replies of {sorted(set(counts))} tokens")
        )
    print("\nsummary: TUI/headless tokens/s (median): " + ", ".join(summary))
    engine.close()


if __name__ == "__main__":
    main()
