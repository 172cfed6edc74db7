"""Generation speed: shotglass's engine vs bare llama-cpp-python ``create_completion(stream=True)``.

Why: ``LlamaEngine`` bypasses ``create_completion`` (it re-detokenizes the whole completion each step)
and adds its own per-token work (piece table, incremental UTF-8 decoder, stop scanner, callback). This
checks that the per-token overhead is constant and small, at a short and a long reply.

Both sides load the same GGUF with the same n_ctx/n_threads, decode greedily from the same prompt and
must produce the same number of tokens (a counting prompt keeps the base model writing; EOS before the
limit makes the row invalid and it is flagged). Runs alternate A,B,A,B so that load from other processes
on the machine hits both sides alike; the table shows medians (and minima, the least noisy estimate on a
busy machine) and the ratios shotglass/bare. Tokens/s is completion tokens over the whole call's wall time.
"""

from __future__ import annotations

import threading
import time

import llama_cpp
from _common import N_CTX, base_parser, load_engine, median, model_path

from tui.core.contract import SamplingParams, header_line
from tui.engine.compute_thread import run_on_compute_thread
from tui.engine.llama import default_model_params, model_param_overrides

PROMPT = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,"
"""Counting: greedy decoding keeps going far past 1000 tokens without emitting EOS."""


def run_shotglass(engine, n: int) -> tuple[float, int, str]:
    params = SamplingParams(
        max_new_tokens=n, temperature=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, seed=0
    )

    def on_text(text: str, count: int) -> None:
        pass  # the TUI posts a message here; the benchmark measures the engine, not Textual

    start = time.perf_counter()
    result = engine.generate(PROMPT, params, on_text, threading.Event())
    wall = time.perf_counter() - start
    return wall, result.completion_tokens, result.finish_reason.value


def run_bare(llm: llama_cpp.Llama, n: int, prompt_len: int) -> tuple[float, int, str]:
    """On the thread shotglass decodes on: a second thread decoding beside it would give llama.cpp two OpenMP
    thread teams, and libgomp then throttles both (see ``tui/engine/compute_thread.py``)."""
    return run_on_compute_thread(lambda: _run_bare_here(llm, n, prompt_len))


def _run_bare_here(llm: llama_cpp.Llama, n: int, prompt_len: int) -> tuple[float, int, str]:
    finish = None
    start = time.perf_counter()
    for chunk in llm.create_completion(
        PROMPT, max_tokens=n, temperature=0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, stream=True
    ):
        choice = chunk["choices"][0]
        _ = choice["text"]
        finish = choice["finish_reason"] or finish
    wall = time.perf_counter() - start
    # The last sampled token is never evaluated, so the KV cache holds prompt + tokens - 1 on "length";
    # on EOS the EOS token itself is not a completion token.
    tokens = llm.n_tokens - prompt_len + (1 if finish == "length" else 0)
    return wall, tokens, "length" if finish == "length" else f"{finish} (eos?)"


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per side and length (default 5)")
    parser.add_argument("--tokens", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()

    engine = load_engine(args.threads)
    # The same model parameters on both sides (on AMX CPUs llama.cpp's AMX kernels crash: see load_options).
    with default_model_params(model_param_overrides()):
        bare = llama_cpp.Llama(
            model_path=str(model_path()),
            n_ctx=N_CTX,
            n_threads=args.threads,
            n_threads_batch=args.threads,
            n_gpu_layers=engine.info.gpu_layers,
            verbose=False,
        )
    prompt_len = len(bare.tokenize(PROMPT.encode("utf-8"), add_bos=True, special=True))
    assert prompt_len == engine.count_tokens(PROMPT), "both sides must evaluate the same prompt tokens"
    print(f"model: {header_line(engine.info, engine.capabilities)}")
    print(f"prompt: {prompt_len} tokens, greedy, no stop strings; {args.runs} alternating runs per side\n")
    # Warm-up: the first decode on a fresh context pays one-off costs (weight repacking, page faults).
    run_shotglass(engine, 32)
    run_bare(bare, 32, prompt_len)

    header = f"{'new tok':>7}  {'side':<9} {'tokens':>7} {'finish':<8} {'median s':>9} {'tok/s':>7} {'min s':>8}"
    print(header)
    print("-" * len(header))
    ratios: list[str] = []
    comparable = True
    for n in args.tokens:
        walls: dict[str, list[float]] = {"shotglass": [], "bare": []}
        counts: dict[str, set[int]] = {"shotglass": set(), "bare": set()}
        finishes: dict[str, set[str]] = {"shotglass": set(), "bare": set()}
        for _ in range(args.runs):
            for side in ("shotglass", "bare"):
                if side == "shotglass":
                    wall, tokens, finish = run_shotglass(engine, n)
                else:
                    wall, tokens, finish = run_bare(bare, n, prompt_len)
                walls[side].append(wall)
                counts[side].add(tokens)
                finishes[side].add(finish)
        for side in ("shotglass", "bare"):
            tokens = max(counts[side])
            wall = median(walls[side])
            print(
                f"{n:>7}  {side:<9} {'/'.join(map(str, sorted(counts[side]))):>7} "
                f"{'/'.join(sorted(finishes[side])):<8} {wall:>9.3f} {tokens / wall:>7.1f} "
                f"{min(walls[side]):>8.3f}"
            )
        same = counts["shotglass"] == counts["bare"] == {n}
        comparable = comparable and same
        ratio = median(walls["shotglass"]) / median(walls["bare"])
        best = min(walls["shotglass"]) / min(walls["bare"])
        note = "" if same else "  NOT COMPARABLE (token counts differ)"
        print(f"{n:>7}  ratio shotglass/bare wall time: median {ratio:.3f}, min {best:.3f}{note}")
        print(
            f"{'':>9}runs s: shotglass {' '.join(f'{w:.3f}' for w in walls['shotglass'])} | "
            f"bare {' '.join(f'{w:.3f}' for w in walls['bare'])}"
        )
        ratios.append(f"{n} tok {ratio:.2f}x (min {best:.2f}x)")
    engine.close()
    bare.close()
    verdict = "" if comparable else " (some rows NOT comparable)"
    print(f"\nsummary: shotglass/bare wall time, {args.threads} threads: {', '.join(ratios)}{verdict}")


if __name__ == "__main__":
    main()
