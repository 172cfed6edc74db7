"""Pins panel, pin-from-chat, system prompt and the prompt view in the TUI (Pilot + fake engine)."""

from __future__ import annotations

from pathlib import Path

from ui_helpers import wait_for as _wait

from tui.core.fewshot.example_set import read_example_set
from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine
from tui.ui.app import AppSettings, ShotglassApp
from tui.ui.chat.context_gauge import ContextGauge
from tui.ui.common.prompt_view import PromptView
from tui.ui.common.text_editor import TextFieldsEditor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _app(store: ProfileStore, engine: FakeEngine, pins=None) -> ShotglassApp:
    return ShotglassApp(
        AppSettings(
            engine=engine,
            profiles=store,
            profile=store.get("greedy-factual"),
            pins=pins or read_example_set(EXAMPLES / "sentiment.toml"),
            estimate=lambda text: len(text) // 4,
        )
    )


async def test_toggling_an_example_moves_the_gauge_by_its_cost(store: ProfileStore) -> None:
    engine = FakeEngine()
    app = _app(store, engine)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = app.screen
        gauge = screen.query_one(ContextGauge)
        await _wait(pilot, lambda: gauge.counts is not None and gauge.counts.pins > 0)
        assert screen.query_one("#pins").has_class("-open")
        assert str(screen.query_one("#shots").render()) == "8-shot"
        before = gauge.counts.pins
        from tui.core.fewshot.pins import example_costs

        cost = example_costs(screen.session.pins, screen.session.parts(), engine.prompt_format, engine.count_tokens)[0]
        assert f"{cost} tokens" in str(screen.query_one("#pins-list").children[0].query_one("Static").render())
        screen.query_one("#pins-list").focus()
        await pilot.press("space")
        await _wait(pilot, lambda: gauge.counts.pins < before)
        assert str(screen.query_one("#shots").render()) == "7-shot"
        assert not screen.session.pins.examples[0].enabled
        assert before - gauge.counts.pins == cost
        note = str(screen.query_one("#pins-note").render())
        assert "more rarely help" in note  # 7 enabled > 6
        await pilot.press("space")
        await _wait(pilot, lambda: gauge.counts.pins == before)


async def test_reorder_and_remove(store: ProfileStore) -> None:
    app = _app(store, FakeEngine())
    async with app.run_test(size=(130, 40)) as pilot:
        screen = app.screen
        first, second = screen.session.pins.examples[:2]
        screen.query_one("#pins-list").focus()
        await pilot.press("alt+down")
        await _wait(pilot, lambda: screen.session.pins.examples[1] == first)
        assert screen.session.pins.examples[0] == second
        await pilot.press("delete")
        await _wait(pilot, lambda: len(screen.session.pins.examples) == 7)
        assert first not in screen.session.pins.examples


async def test_pinned_examples_are_sent_after_the_instruction(store: ProfileStore) -> None:
    engine = FakeEngine().script("positive")
    app = _app(store, engine)
    async with app.run_test(size=(130, 40)) as pilot:
        app.screen.query_one("#input").text = "Loved it"
        app.screen.query_one("#input").focus()
        await pilot.press("enter")
        await _wait(pilot, lambda: engine.requests and not app.screen.generating)
        prompt = engine.requests[0][0]
        assert prompt.startswith("Classify the sentiment of each movie review as positive or negative.\n\nReview: ")
        assert prompt.endswith("Review: Loved it\nSentiment:")


async def test_pin_last_exchange_and_edit_system_prompt(store: ProfileStore) -> None:
    from tui.core.fewshot.examples import ExampleSet

    engine = FakeEngine().script("Paris.")
    app = _app(store, engine, pins=ExampleSet())
    async with app.run_test(size=(130, 40)) as pilot:
        screen = app.screen
        await pilot.press("f5")  # nothing to pin yet: a warning, no crash
        assert screen.session.pins.examples == ()
        screen.query_one("#input").text = "Capital of France?"
        screen.query_one("#input").focus()
        await pilot.press("enter")
        await _wait(pilot, lambda: len(screen.session.messages) == 2 and not screen.generating)
        await pilot.press("f5")
        await _wait(pilot, lambda: len(screen.session.pins.examples) == 1)
        assert screen.session.pins.examples[0].input == "Capital of France?"
        assert screen.session.pins.examples[0].output == "Paris."
        assert str(screen.query_one("#shots").render()) == "1-shot"
        await pilot.press("f6")
        await _wait(pilot, lambda: isinstance(app.screen, TextFieldsEditor))
        app.screen.query_one("#text-field-0").text = "Answer in one word."
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: screen.session.system_prompt == "Answer in one word.")


async def test_show_prompt_displays_exact_text_and_both_counts(store: ProfileStore) -> None:
    engine = FakeEngine()
    app = _app(store, engine)
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


async def test_save_and_load_example_sets_from_the_tui(store: ProfileStore, tmp_path: Path) -> None:
    from tui.core.fewshot.examples import ExampleSet

    app = _app(store, FakeEngine())
    target = tmp_path / "mine.toml"
    async with app.run_test(size=(130, 40)) as pilot:
        screen = app.screen
        screen.action_save_examples()
        await _wait(pilot, lambda: isinstance(app.screen, TextFieldsEditor) and app.screen.query("#text-field-0"))
        app.screen.query_one("#text-field-0").text = str(target)
        await pilot.press("ctrl+s")
        await _wait(pilot, target.exists)
        assert read_example_set(target) == screen.session.pins
        await screen.set_pins(ExampleSet(), note=None)
        assert str(screen.query_one("#shots").render()) == "0-shot"
        screen.action_load_examples()
        await _wait(pilot, lambda: isinstance(app.screen, TextFieldsEditor) and app.screen.query("#text-field-0"))
        app.screen.query_one("#text-field-0").text = str(tmp_path / "missing.toml")
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert screen.session.pins.examples == ()  # a bad file changes nothing
        screen.action_load_examples()
        await _wait(pilot, lambda: isinstance(app.screen, TextFieldsEditor) and app.screen.query("#text-field-0"))
        app.screen.query_one("#text-field-0").text = str(target)
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: len(screen.session.pins.examples) == 8)
