"""Profile editor, replay and switching in the TUI (Pilot + fake engine)."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input, Select
from ui_helpers import send_and_wait
from ui_helpers import wait_for as _wait

from tui.core.errors import ProfileError
from tui.core.profiles.form import profile_from_form, profile_to_form
from tui.core.profiles.store import ProfileSource, ProfileStore
from tui.engine.fake import FakeEngine
from tui.ui.profiles.editor import ProfileEditor


def _set(editor: ProfileEditor, key: str, value: str) -> None:
    editor.query_one(f"#field-{key}", Input).value = value


async def test_editor_validates_as_you_type_and_saves_a_user_profile(store: ProfileStore, chat_app) -> None:
    app = chat_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("f3")
        await _wait(pilot, lambda: isinstance(app.screen, ProfileEditor))
        editor = app.screen
        _set(editor, "temperature", "-2")
        await pilot.pause(0.05)
        status = str(editor.query_one("#editor-status").render())
        assert "key 'temperature' = -2.0 is out of range" in status
        assert editor.query_one("#save", Button).disabled
        assert editor.query_one("#field-temperature", Input).has_class("-invalid")
        _set(editor, "temperature", "0.7")
        _set(editor, "name", "../evil")
        await pilot.pause(0.05)
        assert "is not allowed" in str(editor.query_one("#editor-status").render())
        _set(editor, "name", "warm")
        _set(editor, "seed", "7")
        _set(editor, "stop", '["###"]')
        await pilot.pause(0.05)
        assert not editor.query_one("#save", Button).disabled
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: not isinstance(app.screen, ProfileEditor))
        saved = store.entry("warm")
        assert saved.source is ProfileSource.USER
        assert saved.profile.temperature == 0.7 and saved.profile.seed == 7 and saved.profile.stop == ("###",)
        assert app.screen.state.profile.name == "warm"
        assert app.screen.query_one("#profile-select", Select).value == "warm"


async def test_saving_a_builtin_name_shadows_it_and_reset_removes_the_shadow(store: ProfileStore, chat_app) -> None:
    app = chat_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("f3")
        await _wait(pilot, lambda: isinstance(app.screen, ProfileEditor))
        editor = app.screen
        assert "shadows the built-in" in str(editor.query_one("#editor-status").render())
        assert not editor.query_one("#reset", Button).display
        _set(editor, "max_new_tokens", "64")
        await pilot.pause(0.05)
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: not isinstance(app.screen, ProfileEditor))
        assert store.entry("greedy-factual").source is ProfileSource.USER_SHADOWING
        assert app.screen.state.profile.max_new_tokens == 64
        await pilot.press("f3")
        await _wait(pilot, lambda: isinstance(app.screen, ProfileEditor))
        assert app.screen.query_one("#reset", Button).display
        await pilot.click("#reset")
        await _wait(pilot, lambda: not isinstance(app.screen, ProfileEditor))
        assert store.entry("greedy-factual").source is ProfileSource.BUILT_IN
        assert app.screen.state.profile.max_new_tokens == 256


async def test_escape_cancels_the_editor_without_writing(store: ProfileStore, chat_app) -> None:
    app = chat_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("f3")
        await _wait(pilot, lambda: isinstance(app.screen, ProfileEditor))
        _set(app.screen, "temperature", "1.5")
        await pilot.press("escape")
        await _wait(pilot, lambda: not isinstance(app.screen, ProfileEditor))
        assert not store.user_dir.exists() or not any(store.user_dir.iterdir())


async def test_replay_reruns_the_same_request_and_reports_identical(chat_app) -> None:
    engine = FakeEngine().script("a sampled reply", "a sampled reply")
    app = chat_app(engine, profile="creative-sampling")
    async with app.run_test(size=(110, 40)) as pilot:
        await send_and_wait(pilot, "hi", typed=True)
        await pilot.press("ctrl+r")
        await _wait(pilot, lambda: len(engine.requests) == 2 and not app.screen.generating)
        (first_prompt, first_params), (second_prompt, second_params) = engine.requests
        assert first_prompt == second_prompt and first_params == second_params
        stats = app.screen.state.messages[-1].stats
        assert engine.reuse_limits == [None, stats.prompt_tokens - stats.evaluated_prompt_tokens]
        assert first_params.seed == app.screen.state.messages[-1].stats.seed
        assert len(app.screen.state.messages) == 2
        assert "replay: identical to the original" in str(app.screen.query(".message-stats").last().render())


def test_form_round_trip_and_errors() -> None:
    store_profile = profile_from_form(
        {
            "name": "x",
            "description": "",
            "max_new_tokens": "10",
            "temperature": "0",
            "top_k": "40",
            "top_p": "1",
            "min_p": "0",
            "repeat_penalty": "1",
            "seed": "",
            "stop": "",
        }
    )
    assert profile_from_form(profile_to_form(store_profile)) == store_profile
    form = profile_to_form(store_profile)
    form["top_k"] = ""
    with pytest.raises(ProfileError, match="key 'top_k' is empty"):
        profile_from_form(form)
    form = profile_to_form(store_profile)
    form["stop"] = "###"
    with pytest.raises(ProfileError, match="key 'stop' must be a list of strings"):
        profile_from_form(form)


async def test_import_from_the_tui_maps_a_modelfile_and_refuses_overwrites(
    store: ProfileStore, chat_app, tmp_path
) -> None:
    from tui.ui.common.text_editor import TextFieldsEditor

    modelfile = tmp_path / "mine" / "Modelfile"
    modelfile.parent.mkdir()
    modelfile.write_text("FROM llama3\nPARAMETER temperature 0.4\nPARAMETER top_k 12\nPARAMETER num_ctx 4096\n")
    app = chat_app()
    async with app.run_test(size=(110, 40)) as pilot:
        for _attempt in range(2):
            app.screen.action_import_profile()
            await _wait(pilot, lambda: isinstance(app.screen, TextFieldsEditor) and app.screen.query("#text-field-0"))
            app.screen.query_one("#text-field-0").text = str(modelfile)
            await pilot.press("ctrl+s")
            await _wait(pilot, lambda: not isinstance(app.screen, TextFieldsEditor))
            await pilot.pause(0.05)
        imported = store.get("mine")
        assert imported.temperature == 0.4 and imported.top_k == 12
        assert app.screen.state.profile.name == "mine"
        assert (store.user_dir / "mine.toml").read_text().count("temperature") == 1
