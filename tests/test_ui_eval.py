"""The eval screen on the fake engine: opened from the chat (F12 / palette) or by ``--eval``, results filling
in, items opened and sent to the chat, a run stopped mid-way, and bad input as one notice with the chat intact."""

from __future__ import annotations

import threading
from pathlib import Path

from ui_helpers import make_app, wait_for

from tui.core.eval.plan import EvalOptions
from tui.core.fewshot.examples import Example, ExampleSet
from tui.engine.fake import FakeEngine
from tui.ui.chat.screen import ChatScreen
from tui.ui.eval.flows import open_eval
from tui.ui.eval.item_screen import ItemScreen
from tui.ui.eval.screen import EvalScreen

PINS = ExampleSet(
    name="sentiment",
    input_label="Review",
    output_label="Sentiment",
    examples=(Example("fun", "positive"), Example("dull", "negative")),
)
DATA = '{"input": "great", "output": "positive"}\n{"input": "awful", "output": "negative"}\n'


def _data(tmp_path: Path, text: str = DATA) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


async def _finished(pilot) -> EvalScreen:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, EvalScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: not screen.running)
    return screen


async def test_eval_from_the_chat_fills_table_chart_confusion_and_sends_an_item(store, tmp_path: Path) -> None:
    data = _data(tmp_path)
    # shots 0, 1, 2 x 2 items: replies in order
    engine = FakeEngine().script("positive", "positive", "positive", "negative", "positive", "negative")
    async with make_app(store, engine, pins=PINS).run_test(size=(140, 50)) as pilot:
        chat = pilot.app.screen
        await pilot.press("f12")
        await wait_for(pilot, lambda: pilot.app.screen is not chat)
        pilot.app.screen.query_one("#text-field-0").text = str(data)
        await pilot.press("ctrl+s")
        screen = await _finished(pilot)
        summaries = screen.tally.summaries()
        assert [(s.key.shots, s.correct, s.total) for s in summaries] == [(0, 1, 2), (1, 2, 2), (2, 2, 2)]
        table = screen.query_one("#eval-table")
        assert table.get_row_at(0)[2] == "1/2" and table.get_row_at(1)[3] == "100%"
        chart = str(screen.query_one("#eval-chart").render())
        assert "greedy-factual" in chart and "1-shot ▕" in chart and "100%" in chart
        matrix = screen.query_one("#eval-confusion").matrix  # the last cell (2-shot): both right
        assert matrix.columns == ("positive", "negative", "other") and matrix.counts == ((1, 0, 0), (0, 1, 0))
        assert screen.query_one("#eval-progress").progress == 6
        assert engine.requests[2][0].endswith("Review: great\nSentiment:") and "Review: fun" in engine.requests[2][0]
        items = screen.query_one("#eval-items")
        items.focus()
        items.move_cursor(row=1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ItemScreen))
        assert pilot.app.screen.record.input == "awful" and not pilot.app.screen.record.correct
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: pilot.app.screen is chat)
        assert chat.draft() == "awful"


async def test_eval_on_start_with_choice_scoring_and_profiles(store, tmp_path: Path) -> None:
    engine = FakeEngine()
    engine.label_picks.extend(["negative", "negative", "positive", "negative"])
    options = EvalOptions(
        dataset=str(_data(tmp_path)), shots="0,2", profiles=(store.get("greedy-factual"),), score="choice"
    )
    async with make_app(store, engine, pins=PINS, eval_on_start=options).run_test(size=(140, 50)) as pilot:
        screen = await _finished(pilot)
        assert [(s.key.shots, s.correct) for s in screen.tally.summaries()] == [(0, 1), (2, 2)]
        assert engine.requests == [] and len(engine.label_requests) == 4
        screen.query_one("#eval-items").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ItemScreen))
        text = " ".join(str(label.render()) for label in pilot.app.screen.query("Label"))
        assert "label probabilities: positive 20.0%  negative 80.0%" in text
        await pilot.press("escape")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChatScreen))


