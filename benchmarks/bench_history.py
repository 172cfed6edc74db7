"""Conversation history: load a long chat, search a big history, append a message.

Why: resuming must feel instant however long the chat is (target: the 2,000-message Message list in
< 300 ms, leaving room for the UI to draw it), search must keep up with typing over a history of 100k
messages (< 100 ms), and the writes a chat makes per turn must not delay generation (< 5 ms each). The
history is synthetic (realistic sentences from a small vocabulary, with per-reply stats), built in a temp
dir through the public ``HistoryStore`` API; nothing touches the user's history. No model is needed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from tui.core.chat.conversation import FinishReason
from tui.core.history.store import HistoryStore

WORDS = (
    "the model context window token prompt reply example shot greedy sampling temperature nucleus keeps "
    "counts every message history system pinned draft budget gauge overflow drops oldest turns because "
    "prefix cache reuse evaluation latency user assistant label review sentiment positive negative neutral "
    "question answer fact river mountain library kitchen garden winter summer"
).split()
RARE = "quetzalcoatl"
TARGETS = {"load": 0.300, "search": 0.100, "append": 0.005}


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."


def conversation_json(rng: random.Random, messages: int, rare_every: int) -> dict:
    chat, meta = [], []
    for index in range(messages):
        text = " ".join(sentence(rng) for _ in range(rng.randint(1, 4)))
        if index % rare_every == 0:
            text += f" {RARE}."
        if index % 2 == 0:
            chat.append({"role": "user", "content": text})
            meta.append({})
        else:
            chat.append({"role": "assistant", "content": text})
            meta.append(
                {
                    "profile": "greedy-factual",
                    "seed": index,
                    "finish_reason": FinishReason.STOP_STRING.value,
                    "prompt_tokens": 500 + index,
                    "completion_tokens": 40,
                    "evaluated_prompt_tokens": 40,
                    "ttft_s": 0.05,
                    "tokens_per_s": 70.0,
                }
            )
    return {"messages": chat, "metadata": {"title": "bench", "messages": meta}}


def timed(action, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


async def ui_open_times(store: HistoryStore, conversation: int, runs: int) -> list[float]:
    """Time to interactive in the real app on the embedded model: load the chat into the chat state, mount the
    transcript (the last 24 messages; earlier ones on demand) and hand control back to the event loop.

    It goes through the app's own resume path (``conversation_flows.open_conversation``, what picking a chat in
    the history screen runs): the stored chat is read back from this ``HistoryStore`` as a ``SavedChat``,
    ``ChatState.resume`` takes it, and the transcript, settings and gauge are shown, as before."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import load_engine

    from tui.core.profiles.store import ProfileStore
    from tui.ui.app import AppSettings, ShotglassApp
    from tui.ui.chat.conversation_flows import open_conversation

    engine = load_engine(2)
    profiles = ProfileStore(Path(tempfile.mkdtemp()) / "profiles")
    app = ShotglassApp(
        AppSettings(
            engine=engine, profiles=profiles, profile=profiles.get("greedy-factual"), history=store, resume=False
        )
    )
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(runs):
            start = time.perf_counter()
            await open_conversation(app.screen, conversation)
            await pilot.pause()
            times.append(time.perf_counter() - start)
            assert len(app.screen.state.messages) == 2000
    engine.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages in the history (default 100000)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per row (default 20)")
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory(prefix="shotglass-bench-history-") as folder:
        path = Path(folder) / "history.sqlite3"
        store = HistoryStore(path)
        start = time.perf_counter()
        for _ in range(max(1, args.messages // 2000)):
            long_id = store.import_json(conversation_json(rng, 2000, rare_every=997))
        build_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6 + Path(f"{path}-wal").stat().st_size / 1e6
        store.close()

        rows: list[tuple[str, list[float], str]] = []
        rows.append(("open (quick_check, schema)", timed(lambda: HistoryStore(path).close(), args.runs), "-"))
        store = HistoryStore(path)
        rows.append(("load 2,000-message chat", timed(lambda: store.get_conversation(long_id), args.runs), "load"))
        for query in ("the", "tem", "context window", "summ", RARE, "garden winter river"):
            hits = store.search(query)
            rows.append(
                (f"search {query!r} ({len(hits)} hits)", timed(lambda q=query: store.search(q), args.runs), "search")
            )
        chat = store.create_conversation(title="appends")
        rows.append(
            ("append user message", timed(lambda: store.add_user_message(chat, sentence(rng)), args.runs), "append")
        )
        reply = store.start_reply(chat, "greedy-factual")
        streamed = [" ".join(sentence(rng) for _ in range(30))]
        rows.append(
            (
                "stream update (~2 KB reply)",
                timed(lambda: store.update_reply_text(reply, streamed[0]), args.runs),
                "append",
            )
        )
        rows.append(("start reply", timed(lambda: store.start_reply(chat, "greedy-factual"), args.runs), "append"))
        rows.append(("UI: open 2,000-message chat, interactive", asyncio.run(ui_open_times(store, long_id, 5)), "load"))
        store.close()

    print(f"history: {args.messages:,} messages, {size_mb:.0f} MB, built in {build_s:.1f} s\n")
    print(f"{'operation':<40} {'median':>9} {'max':>9}  target")
    verdicts = []
    for name, times, kind in rows:
        median, worst = statistics.median(times), max(times)
        target = TARGETS.get(kind)
        note = f"< {target * 1000:.0f} ms {'ok' if median < target else 'MISSED'}" if target else ""
        if target:
            verdicts.append(median < target)
        print(f"{name:<40} {median * 1000:>7.2f}ms {worst * 1000:>7.2f}ms  {note}")
    load = statistics.median(rows[1][1])
    search = max(statistics.median(times) for _, times, kind in rows if kind == "search")
    append = max(statistics.median(times) for _, times, kind in rows if kind == "append")
    print(
        f"\nsummary: load 2,000 messages {load * 1000:.1f} ms, slowest search over {args.messages:,} "
        f"{search * 1000:.1f} ms, slowest append {append * 1000:.2f} ms; {sum(verdicts)}/{len(verdicts)} "
        "rows within target (medians)"
    )


if __name__ == "__main__":
    main()
