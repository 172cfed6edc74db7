"""While a model loads in a worker, llama-cpp-python's prints go to llama.cpp's log, and another thread's
stderr (a crash report the UI thread prints meanwhile) still reaches the terminal."""

from __future__ import annotations

import io
import sys
import threading
import types

from tui.engine.llama import LlamaEngine
from tui.engine.load_options import LoadOptions
from tui.engine.load_prints import module_prints_to


def test_only_the_modules_prints_go_to_the_log(monkeypatch) -> None:
    terminal, log = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    library = types.ModuleType("library")
    exec("import sys\ndef load():\n    print('loading', 'model', file=sys.stderr, end='!\\n')", vars(library))
    inside, done = threading.Event(), threading.Event()

    def load() -> None:
        with module_prints_to([library], log):
            library.load()
            inside.set()
            done.wait(10)

    loader = threading.Thread(target=load)
    loader.start()
    assert inside.wait(10)
    print("Traceback: a bug in the TUI", file=sys.stderr)  # the UI thread, while the load runs
    done.set()
    loader.join(10)
    assert log.getvalue() == "loading model!\n"
    assert terminal.getvalue() == "Traceback: a bug in the TUI\n"
    assert "print" not in vars(library)  # the built-in shows through again
    library.load()
    assert terminal.getvalue().endswith("loading model!\n")


def test_a_real_load_prints_nothing_on_stderr(model_path, tmp_path, monkeypatch, capfd) -> None:
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    log = tmp_path / "llama.log"
    engine = LlamaEngine(LoadOptions(model_path=model_path, n_ctx=256, log_file=log))
    engine.close()
    assert terminal.getvalue() == ""
    assert capfd.readouterr().err == ""  # nor on fd 2 (llama.cpp's own log is routed to the file)
    assert "Model metadata" in log.read_text(encoding="utf-8")  # llama-cpp-python's print, in the log
