"""Facts about this machine that pick defaults (threads)."""

from __future__ import annotations

import os
from pathlib import Path


def physical_cores() -> int:
    """Physical cores, not hyper-threads: llama.cpp decode is memory-bound and SMT siblings only contend.

    Read from /proc/cpuinfo on Linux; elsewhere fall back to the logical count.
    """
    cpuinfo = Path("/proc/cpuinfo")
    try:
        text = cpuinfo.read_text()
    except OSError:
        return max(1, os.cpu_count() or 1)
    cores: set[tuple[str, str]] = set()
    physical = core = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "physical id":
            physical = value
        elif key == "core id":
            core = value
        elif not key and physical is not None and core is not None:
            cores.add((physical, core))
            physical = core = None
    if physical is not None and core is not None:
        cores.add((physical, core))
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(len(cores) or available, available))


def cpu_flags() -> frozenset[str]:
    """The CPU feature flags the kernel reports (Linux); empty elsewhere or when unreadable."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def _proc_kib(path: str, field: str) -> int | None:
    """A ``Field:   123 kB`` line from a /proc file, in bytes; None where /proc is not there."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def available_memory_bytes() -> int | None:
    """MemAvailable: what can be allocated without swapping."""
    return _proc_kib("/proc/meminfo", "MemAvailable")


def resident_memory_bytes() -> int | None:
    """This process's resident set size (VmRSS), for the model-switching memory test and benchmark."""
    return _proc_kib("/proc/self/status", "VmRSS")


def backend_label(offload: bool, gpu_layers: int, gpu_names: list[str]) -> str:
    """What the header says about where the model runs: a CPU-only build, CPU by choice, or which GPU."""
    if not offload:
        return "CPU-only build"
    gpus = "/".join(gpu_names) or "GPU"
    if gpu_layers == 0:
        return f"CPU ({gpus} available, 0 layers offloaded)"
    return f"{gpus} ({'all' if gpu_layers < 0 else gpu_layers} layers)"
