"""Switching models in the app (Pilot + fake engines): cancel first, keep the chat, close the old model."""

from __future__ import annotations

import threading
from pathlib import Path

from ui_helpers import send, send_and_wait, wait_for, wait_streamed

from tui.core.errors import ModelError
from tui.core.models.scan import ModelEntry
from tui.core.models.sources import SkippedFile, SourceKind
from tui.engine.fake import FakeEngine
from tui.ui.chat.context_gauge import ContextGauge
from tui.ui.models.picker import ModelPicker


def _entry(name: str) -> ModelEntry:
    return ModelEntry(
        name=name,
        source=SourceKind.FOLDER,
        path=Path(f"/models/{name}"),
        architecture="llama",
        parameters="1B",
        quantization="Q4_K_M",
        size_bytes=700 * 2**20,
        context_length=4096,
        has_chat_template=True,
    )


def _scan():
    return [_entry("a.gguf"), _entry("b.gguf"), SkippedFile(Path("/models/notes.gguf"), "not a GGUF file")]


def _with_models(chat_app, engine: FakeEngine, loader):
    """The shared chat driver with a model loader and a scan of two models and one skipped file."""
    return chat_app(engine, load_model=loader, scan_models=_scan, gpu_note="CPU-only build")


async def test_switching_keeps_the_chat_and_closes_the_old_model(chat_app) -> None:
    loaded: list[tuple[Path, int | None]] = []
    new_engine = FakeEngine(n_ctx=4096).script("from the new model")

    def loader(path: Path, gpu_layers: int | None):
        loaded.append((path, gpu_layers))
        return new_engine

    old_engine = FakeEngine().script("from the old model")
    app = _with_models(chat_app, old_engine, loader)
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        await send_and_wait(pilot, "hello")
        await pilot.press("f10")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ModelPicker) and app.screen.query_one("#models-list").option_count == 2,
        )
        assert "not a GGUF file" in str(app.screen.query_one("#models-skipped").render())
        app.screen.query_one("#models-gpu-layers").value = "0"
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: chat.engine is new_engine and old_engine.closed)
        assert loaded == [(Path("/models/b.gguf"), 0)] and app.engine is new_engine
        gauge = chat.query_one(ContextGauge)
        await wait_for(pilot, lambda: gauge.counts is not None and gauge.counts.n_ctx == 4096)
        assert [m.text for m in chat.state.messages] == ["hello", "from the old model"]
        await send_and_wait(pilot, "again")
        assert len(chat.state.messages) == 4
        assert new_engine.requests[0][0].startswith("User: hello\nAssistant: from the old model")


async def test_switching_mid_reply_cancels_first(chat_app) -> None:
    gate = threading.Event()
    old_engine = FakeEngine(gate=gate).script("one two three four")
    app = _with_models(chat_app, old_engine, lambda path, layers: FakeEngine())
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        await send(pilot, "count")
        await wait_streamed(pilot, "one")
        await pilot.press("f10")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ModelPicker) and app.screen.query_one("#models-list").option_count == 2,
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: old_engine.closed)
        assert chat.state.messages[-1].text == "one"
        assert chat.state.messages[-1].stats.finish_reason.value == "cancelled"


async def test_a_failed_load_keeps_the_current_model(chat_app) -> None:
    attempted: list[Path] = []

    def loader(path: Path, layers: int | None):
        attempted.append(path)
        raise ModelError(f"{path.name} needs at least 40.0 GiB of memory for its weights; only 3.0 GiB is available")

    engine = FakeEngine()
    app = _with_models(chat_app, engine, loader)
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        await pilot.press("f10")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ModelPicker) and app.screen.query_one("#models-list").option_count == 2,
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: attempted and not chat.models.loading and app.screen is chat)
        await pilot.pause(0.1)
        assert chat.engine is engine and not engine.closed
