"""Time to first token at turn 2 vs turn 20 of one chat: does prefix reuse keep it flat?

Why: rendering is append-only, so turn N's prompt extends turn N-1's prompt plus its reply, and
llama-cpp-python's prefix match should re-evaluate only the new tokens (the reply's tail and the new
message). If that holds, TTFT at turn 20 is close to TTFT at turn 2 (target ratio <= 1.2) although the
prompt is many times longer; if something breaks the prefix (a non-append-only render, a tokenization
seam), ``evaluated_prompt_tokens`` jumps to the whole prompt and TTFT grows with the chat.

The chat runs exactly as the TUI runs it: ``ChatState.plan_chat`` (prompt fitted, seed drawn) ->
``ChatState.begin`` -> ``engine.generate`` (text streamed into ``ChatState.stream``) -> ``ChatState.finish``,
with the greedy-factual profile (max_new_tokens 48).
Greedy decoding makes every repetition of the chat identical, so per-turn medians and minima over
``--chats`` repetitions damp noise from other processes (the minimum is the least noisy estimate).
A "cold" TTFT (the turn-20 prompt with the cache holding an unrelated prompt) shows what reuse saves.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from _common import base_parser, load_engine, median

from tui.core.chat.fitting import RequestPlan
from tui.core.chat.request import sampling_params
from tui.core.chat.state import ChatState
from tui.core.contract import header_line
from tui.core.profiles.store import ProfileStore

TURNS = 20
TOPICS = [
    "the sea",
    "bread",
    "bicycles",
    "owls",
    "the moon",
    "tea",
    "rivers",
    "chess",
    "snow",
    "maps",
    "bees",
    "clocks",
    "salt",
    "violins",
    "deserts",
    "paper",
    "trains",
    "honey",
    "glass",
    "comets",
]


def message(turn: int) -> str:
    """Messages of the same shape, so every turn evaluates a similar number of new tokens."""
    return f"Tell me one short fact about {TOPICS[(turn - 1) % len(TOPICS)]}."


def run_chat(engine, profile) -> tuple[list[dict], str]:
    state = ChatState(profile)
    rows: list[dict] = []
    for turn in range(1, TURNS + 1):
        plan = state.plan_chat(message(turn), engine)
        state.begin(plan, engine.info.path)
        # The same call the chat screen's worker makes; the engine measures TTFT before the first callback.
        result = engine.generate(
            plan.prompt,
            plan.params,
            lambda text, count: state.stream(text, count),
            threading.Event(),
            plan.reuse_limit,
            plan.forced,
        )
        state.finish(result)
        rows.append(
            {
                "turn": turn,
                "prompt": result.prompt_tokens,
                "evaluated": result.evaluated_prompt_tokens,
                "completion": result.completion_tokens,
                "finish": result.finish_reason.value,
                "dropped": plan.request.dropped_messages,
                "ttft": result.ttft_s,
            }
        )
    return rows, plan.prompt


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=5, help="repetitions of the 20-turn chat (default 5)")
    args = parser.parse_args()

    engine = load_engine(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        profile = ProfileStore(Path(tmp)).get("greedy-factual").with_overrides(max_new_tokens=48)
    print(f"model: {header_line(engine.info, engine.capabilities)}")
    print(f"profile: {profile.name}, max_new_tokens {profile.max_new_tokens}; {args.chats} chats of {TURNS} turns\n")

    chats = []
    cold: list[float] = []
    for _ in range(args.chats):
        # Every chat starts from the same KV-cache state: llama.cpp's logits depend slightly on how a prompt
        # was split into batches, so a different starting cache can flip a greedy near-tie.
        _evict(engine, profile)
        rows, last_prompt = run_chat(engine, profile)
        chats.append(rows)
        # Cold: the same turn-20 prompt with the cache holding an unrelated prompt (only BOS is shared).
        _evict(engine, profile)
        result = engine.generate(
            last_prompt,
            sampling_params(profile, _one_token_plan(engine, last_prompt)),
            lambda _t, _n: None,
            threading.Event(),
        )
        cold.append(result.ttft_s)
        cold_counts = (result.evaluated_prompt_tokens, result.prompt_tokens)

    first = chats[0]
    for rows in chats[1:]:
        for a, b in zip(first, rows):
            # Turn 1's evaluated count depends on what the previous chat left in the KV cache.
            keys = ("prompt", "completion") + (("evaluated",) if a["turn"] > 1 else ())
            if any(a[key] != b[key] for key in keys):
                print(f"warning: turn {a['turn']} differs between chats: {a} vs {b}")
    header = (
        f"{'turn':>4} {'prompt tok':>10} {'evaluated':>9} {'reply tok':>9} {'finish':<12} "
        f"{'ttft ms median':>14} {'min':>6}"
    )
    print(header)
    print("-" * len(header))
    ttft, best = {}, {}
    for index, row in enumerate(first):
        samples = [rows[index]["ttft"] for rows in chats]
        ttft[row["turn"]], best[row["turn"]] = median(samples), min(samples)
        print(
            f"{row['turn']:>4} {row['prompt']:>10} {row['evaluated']:>9} {row['completion']:>9} "
            f"{row['finish']:<12} {ttft[row['turn']] * 1000:>14.1f} {best[row['turn']] * 1000:>6.1f}"
        )
    dropped = sum(row["dropped"] for row in first)
    ratio = ttft[TURNS] / ttft[2]
    best_ratio = best[TURNS] / best[2]
    t2, t20 = first[1], first[TURNS - 1]
    print(
        f"\ncold turn-{TURNS} prompt (no reuse): {cold_counts[1]} tok, {cold_counts[0]} evaluated, "
        f"ttft {median(cold) * 1000:.1f} ms (median of {len(cold)})"
    )
    print(f"messages dropped for overflow: {dropped}")
    verdict = "meets" if ratio <= 1.2 else "MISSES"
    print(
        f"\nsummary: ttft turn 2 {ttft[2] * 1000:.1f} ms ({t2['evaluated']}/{t2['prompt']} tok evaluated), "
        f"turn {TURNS} {ttft[TURNS] * 1000:.1f} ms ({t20['evaluated']}/{t20['prompt']} tok evaluated), "
        f"ratio {ratio:.2f} (min {best_ratio:.2f}; median {verdict} target <= 1.2)"
    )
    engine.close()


def _evict(engine, profile) -> None:
    """Replace the KV cache's contents with an unrelated one-token request, through the public API."""
    engine.generate(
        "Unrelated.",
        sampling_params(profile, _one_token_plan(engine, "Unrelated.")),
        lambda _t, _n: None,
        threading.Event(),
    )


def _one_token_plan(engine, prompt: str):
    """A plan for a raw prompt with one new token, for the cold measurement."""
    return RequestPlan(
        prompt=prompt, prompt_tokens=engine.count_tokens(prompt), max_new_tokens=1, stop=(), dropped_messages=0
    )


if __name__ == "__main__":
    main()
