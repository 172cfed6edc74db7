"""Checking a GGUF before llama.cpp loads it: header validation vs probing the load in a child process.

Why this exists: ``tui/core/models/loadable.py`` refuses the header values llama.cpp aborts on, instead of
loading each model first in a throwaway child process that may crash. This measures both on the embedded
Gemma 3 270M, side by side in one run: the header read plus the checks (what shotglass does); a probe
child (a fresh interpreter that loads the model through ``LlamaEngine`` and decodes one token, which the
probe needs because the norm-epsilon assert fires at the first decode, not at load), with its peak RSS;
and, for scale, one load in this process. Then the cost that makes a huge ``context_length`` dangerous:
llama-cpp-python allocates ``context_length`` tokens at every tokenization, so one count is timed on
copies of the model whose header says 32k, 1M, 10M (Llama 4 Scout's) and 16M (the cap) tokens.

    python benchmarks/bench_load_check.py          # ~30 s on 2 cores
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import base_parser, median, model_path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from gguf_mutants import U32, encode, read_layout, write_mutant  # noqa: E402

from tui.core.models.gguf import read_gguf_info  # noqa: E402
from tui.core.models.loadable import MAX_TRAINED_CONTEXT, check_loadable  # noqa: E402
from tui.engine.llama import LlamaEngine, LoadOptions  # noqa: E402

PROBE = """
import sys, threading
from pathlib import Path
from tui.core.contract import SamplingParams
from tui.engine.llama import LlamaEngine, LoadOptions
engine = LlamaEngine(LoadOptions(model_path=Path(sys.argv[1]), n_ctx=512, n_threads=int(sys.argv[2]),
                                 log_file=Path(sys.argv[3])))
params = SamplingParams(max_new_tokens=1, temperature=0.0, top_k=40, top_p=0.95, min_p=0.05,
                        repeat_penalty=1.0, seed=1)
engine.generate("Hello", params, lambda *_: None, threading.Event())
engine.close()
"""


def probe_once(model: Path, threads: int, log: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one probe child."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", PROBE, str(model), str(threads), str(log)])
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the probe child failed ({status})")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default: 5)")
    args = parser.parse_args()
    model = model_path()
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "llama.log"
        checks, probes, rss, loads = [], [], [], []
        for _ in range(args.runs):  # alternated, so load on the machine hits all three alike
            start = time.perf_counter()
            check_loadable(read_gguf_info(model))
            checks.append(time.perf_counter() - start)
            elapsed, peak = probe_once(model, args.threads, log)
            probes.append(elapsed)
            rss.append(peak)
            start = time.perf_counter()
            LlamaEngine(LoadOptions(model_path=model, n_ctx=512, n_threads=args.threads, log_file=log)).close()
            loads.append(time.perf_counter() - start)
        check_s, probe_s, load_s = median(checks), median(probes), median(loads)
        print(f"{'what':<52} {'median':>10}")
        print(f"{'header read + loadability checks (shotglass)':<52} {check_s * 1000:>8.1f} ms")
        print(f"{'probe child: start, load, decode one token':<52} {probe_s * 1000:>8.0f} ms")
        print(f"{'  its peak RSS':<52} {median(rss):>7.0f} MiB")
        print(f"{'one load in this process, for scale':<52} {load_s * 1000:>8.0f} ms")
        print()
        layout = read_layout(model)
        print(f"{'context_length in the header':<30} {'one count_tokens':>18}")
        costs = {}
        for context in (32_768, 1 << 20, 10_485_760, MAX_TRAINED_CONTEXT):
            copy = write_mutant(
                model,
                Path(scratch) / f"ctx{context}.gguf",
                {"gemma3.context_length": encode(U32, context)},
                layout=layout,
            )
            engine = LlamaEngine(LoadOptions(model_path=copy, n_ctx=512, n_threads=args.threads, log_file=log))
            try:
                engine.count_tokens("warm up")
                times = []
                for _ in range(10):
                    start = time.perf_counter()
                    engine.count_tokens("Hello world, this is a sentence to count.")
                    times.append(time.perf_counter() - start)
            finally:
                engine.close()
            costs[context] = median(times)
            print(f"{context:<30,} {costs[context] * 1000:>15.2f} ms")
    print(
        f"summary: checking the header costs {check_s * 1000:.0f} ms, a probe child {probe_s:.2f} s "
        f"({probe_s / check_s:.0f}x, {median(rss):.0f} MiB); a count at the {MAX_TRAINED_CONTEXT:,}-token cap "
        f"costs {costs[MAX_TRAINED_CONTEXT] * 1000:.0f} ms vs {costs[32_768] * 1000:.2f} ms at 32k"
    )


if __name__ == "__main__":
    main()
