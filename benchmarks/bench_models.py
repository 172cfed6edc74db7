"""Model discovery and the remote engine: scan time for 200 GGUFs, and remote vs local tokens/s.

Scan: a folder tree of 200 GGUF files (20 publishers x 10 models, LM Studio's layout), each a hard link
to the embedded model, so every file is a real path of its own and its header is read (metadata only,
never the weights). Beside it the same tree made of symlinks, which the scan resolves and reads once,
one header read on its own, and one llama.cpp load of the model for scale.

Remote: llama-cpp-python's own server (``python -m llama_cpp.server``, the ``[server]`` extra) on
127.0.0.1 with the same model, n_ctx and threads as the local ``LlamaEngine``; the same counting prompt,
greedy, N new tokens, through ``RemoteEngine`` and ``LlamaEngine``. Runs alternate local, remote so that
other load on the machine hits both alike; both sides must produce exactly N tokens, otherwise the row
is flagged NOT COMPARABLE. Tokens/s is completion tokens over the whole call's wall time (TTFT
included); the decode-only rate each engine reports is shown beside it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _common import N_CTX, base_parser, load_engine, median, model_path

from tui.core.contract import SamplingParams
from tui.core.models.gguf import read_gguf_info
from tui.core.models.scan import model_entries, scan_models, skipped_files
from tui.core.models.sources import ScanSource, SourceKind
from tui.engine.remote import RemoteEngine

PROMPT = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,"
"""Counting: greedy decoding keeps going without emitting EOS (as in bench_generation)."""
PUBLISHERS, MODELS = 20, 10


def build_tree(root: Path, model: Path, link: str) -> int:
    for publisher in range(PUBLISHERS):
        for index in range(MODELS):
            target = root / f"publisher-{publisher:02d}" / f"model-{index:02d}-GGUF" / f"model-{index:02d}-Q4_K_M.gguf"
            target.parent.mkdir(parents=True, exist_ok=True)
            if link == "hard":
                os.link(model, target)
            else:
                target.symlink_to(model)
    return PUBLISHERS * MODELS


def scratch_dir(model: Path) -> Path:
    """Hard links need the model's filesystem: the temp dir if it is the same one, else beside the model."""
    candidate = Path(tempfile.mkdtemp(prefix="shotglass-bench-models-"))
    if os.stat(candidate).st_dev == os.stat(model).st_dev:
        return candidate
    candidate.rmdir()
    return Path(tempfile.mkdtemp(prefix="bench-models-", dir=model.parent))


def time_scan(root: Path, runs: int) -> tuple[list[float], int, int]:
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        results = scan_models([ScanSource(SourceKind.FOLDER, root)])
        walls.append(time.perf_counter() - start)
    return walls, len(model_entries(results)), len(skipped_files(results))


def start_server(model: Path, threads: int) -> tuple[subprocess.Popen, str, Path]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = Path(tempfile.gettempdir()) / "shotglass-bench-server.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tui.engine.llama_cpp_server",  # llama_cpp.server, loading as shotglass does
                "--model",
                str(model),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                str(N_CTX),
                "--n_threads",
                str(threads),
                "--n_threads_batch",
                str(threads),
            ],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/v1/models", timeout=2):
                return process, url, log
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the server did not start within 60 s; see {log}")


def run(engine, n: int) -> tuple[float, int, str, float, float]:
    params = SamplingParams(
        max_new_tokens=n, temperature=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, seed=0
    )
    start = time.perf_counter()
    result = engine.generate(PROMPT, params, lambda _text, _count: None, threading.Event())
    wall = time.perf_counter() - start
    return wall, result.completion_tokens, result.finish_reason.value, result.tokens_per_s, result.ttft_s


