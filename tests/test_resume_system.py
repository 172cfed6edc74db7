"""``shotglass --resume ID`` and ``--system TEXT``: the app opens that stored conversation (the Ctrl+O path)
or starts with that system prompt; every bad combination is one line and exit 2 before the screen is drawn."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_helpers import send_and_wait, wait_for

from tui.cli import main
from tui.core.chat.conversation import FinishReason, ReplyStats
from tui.core.history.store import HistoryStore
from tui.core.paths import AppPaths
from tui.engine.fake import FakeEngine
from tui.ui.app import ShotglassApp

STATS = ReplyStats("greedy-factual", None, FinishReason.END_OF_SEQUENCE, 20, 2, 20, 0.04, 65.0)


def _saved(store: HistoryStore, question: str, answer: str, system: str) -> int:
    chat = store.create_conversation(system_prompt=system)
    store.add_user_message(chat, question)
    store.finish_reply(store.start_reply(chat, "greedy-factual"), answer, STATS)
    return chat


@pytest.fixture
def history(isolated_dirs: AppPaths):
    store = HistoryStore.for_paths(isolated_dirs)
    yield store
    store.close()


async def test_resume_id_opens_that_conversation_not_the_last(chat_app, history) -> None:
    older = _saved(history, "Capital of France?", "Paris.", "Answer in one word.")
    newer = _saved(history, "Capital of Italy?", "Rome.", "")
    assert history.last_conversation_id() == newer
    engine = FakeEngine().script("Berlin.")
    async with chat_app(engine, history=history, resume_id=older).run_test(size=(120, 40)) as pilot:
        state = pilot.app.screen.state
        await wait_for(pilot, lambda: len(state.messages) == 2)
        assert state.conversation_id == older and state.system_prompt == "Answer in one word."
        assert [m.text for m in state.messages] == ["Capital of France?", "Paris."]
        await send_and_wait(pilot, "And Germany?")
        assert engine.requests[-1][0].startswith("Answer in one word.")  # the saved system prompt is used
    history.writer.wait_idle(5)
    assert [m.text for m in history.get_conversation(older).messages][-2:] == ["And Germany?", "Berlin."]


async def test_system_prompt_is_what_the_model_sees(chat_app) -> None:
    engine = FakeEngine().script("Ok.")
    async with chat_app(engine, system_prompt="You are terse.").run_test(size=(120, 40)) as pilot:
        assert pilot.app.screen.state.system_prompt == "You are terse."
        await send_and_wait(pilot, "Hello")
        assert engine.requests[-1][0].startswith("You are terse.")


def test_cli_passes_resume_and_system_to_the_app(
    model_path: Path, history: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = _saved(history, "Q", "A", "saved system")
    history.close()
    seen = []
    monkeypatch.setattr(ShotglassApp, "run", lambda self: seen.append(self.settings))  # no terminal here
    assert main(["--model", str(model_path), "--resume", str(chat)]) == 0
    assert main(["--model", str(model_path), "--system", "Be brief."]) == 0
    assert (seen[0].resume_id, seen[0].system_prompt) == (chat, "")
    assert (seen[1].resume_id, seen[1].system_prompt, seen[1].resume) == (None, "Be brief.", False)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--resume", "999"], "--resume 999: no conversation with id 999 (shotglass history list shows them)"),
        (["--resume", "1", "--no-history"], "--resume needs the saved history: drop --no-history"),
        (["--resume", "1", "--new"], "--new and --resume contradict each other"),
        (["--resume", "1", "--system", "x"], "--system with --resume: a resumed chat keeps its own system prompt"),
    ],
)
def test_bad_resume_is_one_line_and_exit_2_before_the_app(
    model_path: Path,
    history: HistoryStore,
    extra: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _saved(history, "Q", "A", "")
    history.close()
    monkeypatch.setattr(ShotglassApp, "run", lambda self: pytest.fail("the app must not start"))
    assert main(["--model", str(model_path), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"shotglass: error: {message}")


def test_resume_id_must_be_a_positive_integer(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("abc", "0"):
        with pytest.raises(SystemExit) as stopped:
            main(["--resume", bad])
        assert stopped.value.code == 2
        assert "--resume must be" in capsys.readouterr().err
