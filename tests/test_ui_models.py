"""Switching models in the app (Pilot + fake engines): cancel first, keep the chat, close the old model."""

from __future__ import annotations

import threading
from pathlib import Path

from ui_helpers import wait_for

from tui.core.errors import ModelError
from tui.core.models.scan import ModelEntry
from tui.core.models.sources import SkippedFile, SourceKind
from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine
from tui.ui.app import AppSettings, ShotglassApp
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


def _app(store: ProfileStore, engine: FakeEngine, loader) -> ShotglassApp:
    scan = lambda: [_entry("a.gguf"), _entry("b.gguf"), SkippedFile(Path("/models/notes.gguf"), "not a GGUF file")]
    return ShotglassApp(
        AppSettings(
            engine=engine,
            profiles=store,
            profile=store.get("greedy-factual"),
            load_model=loader,
            scan_models=scan,
            gpu_note="CPU-only build",
        )
    )


async def test_switching_keeps_the_chat_and_closes_the_old_model(store: ProfileStore) -> None:
    loaded: list[tuple[Path, int | None]] = []
    new_engine = FakeEngine(n_ctx=4096).script("from the new model")

    def loader(path: Path, gpu_layers: int | None):
        loaded.append((path, gpu_layers))
        return new_engine

    old_engine = FakeEngine().script("from the old model")
    app = _app(store, old_engine, loader)
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        chat.query_one("#input").text = "hello"
        chat.query_one("#input").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(chat.session.messages) == 2 and not chat.generating)
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
        assert [m.text for m in chat.session.messages] == ["hello", "from the old model"]
        chat.query_one("#input").text = "again"
        chat.query_one("#input").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(chat.session.messages) == 4 and not chat.generating)
        assert new_engine.requests[0][0].startswith("User: hello\nAssistant: from the old model")


async def test_switching_mid_reply_cancels_first(store: ProfileStore) -> None:
    gate = threading.Event()
    old_engine = FakeEngine(gate=gate).script("one two three four")
    app = _app(store, old_engine, lambda path, layers: FakeEngine())
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        chat.query_one("#input").text = "count"
        chat.query_one("#input").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat._pending is not None and chat._pending.view._raw == "one")
        await pilot.press("f10")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ModelPicker) and app.screen.query_one("#models-list").option_count == 2,
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: old_engine.closed)
        assert chat.session.messages[-1].text == "one"
        assert chat.session.messages[-1].stats.finish_reason.value == "cancelled"


async def test_a_failed_load_keeps_the_current_model(store: ProfileStore) -> None:
    def loader(path: Path, layers: int | None):
        raise ModelError(f"{path.name} needs at least 40.0 GiB of memory for its weights; only 3.0 GiB is available")

    engine = FakeEngine()
    app = _app(store, engine, loader)
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        await pilot.press("f10")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ModelPicker) and app.screen.query_one("#models-list").option_count == 2,
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: not chat._loading and app.screen is chat)
        await pilot.pause(0.1)
        assert chat.engine is engine and not engine.closed