def time_switches(model: Path, threads: int, runs: int) -> list[float]:
    """What a model switch in the app costs: close the loaded model, load the other file (a copy, so the
    page cache holds both and the figure is the load itself, not the disk)."""
    import tempfile

    from tui.engine.llama import LlamaEngine, LoadOptions

    with tempfile.TemporaryDirectory(prefix="shotglass-switch-") as folder:
        other = Path(folder) / "other.gguf"
        shutil.copyfile(model, other)
        log = Path(folder) / "llama.log"
        engine = LlamaEngine(LoadOptions(model_path=model, n_threads=threads, log_file=log))
        times = []
        for index in range(runs):
            start = time.perf_counter()
            engine.close()
            engine = LlamaEngine(
                LoadOptions(model_path=other if index % 2 == 0 else model, n_threads=threads, log_file=log)
            )
            times.append(time.perf_counter() - start)
        engine.close()
    return times


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per side (default 5)")
    parser.add_argument("--tokens", type=int, default=200, help="new tokens per generation (default 200)")
    parser.add_argument("--scan-runs", type=int, default=3, help="timed scans per tree (default 3)")
    args = parser.parse_args()
    model = model_path()

    print(f"scan: {PUBLISHERS * MODELS} GGUF files ({model.stat().st_size / 2**20:.0f} MiB each), metadata only")
    header_reads = []
    for _ in range(10):
        start = time.perf_counter()
        read_gguf_info(model)
        header_reads.append(time.perf_counter() - start)
    rows: list[tuple[str, float, int, int, int]] = []
    for link in ("hard", "sym"):
        root = scratch_dir(model)
        try:
            files = build_tree(root, model, link)
            walls, listed, skipped = time_scan(root, args.scan_runs)
        finally:
            shutil.rmtree(root)
        label = "200 hard links (200 header reads)" if link == "hard" else "200 symlinks (1 read, 199 aliases)"
        rows.append((label, median(walls), files, listed, skipped))
    load_start = time.perf_counter()
    local = load_engine(args.threads)
    load_s = time.perf_counter() - load_start
    print(f"{'tree':<36} {'median s':>9} {'ms/file':>8} {'listed':>7} {'skipped':>8}")
    for label, wall, files, listed, skipped in rows:
        print(f"{label:<36} {wall:>9.3f} {wall / files * 1000:>8.2f} {listed:>7} {skipped:>8}")
    print(f"{'one header read (read_gguf_info)':<36} {median(header_reads):>9.4f} {median(header_reads) * 1000:>8.2f}")
    print(f"{'one llama.cpp load (LlamaEngine)':<36} {load_s:>9.3f}")
    switches = time_switches(model, args.threads, 6)
    print(f"{'switch model (close + load, two files)':<36} {median(switches):>9.3f}   (median of {len(switches)})")

    process, url, log = start_server(model, args.threads)
    try:
        remote = RemoteEngine(url, n_ctx=N_CTX)
        assert remote.count_tokens(PROMPT) == local.count_tokens(PROMPT), "both sides must evaluate the same prompt"
        print(
            f"\nremote vs local: {remote.info.backend} ({remote.server_kind}) vs {local.info.backend}, "
            f"{args.threads} threads, n_ctx {N_CTX}, {args.tokens} new tokens, greedy; "
            f"{args.runs} alternating runs per side"
        )
        run(local, 16)  # warm-up: first decode on a fresh context pays one-off costs
        run(remote, 16)
        walls: dict[str, list[float]] = {"local": [], "remote": []}
        decode: dict[str, list[float]] = {"local": [], "remote": []}
        ttft: dict[str, list[float]] = {"local": [], "remote": []}
        counts: dict[str, set[int]] = {"local": set(), "remote": set()}
        for _ in range(args.runs):
            for side, engine in (("local", local), ("remote", remote)):
                wall, tokens, _finish, rate, first = run(engine, args.tokens)
                walls[side].append(wall)
                decode[side].append(rate)
                ttft[side].append(first)
                counts[side].add(tokens)
        print(
            f"{'side':<7} {'tokens':>7} {'median s':>9} {'tok/s':>7} {'decode tok/s':>13} {'ttft ms':>8} {'min s':>7}"
        )
        for side in ("local", "remote"):
            wall = median(walls[side])
            print(
                f"{side:<7} {'/'.join(map(str, sorted(counts[side]))):>7} {wall:>9.3f} "
                f"{max(counts[side]) / wall:>7.1f} {median(decode[side]):>13.1f} "
                f"{median(ttft[side]) * 1000:>8.1f} {min(walls[side]):>7.3f}"
            )
        comparable = counts["local"] == counts["remote"] == {args.tokens}
        ratio = (args.tokens / median(walls["remote"])) / (args.tokens / median(walls["local"]))
        decode_ratio = median(decode["remote"]) / median(decode["local"])
        note = "" if comparable else "  NOT COMPARABLE (token counts differ)"
        print(f"ratio remote/local tokens/s: wall {ratio:.3f}, decode {decode_ratio:.3f}{note}")
        remote.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
        local.close()
    hard = rows[0]
    print(
        f"\nsummary: scan of {hard[2]} GGUFs {hard[1]:.2f} s ({hard[1] / hard[2] * 1000:.0f} ms/file, metadata only; "
        f"one llama.cpp load {load_s:.2f} s); remote/local tokens/s on loopback {ratio:.2f}x "
        f"(decode {decode_ratio:.2f}x){'' if comparable else ' NOT COMPARABLE'}"
    )


if __name__ == "__main__":
    main()
