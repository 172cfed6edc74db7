"""``--no-history``: a chat works when the history cannot be opened, and the refusal without it says so."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from ui_helpers import send_and_wait

from tui import cli
from tui.core.history.store import HistoryStore, history_path
from tui.core.paths import AppPaths
from tui.engine.fake import FakeEngine
from tui.ui.app import AppSettings, ShotglassApp


@pytest.fixture
def unopenable(isolated_dirs: AppPaths) -> Path:
    """A history written by a newer shotglass: fine as a file, but this one must not touch it."""
    path = history_path(isolated_dirs)
    HistoryStore(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    return path


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[AppSettings]:
    """The settings each app would have run with (the terminal is not drawn)."""
    seen: list[AppSettings] = []
    monkeypatch.setattr(ShotglassApp, "run", lambda app, *args, **kwargs: seen.append(app.settings))
    return seen


def test_without_the_flag_the_error_is_one_line_that_names_it(
    unopenable: Path, model_path: Path, started: list[AppSettings], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--model", str(model_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "upgrade shotglass" in err and "--no-history" in err
    assert started == []


def test_with_the_flag_the_chat_starts_without_history(
    unopenable: Path, model_path: Path, started: list[AppSettings]
) -> None:
    before = unopenable.read_bytes()
    assert cli.main(["--model", str(model_path), "--no-history"]) == 0
    (settings,) = started
    assert settings.history is None
    assert unopenable.read_bytes() == before  # never opened, so never changed


async def test_a_chat_without_history_answers_and_saves_nothing(chat_app, isolated_dirs: AppPaths) -> None:
    engine = FakeEngine().script("Paris.")
    async with chat_app(engine, history=None).run_test(size=(120, 40)) as pilot:
        await send_and_wait(pilot, "Capital of France?")
        assert [m.text for m in pilot.app.screen.state.messages] == ["Capital of France?", "Paris."]
        assert pilot.app.screen.state.conversation_id is None
    assert not history_path(isolated_dirs).exists()
