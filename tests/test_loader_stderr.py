"""While a model loads in a worker, only that worker's stderr goes to llama.cpp's log (a crash report the UI
thread prints meanwhile reaches the terminal)."""

from __future__ import annotations

import io
import sys
import threading

from tui.engine.loader_stderr import this_threads_stderr_to


def test_only_the_loading_thread_writes_to_the_log(monkeypatch) -> None:
    terminal, log = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    inside, done = threading.Event(), threading.Event()

    def load() -> None:
        with this_threads_stderr_to(log):
            print("llama-cpp-python: loading", file=sys.stderr)
            inside.set()
            done.wait(10)

    loader = threading.Thread(target=load)
    loader.start()
    assert inside.wait(10)
    print("Traceback: a bug in the TUI", file=sys.stderr)  # the UI thread, while the load runs
    assert sys.stderr.isatty() is False and sys.stderr.getvalue() == terminal.getvalue()  # type: ignore[attr-defined]
    done.set()
    loader.join(10)
    assert log.getvalue() == "llama-cpp-python: loading\n"
    assert terminal.getvalue() == "Traceback: a bug in the TUI\n"
    assert sys.stderr is terminal  # put back afterwards
