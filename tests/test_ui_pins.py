"""Pins panel, pin-from-chat, system prompt and the prompt view in the TUI (Pilot + fake engine)."""

from __future__ import annotations

from pathlib import Path

from ui_helpers import send, send_and_wait
from ui_helpers import wait_for as _wait

from tui.core.fewshot.example_set import read_example_set
from tui.engine.fake import FakeEngine
from tui.ui.chat.context_gauge import ContextGauge
from tui.ui.common.prompt_view import PromptView
from tui.ui.common.text_editor import TextFieldsEditor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _with_pins(chat_app, engine: FakeEngine, pins=None):
    """The shared chat driver with the sentiment example set pinned (or ``pins``) and a chars/4 estimate."""
    return chat_app(
        engine, pins=pins or read_example_set(EXAMPLES / "sentiment.toml"), estimate=lambda text: len(text) // 4
    )


async def test_toggling_an_example_moves_the_gauge_by_its_cost(chat_app) -> None:
    engine = FakeEngine()
    app = _with_pins(chat_app, engine)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = app.screen
        gauge = screen.query_one(ContextGauge)
        await _wait(pilot, lambda: gauge.counts is not None and gauge.counts.pins > 0)
        assert screen.query_one("#pins").has_class("-open")
        assert str(screen.query_one("#shots").render()) == "8-shot"
        before = gauge.counts.pins
        from tui.core.fewshot.pins import example_costs

        cost = example_costs(screen.state.pins, screen.state.parts(), engine.prompt_format, engine.count_tokens)[0]
        assert f"{cost} tokens" in str(screen.query_one("#pins-list").children[0].query_one("Static").render())
        screen.query_one("#pins-list").focus()
        await pilot.press("space")
        await _wait(pilot, lambda: gauge.counts.pins < before)
        assert str(screen.query_one("#shots").render()) == "7-shot"
        assert not screen.state.pins.examples[0].enabled
        assert before - gauge.counts.pins == cost
        note = str(screen.query_one("#pins-note").render())
        assert "more rarely help" in note  # 7 enabled > 6
        await pilot.press("space")
        await _wait(pilot, lambda: gauge.counts.pins == before)


async def test_reorder_and_remove(chat_app) -> None:
    app = _with_pins(chat_app, FakeEngine())
    async with app.run_test(size=(130, 40)) as pilot:
        screen = app.screen
        first, second = screen.state.pins.examples[:2]
        screen.query_one("#pins-list").focus()
        await pilot.press("alt+down")
        await _wait(pilot, lambda: screen.state.pins.examples[1] == first)
        assert screen.state.pins.examples[0] == second
        await pilot.press("delete")
        await _wait(pilot, lambda: len(screen.state.pins.examples) == 7)
        assert first not in screen.state.pins.examples


async def test_pinned_examples_are_sent_after_the_instruction(chat_app) -> None:
    engine = FakeEngine().script("positive")
    app = _with_pins(chat_app, engine)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "Loved it")
        await _wait(pilot, lambda: engine.requests and not app.screen.generating)
        prompt = engine.requests[0][0]
        assert prompt.startswith("Classify the sentiment of each movie review as positive or negative.\n\nReview: ")
        assert prompt.endswith("Review: Loved it\nSentiment:")


async def test_pin_last_exchange_and_edit_system_prompt(chat_app) -> None:
    from tui.core.fewshot.examples import ExampleSet

    engine = FakeEngine().script("Paris.")
    app = _with_pins(chat_app, engine, pins=ExampleSet())
    async with app.run_test(size=(130, 40)) as pilot:
        screen = app.screen
        await pilot.press("f5")  # nothing to pin yet: a warning, no crash
        assert screen.state.pins.examples == ()
        await send_and_wait(pilot, "Capital of France?")
        await pilot.press("f5")
        await _wait(pilot, lambda: len(screen.state.pins.examples) == 1)
        assert screen.state.pins.examples[0].input == "Capital of France?"
        assert screen.state.pins.examples[0].output == "Paris."
        assert str(screen.query_one("#shots").render()) == "1-shot"
        await pilot.press("f6")
        await _wait(pilot, lambda: isinstance(app.screen, TextFieldsEditor))
        app.screen.query_one("#text-field-0").text = "Answer in one word."
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: screen.state.system_prompt == "Answer in one word.")


async def test_show_prompt_displays_exact_text_and_both_counts(chat_app) -> None:
    engine = FakeEngine()
    app = _with_pins(chat_app, engine)
    async with app.run_test(size=(130, 40)) as pilot:
        app.screen.query_one("#input").text = "Great fun"
        await pilot.press("f7")
        await _wait(pilot, lambda: isinstance(app.screen, PromptView))
        shown = app.screen.query_one("#prompt-view-text").text
        assert shown.endswith("Review: Great fun\nSentiment:")
        counts = str(app.screen.query_one("#prompt-view-counts").render())
        assert f"{engine.count_tokens(shown)} tokens" in counts and f"≈{len(shown) // 4}" in counts
        await pilot.press("escape")
        await _wait(pilot, lambda: not isinstance(app.screen, PromptView))


async def test_save_and_load_example_sets_from_the_tui(chat_app, tmp_path: Path) -> None:
    from tui.core.fewshot.examples import ExampleSet

    app = _with_pins(chat_app, FakeEngine())
    target = tmp_path / "mine.toml"
    async with app.run_test(size=(130, 40)) as pilot:
        screen = app.screen
        screen.action_save_examples()
        await _wait(pilot, lambda: isinstance(app.screen, TextFieldsEditor) and app.screen.query("#text-field-0"))
        app.screen.query_one("#text-field-0").text = str(target)
        await pilot.press("ctrl+s")
        await _wait(pilot, target.exists)
        assert read_example_set(target) == screen.state.pins
        screen.state.set_pins(ExampleSet())
        await screen.show_settings()
        assert str(screen.query_one("#shots").render()) == "0-shot"
        screen.action_load_examples()
        await _wait(pilot, lambda: isinstance(app.screen, TextFieldsEditor) and app.screen.query("#text-field-0"))
        app.screen.query_one("#text-field-0").text = str(tmp_path / "missing.toml")
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert screen.state.pins.examples == ()  # a bad file changes nothing
        screen.action_load_examples()
        await _wait(pilot, lambda: isinstance(app.screen, TextFieldsEditor) and app.screen.query("#text-field-0"))
        app.screen.query_one("#text-field-0").text = str(target)
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: len(screen.state.pins.examples) == 8)
