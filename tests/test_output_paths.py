"""Writes to paths the user names (issue 12, item 4): ``history export -o``, the conversations screen's
Ctrl+E and the pins' "save as example set" never replace a symlink, a FIFO or a device, and never
overwrite an existing file without ``--force`` (CLI) or a second, confirming try (TUI)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from ui_helpers import send_and_wait, wait_for

from tui.cli import main
from tui.core.fewshot.example_set import read_example_set
from tui.core.fewshot.examples import Example, ExampleSet
from tui.core.history.store import HistoryStore
from tui.core.paths import AppPaths
from tui.engine.fake import FakeEngine
from tui.ui.common.text_editor import TextFieldsEditor
from tui.ui.history.screen import HistoryScreen


@pytest.fixture
def chat(isolated_dirs: AppPaths) -> int:
    with HistoryStore.for_paths(isolated_dirs) as store:
        chat = store.create_conversation()
        store.add_user_message(chat, "What is the capital of France?")
        return chat


def _export(capsys, chat: int, *extra: str) -> tuple[int, str, str]:
    code = main(["history", "export", str(chat), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_export_refuses_an_existing_file_without_force(capsys, chat: int, tmp_path: Path) -> None:
    target = tmp_path / "chat.md"
    code, _, _ = _export(capsys, chat, "-o", str(target))
    assert code == 0 and "capital of France" in target.read_text()
    target.write_text("keep me\n")
    code, _, err = _export(capsys, chat, "-o", str(target))
    assert code == 2 and target.read_text() == "keep me\n"
    assert err.count("\n") == 1 and "already exists" in err and "--force" in err
    code, _, _ = _export(capsys, chat, "-o", str(target), "--force")
    assert code == 0 and "capital of France" in target.read_text()


def test_cli_export_never_replaces_a_symlink(capsys, chat: int, tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("the target\n")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    for extra in ((), ("--force",)):
        code, _, err = _export(capsys, chat, "-o", str(link), *extra)
        assert code == 2 and "symbolic link" in err and err.count("\n") == 1
        assert link.is_symlink() and real.read_text() == "the target\n"


def test_cli_export_never_replaces_a_fifo_or_a_device(capsys, chat: int, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = _export(capsys, chat, "-o", str(fifo), "--force")  # would block forever if it opened it
    assert code == 2 and "FIFO" in err and stat.S_ISFIFO(fifo.lstat().st_mode)
    before = os.lstat("/dev/null")
    code, _, err = _export(capsys, chat, "-o", "/dev/null", "--force")
    after = os.lstat("/dev/null")
    assert code == 2 and "device" in err
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


async def test_ctrl_e_asks_before_replacing_and_never_replaces_a_link(
    chat_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    history = HistoryStore(tmp_path / "history.sqlite3")
    try:
        async with chat_app(FakeEngine().script("Paris."), history=history).run_test(size=(140, 40)) as pilot:
            app = pilot.app
            await send_and_wait(pilot, "capital of France?")
            conversation = app.screen.state.conversation_id
            target = tmp_path / f"shotglass-conversation-{conversation}.md"
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
            listing = app.screen
            status = listing.query_one("#history-status")
            await pilot.press("ctrl+e")  # the happy path
            await wait_for(pilot, target.exists)
            assert "Paris." in target.read_text()
            target.write_text("mine\n")
            await pilot.press("ctrl+e")  # the first press only asks
            await pilot.pause(0.05)
            assert target.read_text() == "mine\n" and "again" in str(status.render())
            await pilot.press("ctrl+e")
            await wait_for(pilot, lambda: "Paris." in target.read_text())
            real = tmp_path / "real.md"
            real.write_text("the target\n")
            target.unlink()
            target.symlink_to(real)
            for _ in range(2):
                await pilot.press("ctrl+e")
                await pilot.pause(0.05)
            assert target.is_symlink() and real.read_text() == "the target\n"
            assert any("symbolic link" in n.message for n in app._notifications)
            target.unlink()
            os.mkfifo(target)
            for _ in range(2):
                await pilot.press("ctrl+e")
                await pilot.pause(0.05)
            assert stat.S_ISFIFO(target.lstat().st_mode)
            assert app.is_running
    finally:
        history.close()


async def _save_to(pilot, path: Path) -> None:
    app = pilot.app
    chat = app.screen
    if not isinstance(app.screen, TextFieldsEditor):
        chat.action_save_examples()
    await wait_for(pilot, lambda: isinstance(app.screen, TextFieldsEditor) and app.screen.query("#text-field-0"))
    app.screen.query_one("#text-field-0").text = str(path)
    await pilot.press("ctrl+s")
    await pilot.pause(0.1)


async def test_save_examples_asks_before_replacing_and_never_replaces_special_files(chat_app, tmp_path: Path) -> None:
    pins = ExampleSet(name="mine", examples=(Example("good", "positive"),))
    app = chat_app(FakeEngine(), pins=pins)
    target = tmp_path / "mine.toml"
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        await _save_to(pilot, target)  # the happy path
        assert read_example_set(target) == pins
        target.write_text("# mine\n")
        await _save_to(pilot, target)  # asks: the dialog comes back with the same path
        assert target.read_text() == "# mine\n" and isinstance(app.screen, TextFieldsEditor)
        assert "again" in str(app.screen.query_one("#text-editor-note").render())
        await _save_to(pilot, target)  # confirmed
        assert read_example_set(target) == pins and app.screen is chat
        real = tmp_path / "real.toml"
        real.write_text("# the target\n")
        link = tmp_path / "link.toml"
        link.symlink_to(real)
        await _save_to(pilot, link)
        assert link.is_symlink() and real.read_text() == "# the target\n"
        assert any("symbolic link" in n.message for n in app._notifications)
        fifo = tmp_path / "pipe.toml"
        os.mkfifo(fifo)
        await _save_to(pilot, fifo)
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
        before = os.lstat("/dev/null")
        await _save_to(pilot, Path("/dev/null"))
        assert stat.S_ISCHR(os.lstat("/dev/null").st_mode) and os.lstat("/dev/null").st_ino == before.st_ino
        assert app.is_running and app.screen is chat
