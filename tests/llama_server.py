"""llama.cpp's own ``llama-server``, built once from the pinned sdist's vendored llama.cpp, for the remote tests.

Why build it rather than trust llama-cpp-python's server alone: it is the server people actually run, and it
differs where shotglass must not be fooled (it reports a chat template even for a model that has none, its
``/props`` and ``/tokenize`` dialect, its context per slot). The binary is built from the very llama.cpp the
local engine runs, so greedy replies can be compared token for token.

Only the ``llama-server`` target is built (no tests, no examples, no web UI assets, no HTTPS), statically, into
``test_cache_dir()/llama-server/<version>-<flags digest>/``: the digest covers the CMake flags and, because the
build is native (the same kernels llama-cpp-python compiled for this CPU), the CPU's feature flags, so a cache
copied to another kind of machine is rebuilt rather than crashing with an illegal instruction. A lock file
serializes concurrent test sessions; the binary appears atomically. The build prints one progress line every
few seconds so a ten-minute build on two cores is not mistaken for a hang.

On a CPU with AMX, llama.cpp's AMX matmul crashes on the embedded model (``load_options.use_cpu_extra_buffers``);
llama-cpp-python loads with ``use_extra_bufts=false`` there, and llama-server gets the same through its
``--no-repack`` flag (it sets ``no_extra_bufts``), so both servers run the kernels the local engine runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sdist import LLAMA_CPP_PYTHON_VERSION, test_cache_dir, vendored_llama_cpp

CMAKE_FLAGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_BUILD_SERVER=ON",
    "-DLLAMA_BUILD_TOOLS=ON",
    "-DLLAMA_BUILD_COMMON=ON",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_APP=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",  # else the build fetches web UI assets from the network
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_LLGUIDANCE=OFF",
    "-DGGML_NATIVE=ON",
    "-DGGML_BACKEND_DL=OFF",
)
"""No CURL either: llama.cpp dropped the ``LLAMA_CURL`` option (it only warns), downloads need OpenSSL."""

BINARY = "llama-server"
HEALTH_TIMEOUT_S = 60.0
PROGRESS_EVERY_S = 15.0

Say = Callable[[str], None]


def build_key() -> str:
    """Version and a digest of everything that changes the binary: flags, compiler and CPU (native build)."""
    from tui.core.models.hardware import cpu_flags

    compiler = shutil.which("c++") or shutil.which("g++") or "c++"
    material = "\n".join((*CMAKE_FLAGS, compiler, " ".join(sorted(cpu_flags()))))
    return f"{LLAMA_CPP_PYTHON_VERSION}-{hashlib.sha256(material.encode()).hexdigest()[:12]}"


def binary_path() -> Path:
    return test_cache_dir() / "llama-server" / build_key() / BINARY


def ensure_llama_server(say: Say = print) -> Path:
    """The cached binary, built first if missing. Raises ``RuntimeError`` with the build log's tail on failure."""
    target = binary_path()
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another session may be building it right now: wait for that one
        if not target.is_file():
            _build(target, say)
    return target


def _build(target: Path, say: Say) -> None:
    source = vendored_llama_cpp()
    build_dir = target.parent / "build"
    log_path = target.parent / "build.log"
    jobs = str(os.cpu_count() or 2)
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    configure = ["cmake", "-S", str(source), "-B", str(build_dir), *generator, *CMAKE_FLAGS]
    build = ["cmake", "--build", str(build_dir), "--target", BINARY, "--parallel", jobs]
    say(f"building llama-server from {source} ({jobs} jobs; a few minutes on two cores; log: {log_path})")
    start = time.monotonic()
    with log_path.open("w") as log:
        for step in (configure, build):
            _run_logged(step, log, say, start)
    built = build_dir / "bin" / BINARY
    if not built.is_file():
        raise RuntimeError(f"the llama-server build finished but {built} is missing (log: {log_path})")
    partial = target.with_suffix(".partial")
    shutil.copy2(built, partial)
    os.replace(partial, target)
    shutil.rmtree(build_dir, ignore_errors=True)  # a static binary: the objects are not needed again
    say(f"llama-server built in {time.monotonic() - start:.0f} s: {target}")


def _run_logged(command: list[str], log, say: Say, start: float) -> None:
    """Runs one build step, everything to the log, and a progress line (ninja's ``[n/total]``) now and then."""
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    assert process.stdout is not None
    last_said = time.monotonic()
    for line in process.stdout:
        log.write(line)
        now = time.monotonic()
        if now - last_said >= PROGRESS_EVERY_S:
            last_said = now
            say(f"  llama-server build, {now - start:.0f} s: {line.strip()[:100]}")
    if process.wait() != 0:
        log.flush()
        tail = Path(log.name).read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(command[:2])} failed with exit code {process.returncode}:\n{tail}")


@dataclass(frozen=True)
class ServerOptions:
    """How a test server is started: the same context and threads as the local ``engine`` fixture."""

    model_path: Path
    port: int
    n_ctx: int
    n_threads: int
    log_path: Path


def llama_server_command(binary: Path, options: ServerOptions) -> list[str]:
    """One slot (so ``/props`` reports the whole context), loopback only, and the numerics of the local engine
    (llama-cpp-python's defaults): no flash attention, batches of 512, a full-size sliding-window cache.
    With llama-server's own defaults (flash attention on the CPU, batches of 2,048, a window-sized SWA cache) a
    greedy reply flipped at a near-tie ("red, yellow and blue" for the local "red, blue and yellow"): a
    different computation, not a different prompt, so the parity tests compare like with like."""
    from tui.engine.load_options import use_cpu_extra_buffers

    command = [
        str(binary),
        "--model",
        str(options.model_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(options.port),
        "--ctx-size",
        str(options.n_ctx),
        "--threads",
        str(options.n_threads),
        "--parallel",
        "1",
        "--flash-attn",
        "off",
        "--batch-size",
        "512",
        "--ubatch-size",
        "512",
        "--swa-full",
        "--no-webui",
    ]
    if not use_cpu_extra_buffers():
        command.append("--no-repack")  # no AMX or repacked kernels: what the local engine uses here
    return command


def llama_cpp_python_command(python: str, options: ServerOptions, n_ctx_flag: int | None = None) -> list[str]:
    """llama-cpp-python's server through ``tui.engine.llama_cpp_server`` (it loads as shotglass does)."""
    return [
        python,
        "-m",
        "tui.engine.llama_cpp_server",
        "--model",
        str(options.model_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(options.port),
        "--n_ctx",
        str(n_ctx_flag or options.n_ctx),
        "--n_threads",
        str(options.n_threads),
        # its default (True) computes logits for every prompt position: minutes for a 3,000-token prompt on two
        # cores, and nothing shotglass reads
        "--logits_all",
        "False",
    ]


@contextlib.contextmanager
def running_server(command: list[str], log_path: Path, ready_url: str, name: str) -> Iterator[None]:
    """Starts ``command`` and waits until ``ready_url`` answers 200; always stops the process afterwards."""
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass  # not listening yet, or 503 while the model loads
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start in {HEALTH_TIMEOUT_S:.0f} s:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
