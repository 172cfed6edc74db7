"""The footer and the palette offer only what the engine in use can do: no F8 (inspect) where the engine cannot
re-score (a remote server), no F10 (switch model) where there is nothing to switch to (a remote endpoint).

The engines declare it (``EngineCapabilities``, the model loader the app got); the screen reads the declaration
through Textual's ``check_action``, so the key is neither shown nor run, and a switched engine updates both.
"""

from __future__ import annotations

import dataclasses

from textual.widgets._footer import FooterKey
from ui_helpers import InspectableFake, make_app, send_and_wait, wait_for

from tui.engine.fake import FakeEngine
from tui.ui.chat.palette import ChatCommands
from tui.ui.inspector.screen import InspectorScreen


def _footer_keys(app) -> set[str]:
    return {key.key for key in app.screen.query(FooterKey)}


def _palette_titles(app) -> set[str]:
    provider = ChatCommands(app.screen)
    return {title for title, _help, _callback in provider._commands()}


async def test_a_remote_like_engine_gets_no_inspect_or_model_keys(store) -> None:
    app = make_app(store, FakeEngine().script("hello"))  # no re-scoring, no model loader: what --endpoint gets
    async with app.run_test(size=(160, 40)) as pilot:
        await send_and_wait(pilot, "hi")
        await pilot.pause(0.1)
        keys = _footer_keys(app)
        assert "f8" not in keys and "f10" not in keys
        assert {"f2", "f7", "f9"} <= keys  # the rest of the footer is still there
        assert {"Inspect last reply", "Switch model"}.isdisjoint(_palette_titles(app))
        await pilot.press("f8")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, InspectorScreen)


async def test_a_local_like_engine_gets_both_and_a_switch_updates_the_footer(store) -> None:
    engine = InspectableFake().script("hello")
    app = make_app(store, engine, load_model=lambda path, layers: FakeEngine(), scan_models=lambda: [])
    async with app.run_test(size=(160, 40)) as pilot:
        await send_and_wait(pilot, "hi")
        await pilot.pause(0.1)
        assert {"f8", "f10"} <= _footer_keys(app)
        assert {"Inspect last reply", "Switch model"} <= _palette_titles(app)
        engine.capabilities = dataclasses.replace(engine.capabilities, rescoring=False)
        app.screen.show_engine()  # what a model switch calls
        await wait_for(pilot, lambda: "f8" not in _footer_keys(app))
        assert "f10" in _footer_keys(app)
