"""The compare view in Pilot with the fake engine."""

from __future__ import annotations

from textual.widgets import SelectionList
from ui_helpers import wait_for as _wait

from tui.core.chat.word_diff import differing_spans
from tui.core.profiles.profile import DecodingProfile
from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine
from tui.ui.compare.column import CompareColumn
from tui.ui.compare.screen import CompareScreen


async def _open(pilot, app, text: str = "Describe the sea") -> CompareScreen:
    app.screen.query_one("#input").text = text
    await pilot.press("f9")
    await _wait(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.query(SelectionList))
    return app.screen


async def test_compare_runs_profiles_in_order_highlights_and_keeps(chat_app) -> None:
    engine = FakeEngine().script("The sea is calm and blue.", "The sea is wild and grey.")
    app = chat_app(engine)
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        compare = await _open(pilot, app)
        assert sorted(compare.query_one(SelectionList).selected) == ["creative-sampling", "greedy-factual"]
        await pilot.press("f9")
        await _wait(pilot, lambda: not compare.running and all(c.result for c in compare.query(CompareColumn)))
        first, second = compare.query(CompareColumn)
        assert [params.temperature for _prompt, params in engine.requests] == [0.0, 0.9]
        assert engine.requests[0][0] == engine.requests[1][0]  # the same prompt for every profile
        assert first.profile.name == "greedy-factual" and second.profile.name == "creative-sampling"
        assert "context" in str(second.query_one(".compare-stats").render())
        body = second.query_one(".compare-body").render()
        assert any("yellow" in str(span.style) for span in body.spans)
        await pilot.press("2")
        await _wait(pilot, lambda: app.screen is chat)
        assert [m.text for m in chat.state.messages] == ["Describe the sea", "The sea is wild and grey."]
        assert chat.state.messages[-1].stats.profile == "creative-sampling"
        assert chat.query_one("#input").text == ""


async def test_compare_refuses_a_broken_profile_and_a_prompt_that_does_not_fit(store: ProfileStore, chat_app) -> None:
    store.user_dir.mkdir(parents=True, exist_ok=True)
    (store.user_dir / "broken.toml").write_text('name = "broken"\ntop_p = 7\n')
    store.save(DecodingProfile(name="huge", max_new_tokens=5000))
    engine = FakeEngine(n_ctx=2048)
    app = chat_app(engine)
    async with app.run_test(size=(140, 40)) as pilot:
        compare = await _open(pilot, app)
        selection = compare.query_one(SelectionList)
        selection.select("broken")
        await pilot.press("f9")
        await pilot.pause(0.1)
        assert engine.requests == [] and not compare.query(CompareColumn)
        selection.deselect("broken")
        selection.select("huge")
        await pilot.press("f9")
        await pilot.pause(0.1)
        assert engine.requests == []
        selection.deselect_all()
        selection.select("greedy-factual")
        await pilot.press("f9")  # one profile is not a comparison
        await pilot.pause(0.1)
        assert engine.requests == []


def test_differing_spans() -> None:
    text = "The sea is wild and grey."
    spans = differing_spans("The sea is calm and blue.", text)
    assert [text[start:end] for start, end in spans] == ["wild", "grey."]
    assert differing_spans("same words", "same words") == []
