"""Time to first token after a restart, with and without the saved prompt state, side by side in one run.

For chats of about 500, 2,000 and 6,000 tokens on the embedded model: one engine answers the chat's last
message and saves its prompt state (as the TUI does after every reply), then each "restart" is a fresh engine
answering the next message, once with the state cache and once without; runs alternate. The time is wall clock
from the ``generate`` call to the first streamed token, so loading the state is included.

    python benchmarks/bench_resume.py [--runs 3] [--sizes 500 2000 6000]
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from _common import base_parser, median, model_path

from tui.core.chat.conversation import Message, Role
from tui.core.chat.state import ChatState, SavedChat, Turn
from tui.core.kvcache.store import PromptStateCache
from tui.core.profiles.profile import DecodingProfile
from tui.engine.llama import LlamaEngine, LoadOptions

N_CTX = 8192
PROFILE = DecodingProfile(name="greedy", max_new_tokens=8)
LOG = Path(tempfile.gettempdir()) / "shotglass-bench-llama.log"


def chat_of(engine: LlamaEngine, target_tokens: int) -> tuple[Turn, ...]:
    turns: list[Turn] = []
    state = ChatState(PROFILE)
    index = 0
    while engine.count_tokens(engine.prompt_format.render(state.parts())) < target_tokens:
        turns.append(Turn(Message(Role.USER, f"Tell me about the number {index} in one sentence.")))
        turns.append(
            Turn(
                Message(
                    Role.ASSISTANT,
                    f"The number {index} comes after {index - 1} and before "
                    f"{index + 1}; it is {'even' if index % 2 == 0 else 'odd'}.",
                )
            )
        )
        state.resume(SavedChat(0, "", state.pins, PROFILE.name, "", tuple(turns)), None)
        index += 1
    return tuple(turns)


def load(cache_dir: Path | None, threads: int) -> LlamaEngine:
    engine = LlamaEngine(LoadOptions(model_path=model_path(), n_ctx=N_CTX, n_threads=threads, log_file=LOG))
    if cache_dir is not None:
        engine.use_state_cache(PromptStateCache(cache_dir))
    return engine


def first_token_s(engine: LlamaEngine, turns: tuple[Turn, ...], message: str) -> tuple[float, int]:
    state = ChatState(PROFILE)
    state.resume(SavedChat(0, "", state.pins, PROFILE.name, "", turns), None)
    plan = state.plan_chat(message, engine)
    first: list[float] = []
    started = time.perf_counter()

    def on_text(_text: str, _count: int) -> None:
        if not first:
            first.append(time.perf_counter())

    result = engine.generate(plan.prompt, plan.params, on_text, threading.Event(), None, ())
    return (first[0] if first else time.perf_counter()) - started, result.evaluated_prompt_tokens


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 6000])
    args = parser.parse_args()
    print(f"{'chat tokens':>11} {'cold s':>8} {'restored s':>11} {'ratio':>7} {'evaluated':>10} {'state MiB':>10}")
    summary = []
    for size in args.sizes:
        cache_dir = Path(tempfile.mkdtemp(prefix="shotglass-bench-states-"))
        first = load(cache_dir, args.threads)
        turns = chat_of(first, size)
        state = ChatState(PROFILE)
        state.resume(SavedChat(0, "", state.pins, PROFILE.name, "", turns[:-2]), None)
        plan = state.plan_chat(turns[-2].message.text, first)
        first.generate(plan.prompt, plan.params, lambda _t, _n: None, threading.Event(), None, ())
        first.save_prompt_state()  # what the TUI does after the chat's last reply
        first.close()
        info = PromptStateCache(cache_dir).info()
        prompt_tokens = 0
        cold, restored, evaluated = [], [], []
        for _ in range(args.runs):
            for cache, times in ((None, cold), (cache_dir, restored)):
                engine = load(cache, args.threads)
                seconds, new_tokens = first_token_s(engine, turns, "And what about the number 1000?")
                engine.close()
                times.append(seconds)
                if cache is not None:
                    evaluated.append(new_tokens)
                else:
                    prompt_tokens = new_tokens
        ratio = median(restored) / median(cold)
        summary.append(f"{prompt_tokens} tok {ratio:.2f}x")
        print(
            f"{prompt_tokens:>11} {median(cold):>8.2f} {median(restored):>11.3f} {ratio:>7.2f} "
            f"{median(evaluated):>10.0f} {info.size_bytes / 2**20:>10.1f}"
        )
    print("\nsummary: restored/cold time to first token after a restart: " + ", ".join(summary))


if __name__ == "__main__":
    main()
