"""The F3 editor's export row (Pilot + fake engine): a format and a path, a second press to replace an
existing file, never a symlink; the written file imports back as the profile being edited."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Select
from ui_helpers import wait_for

from tui.core.profiles.importers import import_foreign
from tui.engine.fake import FakeEngine
from tui.ui.profiles.editor import ProfileEditor


async def _open_editor(pilot, app) -> ProfileEditor:
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileEditor))
    return app.screen


def _status(editor: ProfileEditor) -> str:
    return str(editor.query_one("#export-status").render())


async def _export(pilot, editor: ProfileEditor, target: str, path: Path | None = None) -> None:
    editor.query_one("#export-format", Select).value = target
    await pilot.pause(0.05)
    if path is not None:
        editor.query_one("#export-path", Input).value = str(path)
        await pilot.pause(0.05)
    editor.query_one("#export", Button).press()
    await pilot.pause(0.1)


@pytest.mark.parametrize("target", ["ollama", "lmstudio", "sillytavern", "llamacpp", "toml"])
async def test_the_editor_exports_each_format_and_it_imports_back(chat_app, tmp_path: Path, target: str) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    engine = FakeEngine()
    engine.info = dataclasses.replace(engine.info, path=str(model))
    app = chat_app(engine, profile="creative-sampling")
    async with app.run_test(size=(110, 44)) as pilot:
        editor = await _open_editor(pilot, app)
        editor.query_one("#field-name", Input).value = "story"
        editor.query_one("#field-stop", Input).value = '["THE END"]'
        await pilot.pause(0.05)
        out = tmp_path / "out"
        out.mkdir()
        editor.query_one("#export-format", Select).value = target
        await pilot.pause(0.05)
        suggested = Path(editor.query_one("#export-path", Input).value)
        assert suggested.parent == Path.cwd() and suggested.name.startswith("story")
        await _export(pilot, editor, target, out / suggested.name)
        written = out / suggested.name
        assert written.is_file(), _status(editor)
        assert _status(editor).startswith("✓ exported as")
        back = import_foreign(written).profile
        assert dataclasses.replace(back, description=editor.current.description) == editor.current
        if target == "ollama":
            assert f"FROM {model.resolve()}" in written.read_text()  # the model the app runs
        assert isinstance(app.screen, ProfileEditor)  # exporting does not close the editor


async def test_an_existing_file_needs_a_second_press_and_a_symlink_is_never_replaced(chat_app, tmp_path: Path) -> None:
    app = chat_app()
    async with app.run_test(size=(110, 44)) as pilot:
        editor = await _open_editor(pilot, app)
        path = tmp_path / "greedy.ini"
        path.write_text("mine\n")
        await _export(pilot, editor, "llamacpp", path)
        assert path.read_text() == "mine\n"
        assert "exists: press Export again to replace it" in _status(editor)
        editor.query_one("#export", Button).press()
        await pilot.pause(0.1)
        assert "[greedy-factual]" in path.read_text() and _status(editor).startswith("✓")
        target = tmp_path / "keep.txt"
        target.write_text("keep\n")
        link = tmp_path / "link.ini"
        link.symlink_to(target)
        for _press in range(2):
            await _export(pilot, editor, "llamacpp", link)
        assert target.read_text() == "keep\n" and "it is a symbolic link" in _status(editor)
        fifo = tmp_path / "pipe.ini"
        os.mkfifo(fifo)
        await _export(pilot, editor, "llamacpp", fifo)
        assert "FIFO" in _status(editor)


async def test_the_path_follows_name_and_format_until_typed_and_an_invalid_form_disables_export(
    chat_app, tmp_path: Path
) -> None:
    app = chat_app()
    async with app.run_test(size=(110, 44)) as pilot:
        editor = await _open_editor(pilot, app)
        path_field = editor.query_one("#export-path", Input)
        assert path_field.value == str(Path.cwd() / "greedy-factual.toml")
        editor.query_one("#export-format", Select).value = "lmstudio"
        await pilot.pause(0.05)
        assert path_field.value == str(Path.cwd() / "greedy-factual.preset.json")
        editor.query_one("#field-name", Input).value = "mine"
        await pilot.pause(0.05)
        assert path_field.value == str(Path.cwd() / "mine.preset.json")
        path_field.value = str(tmp_path / "chosen.json")
        await pilot.pause(0.05)
        editor.query_one("#export-format", Select).value = "sillytavern"
        editor.query_one("#field-name", Input).value = "other"
        await pilot.pause(0.05)
        assert path_field.value == str(tmp_path / "chosen.json")  # a typed path is the user's
        editor.query_one("#field-top_p", Input).value = "7"
        await pilot.pause(0.05)
        assert editor.query_one("#export", Button).disabled and editor.current is None
        assert not (tmp_path / "chosen.json").exists()