async def test_a_run_can_be_stopped_and_the_screen_stays(store, tmp_path: Path) -> None:
    gate = threading.Event()
    engine = FakeEngine(gate=gate, default_reply="positive and more")
    options = EvalOptions(dataset=str(_data(tmp_path)), shots="0,1,2")
    async with make_app(store, engine, pins=PINS, eval_on_start=options).run_test(size=(140, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, EvalScreen))
        screen = pilot.app.screen
        await wait_for(pilot, lambda: len(engine.requests) >= 1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.running)
        assert screen.stopped and pilot.app.screen is screen
        assert len(screen.tally.records) < 6
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChatScreen))


async def test_bad_datasets_are_one_notice_and_the_chat_stays(store, tmp_path: Path) -> None:
    cases = [("not json\n", "line 1 is not JSON"), ("", "no data lines")]
    async with make_app(store, pins=PINS).run_test(size=(140, 50)) as pilot:
        chat = pilot.app.screen
        for text, fragment in cases:
            open_eval(chat, EvalOptions(dataset=str(_data(tmp_path, text))))
            await pilot.pause()
            assert pilot.app.screen is chat
            assert any(fragment in notice.message for notice in pilot.app._notifications)
        open_eval(chat, EvalOptions(dataset=str(_data(tmp_path)), shots="0,5"))
        await pilot.pause()
        assert any("more examples than the set has (2)" in n.message for n in pilot.app._notifications)
        open_eval(chat, EvalOptions(dataset=str(_data(tmp_path)), score="regex:("))
        await pilot.pause()
        assert any("does not compile" in n.message for n in pilot.app._notifications)
        assert pilot.app.screen is chat and chat.state.pins == PINS


async def test_runs_are_kept_listed_and_compared(store, tmp_path: Path) -> None:
    from tui.core.history.eval_runs import list_runs
    from tui.core.history.store import HistoryStore
    from tui.ui.eval.runs_screen import RunsScreen

    engine = FakeEngine(default_reply="positive")
    options = EvalOptions(dataset=str(_data(tmp_path)), shots="0,1")
    with HistoryStore(tmp_path / "history.sqlite3") as history:
        app = make_app(store, engine, pins=PINS, eval_on_start=options, history=history, resume=False)
        async with app.run_test(size=(140, 50)) as pilot:
            screen = await _finished(pilot)
            await pilot.press("r")  # the same run again, kept as a second run
            await wait_for(pilot, lambda: not screen.running and len(screen.tally.records) == 4)
            assert history.writer.wait_idle(5)
            runs = list_runs(history)
            assert len(runs) == 2 and runs[0].dataset_sha256 == runs[1].dataset_sha256
            assert [row["correct"] for row in runs[0].results] == [1, 1]
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, RunsScreen))
            runs_screen = pilot.app.screen
            await pilot.press("space")
            await pilot.press("down")
            await pilot.press("space")
            compare = runs_screen.query_one("#runs-compare")
            await wait_for(pilot, lambda: compare.row_count == 2)
            assert compare.get_row_at(0)[2] == "1/2 50%" and compare.get_row_at(0)[4] == "+0%"
            await pilot.press("escape")
            await wait_for(pilot, lambda: pilot.app.screen is screen)


async def test_without_history_there_is_no_runs_key(store, tmp_path: Path) -> None:
    options = EvalOptions(dataset=str(_data(tmp_path)), shots="0")
    async with make_app(store, pins=PINS, eval_on_start=options).run_test(size=(140, 50)) as pilot:
        screen = await _finished(pilot)
        assert screen.check_action("runs", ()) is False
        await pilot.press("h")
        await pilot.pause()
        assert pilot.app.screen is screen


async def test_the_chart_fits_its_column_on_a_100_column_terminal(store, tmp_path: Path) -> None:
    """A fixed 40-cell bar wrapped every chart row at 100 columns (the percentage fell onto the next line)."""
    data = _data(tmp_path)
    engine = FakeEngine().script("positive", "negative", "positive", "negative", "positive", "negative")
    options = EvalOptions(dataset=str(data), shots="0,1,2")
    async with make_app(store, engine, pins=PINS, eval_on_start=options).run_test(size=(100, 32)) as pilot:
        screen = await _finished(pilot)
        await pilot.pause()
        chart = screen.query_one("#eval-chart")
        rows = [line for line in str(chart.render()).splitlines() if "-shot ▕" in line]
        assert len(rows) == 3 and all(line.rstrip().endswith("%") for line in rows)
        assert max(len(line) for line in rows) <= chart.content_size.width
