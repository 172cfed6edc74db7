"""From the chat to the eval screen: ask for a dataset (palette "Evaluate…"), or open the one ``shotglass --eval``
named; build the run from the chat's pinned examples, system prompt, profile and model; send an item back.

Every problem (a file that does not read, a bad line, shots beyond the pins, a bad regex) is one notice and the
chat stays as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.errors import UserError, shown
from tui.core.eval.plan import EvalOptions, EvalRequest
from tui.core.eval.tally import EvalTally
from tui.core.fewshot.evaluation import read_eval_data
from tui.core.history.eval_runs import save_run
from tui.core.history.store import HistoryStore
from tui.ui.common.text_editor import TextFieldsEditor
from tui.ui.eval.screen import EvalScreen, RunSaver

if TYPE_CHECKING:
    from tui.ui.chat.screen import ChatScreen


def ask_dataset(screen: ChatScreen) -> None:
    if not screen.state.pins.enabled_examples:
        screen.notify("No pinned examples: the run measures 0-shot only. Load an example set to compare shots.")

    def chosen(values: tuple[str, ...] | None) -> None:
        if values is None or not values[0].strip():
            return
        open_eval(screen, EvalOptions(dataset=values[0].strip()))

    screen.app.push_screen(
        TextFieldsEditor(
            "Evaluate the pinned examples on a dataset",
            [("JSON-lines dataset ({\"input\": ..., \"output\": ...} per line)", "")],
            note="Uses the chat's pinned examples, system prompt, profile and model; Esc stops the run.",
            confirm="Run",
        ),
        chosen,
    )


def open_eval(screen: ChatScreen, options: EvalOptions) -> None:
    if screen.busy():
        return
    state = screen.state
    path = Path(options.dataset).expanduser()
    try:
        request = options.request(read_eval_data(path), state.pins, state.system_prompt, state.profile)
    except UserError as error:
        screen.notify(str(error), title="Cannot evaluate", severity="error", timeout=12)
        return

    def returned(text: str | None) -> None:
        if text:
            screen.put_draft(text)

    history = screen.services.history
    saver = _saver(screen, history, shown(path)) if history is not None else None
    screen.app.push_screen(EvalScreen(screen.engine, request, shown(path), saver, history), returned)


def _saver(screen: ChatScreen, history: HistoryStore, dataset: str) -> RunSaver:
    """Each finished or stopped run goes to the history through its writer thread (the UI never waits for
    SQLite); a write given up is one notice."""
    engine = screen.engine

    def save(request: EvalRequest, tally: EvalTally, stopped: bool) -> str:
        summaries = tally.summaries()

        def write() -> None:
            save_run(
                history,
                request,
                summaries,
                dataset=dataset,
                model_name=engine.info.name,
                model_path=engine.info.path,
                stopped=stopped,
            )

        def failed(text: str) -> None:  # from the writer's thread
            screen.app.call_later(screen.notify, f"Run not saved: {text}", severity="error", timeout=10)

        history.writer.submit("eval run", write, failed)
        return "Kept in the history; h lists the saved runs."

    return save
