"""Inspector cost: re-scoring a 200-token reply vs generating it, side by side in one run.

Why: the inspector is opt-in and re-scores on demand instead of running llama.cpp with ``logits_all``
(about 1 MiB per context token with a 262k vocabulary). Re-scoring replays the reply one token per decode
(so the logits are exactly the generation's) and reduces each row with numpy; the target is < 2x the
generation time. Also shows that generation itself is untouched by the inspector: tokens/s of the same
greedy reply with the inspector never opened, alternated with re-scoring runs.
"""

from __future__ import annotations

import threading
import time

from _common import base_parser, load_engine, median

from tui.core.contract import SamplingParams, header_line
from tui.core.profiles.profile import DecodingProfile

PROMPT = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,"


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine = load_engine(args.threads)
    profiles = {
        "greedy": DecodingProfile(name="greedy"),
        "sampling": DecodingProfile(name="sampling", temperature=0.9, top_k=40, top_p=0.95, min_p=0.05),
    }
    params = SamplingParams(
        max_new_tokens=args.tokens, temperature=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, seed=1
    )
    generation, rates, rescoring = [], [], {name: [] for name in profiles}
    result = None
    for _ in range(args.runs):
        started = time.perf_counter()
        result = engine.generate(PROMPT, params, lambda *_: None, threading.Event(), reuse_limit=0)
        generation.append(time.perf_counter() - started)
        rates.append(result.tokens_per_s)
        for name, profile in profiles.items():
            started = time.perf_counter()
            scores = engine.rescore(PROMPT, result.tokens, profile, 0, threading.Event())
            rescoring[name].append(time.perf_counter() - started)
            assert len(scores) == len(result.tokens)
    assert result is not None and result.completion_tokens == args.tokens, "the reply ended early"
    print(f"model: {header_line(engine.info, engine.capabilities)}")
    print(f"reply: {result.completion_tokens} tokens, greedy, {args.runs} alternating runs\n")
    print(f"{'measurement':<36}{'median s':>10}{'ratio':>8}")
    print(f"{'generate (inspector off)':<36}{median(generation):>10.3f}{1.0:>8.2f}")
    for name, times in rescoring.items():
        print(
            f"{'re-score for the inspector, ' + name:<36}{median(times):>10.3f}"
            f"{median(times) / median(generation):>8.2f}"
        )
    print(f"\ngeneration tokens/s with the inspector off: median {median(rates):.1f}")
    worst = max(median(times) / median(generation) for times in rescoring.values())
    print(
        f"summary: re-scoring a {args.tokens}-token reply takes {worst:.2f}x its generation time "
        f"({'meets' if worst < 2 else 'MISSES'} target < 2x); generation {median(rates):.1f} tok/s"
    )
    engine.close()


if __name__ == "__main__":
    main()
