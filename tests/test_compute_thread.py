"""Every llama.cpp computation runs on one thread, whoever asks: a second OpenMP master thread made libgomp
throttle its spin-waits and cost 40% of the decode rate (see ``tui/engine/compute_thread.py``)."""

from __future__ import annotations

import signal
import threading

import pytest

from tui.core.contract import SamplingParams
from tui.engine.compute_thread import on_compute_thread, run_on_compute_thread


def test_callers_on_any_thread_share_one_compute_thread() -> None:
    seen: list[int] = []
    run_on_compute_thread(lambda: seen.append(threading.get_ident()))
    worker = threading.Thread(target=lambda: run_on_compute_thread(lambda: seen.append(threading.get_ident())))
    worker.start()
    worker.join(10)
    assert len(seen) == 2 and seen[0] == seen[1] != threading.get_ident()
    assert not on_compute_thread()


def test_a_computation_may_start_another_and_errors_come_back() -> None:
    def outer() -> str:
        assert on_compute_thread()
        return run_on_compute_thread(lambda: "inner")  # inline: waiting on itself would never end

    assert run_on_compute_thread(outer) == "inner"

    def failing() -> None:
        raise ValueError("from the compute thread")

    with pytest.raises(ValueError, match="from the compute thread"):
        run_on_compute_thread(failing)


def test_an_interrupted_caller_stops_the_computation() -> None:
    cancel, started = threading.Event(), threading.Event()

    def long_computation() -> bool:
        started.set()
        return cancel.wait(10)  # as generate() checks its cancel event between tokens

    def interrupt(_signum, _frame) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # after the task has started
        with pytest.raises(KeyboardInterrupt):
            run_on_compute_thread(long_computation, cancel)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert started.is_set() and cancel.is_set()
    assert run_on_compute_thread(lambda: "free again") == "free again"  # the computation ended


def test_the_engine_decodes_on_the_compute_thread_from_any_caller(engine) -> None:
    params = SamplingParams(
        max_new_tokens=3, temperature=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, seed=0
    )
    threads: set[int] = set()

    def generate() -> None:
        engine.generate("The sky is", params, lambda _text, _n: threads.add(threading.get_ident()), threading.Event())

    generate()
    worker = threading.Thread(target=generate)
    worker.start()
    worker.join(60)
    assert len(threads) == 1 and threading.get_ident() not in threads
