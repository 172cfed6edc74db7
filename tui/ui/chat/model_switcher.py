"""Switching models inside the chat, as a small helper the chat screen owns.

It loads the new model in a thread worker and reports back with a message; the screen swaps the engine and
closes the old one (never while a worker can still touch it: ``close()`` waits for the generation lock).
The loader and the scanner are injected by the composition root, so the UI never imports an engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.message import Message
from textual.widget import Widget

from tui.core.contract import Engine
from tui.core.errors import UserError
from tui.core.models.scan import ModelEntry
from tui.core.models.sources import SkippedFile
from tui.ui.models.picker import ModelChoice

ModelLoader = Callable[[Path, int | None], Engine]
ModelScanner = Callable[[], list[ModelEntry | SkippedFile]]


@dataclass
class ModelLoaded(Message):
    engine: Engine
    seconds: float
    first: bool = False
    """The model the app started with (loaded after the first frame), not a switch."""


@dataclass
class ModelLoadFailed(Message):
    error: str
    first: bool = False


class ModelSwitcher:
    def __init__(self, host: Widget, load: ModelLoader | None, scan: ModelScanner | None, gpu_note: str) -> None:
        self._host = host
        self._load = load
        self.scan = scan
        self.gpu_note = gpu_note
        self.loading = False

    @property
    def available(self) -> bool:
        return self._load is not None and self.scan is not None

    def start(self, choice: ModelChoice) -> None:
        load = self._load
        if load is not None and not self.loading:
            self._run(lambda: load(choice.path, choice.gpu_layers), first=False)

    def start_first(self, load: Callable[[], Engine]) -> None:
        """Load the model the app starts with, after the first frame is drawn."""
        self._run(load, first=True)

    def _run(self, load: Callable[[], Engine], first: bool) -> None:
        host = self._host
        self.loading = True

        def run() -> None:
            started = time.perf_counter()
            try:
                engine = load()
            except UserError as error:
                host.post_message(ModelLoadFailed(str(error), first))
                return
            host.post_message(ModelLoaded(engine, time.perf_counter() - started, first))

        host.run_worker(run, thread=True, exclusive=True, group="model", exit_on_error=False)

    def done(self) -> None:
        self.loading = False

    def close_later(self, engine: Engine) -> None:
        """Close the replaced engine off the UI thread: it waits for any stray worker to leave it."""
        self._host.run_worker(engine.close, thread=True, group="close-model", exit_on_error=False)
