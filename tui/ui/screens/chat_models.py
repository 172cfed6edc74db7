"""Switching models inside the chat: cancel any reply, load the new model in a worker, close the old one
(never while a worker can still touch it), keep the conversation and recount the gauge with the new
tokenizer. Mixed into ``ChatScreen``; needs the ``load_model`` and ``scan_models`` callables the
composition root injects."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.message import Message

from tui.core.errors import UserError
from tui.ui.screens.model_picker import ModelChoice, ModelPicker
from tui.ui.widgets.header_bar import HeaderBar


@dataclass
class ModelLoaded(Message):
    engine: object
    seconds: float


@dataclass
class ModelLoadFailed(Message):
    error: str


class ChatModelsMixin:
    load_model = None
    scan_models = None
    _loading = False

    def action_pick_model(self) -> None:
        if self.load_model is None or self.scan_models is None:
            self.notify("Switching models is not available here (a remote endpoint, or no loader).",
                        severity="warning")
            return
        if self._loading:
            self.notify("A model is already loading.", severity="warning")
            return

        async def chosen(choice: ModelChoice | None) -> None:
            if choice is not None:
                await self.switch_model(choice)

        note = getattr(self, "gpu_note", "")
        self.app.push_screen(ModelPicker(self.scan_models, self.engine.info.path, note), chosen)

    async def switch_model(self, choice: ModelChoice) -> None:
        if self.generating:
            self.action_stop()
            while self.generating:  # the worker leaves the engine within one token
                await asyncio.sleep(0.02)
        self._loading = True
        self.notify(f"Loading {choice.path.name}…", timeout=3)
        self._load(choice.path, choice.gpu_layers)

    @work(thread=True, exclusive=True, group="model")
    def _load(self, path: Path, gpu_layers: int | None) -> None:
        started = time.perf_counter()
        try:
            engine = self.load_model(path, gpu_layers)
        except UserError as error:
            self.post_message(ModelLoadFailed(str(error)))
            return
        self.post_message(ModelLoaded(engine, time.perf_counter() - started))

    def on_model_loaded(self, message: ModelLoaded) -> None:
        old, self.engine = self.engine, message.engine
        self.app.engine = message.engine
        self._loading = False
        self._gauge_cache = None
        self.query_one(HeaderBar).show_model(self.engine.info)
        self._close_engine(old)
        self.call_after_refresh(self.refresh_pins)
        self._schedule_recount(0)
        self.notify(f"Loaded {self.engine.info.name} in {message.seconds:.1f} s. The conversation is kept; the "
                    "gauge now counts with this model's tokenizer, and the next reply re-evaluates the prompt.",
                    timeout=8)

    def on_model_load_failed(self, message: ModelLoadFailed) -> None:
        self._loading = False
        self.notify(message.error, title="Model not loaded (the current one stays)", severity="error", timeout=12)

    @work(thread=True, group="close-model")
    def _close_engine(self, engine) -> None:
        """close() waits for the generation lock, so it is safe even if a stray worker still holds it."""
        engine.close()
