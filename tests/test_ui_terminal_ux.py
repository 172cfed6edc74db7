"""Terminal-UX fixes of issue 14, each driven through the real app (Pilot + fake engine)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Footer, OptionList, SelectionList
from ui_helpers import InspectableFake, send, send_and_wait, wait_for

from tui.core.chat.conversation import FinishReason, Role
from tui.core.chat.repetition import find_loop
from tui.core.fewshot.example_set import read_example_set
from tui.core.history.store import HistoryStore
from tui.engine.fake import FakeEngine
from tui.ui.chat.chat_input import ChatInput
from tui.ui.common.text_editor import TextFieldsEditor
from tui.ui.compare.column import CompareColumn
from tui.ui.compare.screen import CompareScreen
from tui.ui.history.screen import HistoryScreen
from tui.ui.inspector.screen import InspectorScreen
from tui.ui.profiles.editor import ProfileEditor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LOOPING = "I like cats. I like cats. I like cats. I like cats."


def _notices(app) -> list[str]:
    return [notice.message for notice in app._notifications]


@pytest.fixture
def history(tmp_path: Path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    yield store
    store.close()


# -- the conversations screen ----------------------------------------------------------------------------


async def test_arrows_in_the_search_box_move_the_selection_and_enter_opens_it(chat_app, history) -> None:
    engine = FakeEngine().script("about rivers", "about mountains")
    async with chat_app(engine, history=history, resume=False).run_test(size=(120, 40)) as pilot:
        app = pilot.app
        chat = app.screen
        await send_and_wait(pilot, "tell me about the Seine")
        older = chat.state.conversation_id
        await pilot.press("ctrl+n")
        await send_and_wait(pilot, "tell me about Everest")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        listing = app.screen.query_one("#history-list", OptionList)
        assert app.screen.focused is app.screen.query_one("#history-search")
        assert listing.highlighted == 0
        await pilot.press("down")
        assert listing.highlighted == 1
        await pilot.press("up", "down", "down")  # stops at the last row
        assert listing.highlighted == 1
        assert app.screen.focused is app.screen.query_one("#history-search")  # typing still searches
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is chat and chat.state.conversation_id == older)


# -- one broken profile file --------------------------------------------------------------------------------


async def test_a_broken_user_profile_is_named_once_and_f2_cycles_over_the_good_ones(store, chat_app) -> None:
    store.user_dir.mkdir(parents=True, exist_ok=True)
    (store.user_dir / "aaa-broken.toml").write_text('name = "aaa-broken"\ntop_p = 7\n')
    good = [entry.profile.name for entry in store.scan().entries]
    assert "aaa-broken" not in good and "greedy-factual" in good
    app = chat_app(FakeEngine())
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.screen
        await wait_for(pilot, lambda: any("aaa-broken.toml" in notice for notice in _notices(app)))
        seen = []
        for _ in range(len(good)):
            await pilot.press("f2")
            seen.append(chat.state.profile.name)
        assert sorted(seen) == sorted(good)  # every good profile once, none skipped, none stuck
        broken_notices = [notice for notice in _notices(app) if "aaa-broken" in notice]
        assert len(broken_notices) == 1 and "top_p" in broken_notices[0]


# -- the pins panel never steals typing ----------------------------------------------------------------------


async def test_typing_after_f4_goes_to_the_message_box_and_esc_or_tab_return_to_it(chat_app) -> None:
    app = chat_app(FakeEngine(), pins=read_example_set(EXAMPLES / "sentiment.toml"))
    async with app.run_test(size=(130, 40)) as pilot:
        chat = app.screen
        box = chat.query_one(ChatInput)
        pins = chat.state.pins
        await pilot.press("f4")  # closes the open panel
        await pilot.press("f4")  # opens it, focused
        await wait_for(pilot, lambda: chat.query_one("#pins-list").has_focus)
        await pilot.press(*"hi", "space", *"there")
        assert box.text == "hi there" and box.has_focus
        assert chat.state.pins == pins  # nothing toggled
        assert not isinstance(app.screen, TextFieldsEditor)
        chat.query_one("#pins-list").focus()
        await pilot.press("escape")
        assert box.has_focus and box.text == "hi there"
        chat.query_one("#pins-list").focus()
        await pilot.press("tab")
        assert box.has_focus
        chat.query_one("#pins-list").focus()
        await pilot.press("space")  # while the panel has focus, its keys act on it
        await wait_for(pilot, lambda: not chat.state.pins.examples[0].enabled)
        assert box.text == "hi there"


# -- small ones -----------------------------------------------------------------------------------------------


async def test_regenerate_shows_the_user_message_once(chat_app) -> None:
    app = chat_app(FakeEngine().script("first", "second"))
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.screen
        await send_and_wait(pilot, "hello")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: chat.state.messages[-1].text == "second" and not chat.generating)
        users = [view for view in chat.query(".message") if view.snapshot().role is Role.USER]
        assert len(users) == 1


async def test_pinning_the_same_exchange_twice_is_refused_with_a_notice(chat_app) -> None:
    app = chat_app(FakeEngine().script("Paris."))
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.screen
        await send_and_wait(pilot, "Capital of France?")
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(chat.state.pins.examples) == 1)
        await pilot.press("f5")
        await wait_for(pilot, lambda: any("already pinned" in notice for notice in _notices(app)))
        assert len(chat.state.pins.examples) == 1


async def test_the_editor_warns_that_top_k_1_stays_greedy_at_any_temperature(chat_app) -> None:
    app = chat_app(FakeEngine())
    async with app.run_test(size=(120, 50)) as pilot:
        app.push_screen(ProfileEditor(app.screen.services.profiles, app.screen.state.profile))
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileEditor) and app.screen.query("#editor-status"))
        editor = app.screen
        status = editor.query_one("#editor-status")
        assert "top-k" not in str(status.render())
        editor.query_one("#field-temperature").value = "0.8"
        await wait_for(pilot, lambda: "top-k 1" in str(status.render()))
        assert "greedy" in str(status.render())
        editor.query_one("#field-top_k").value = "40"
        await wait_for(pilot, lambda: "top-k 1" not in str(status.render()))


async def _open_compare(pilot, app, text: str = "Describe the sea") -> CompareScreen:
    app.screen.query_one("#input").text = text
    await pilot.press("f9")
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.query(SelectionList))
    return app.screen


async def test_columns_that_never_ran_say_not_run_after_esc(chat_app) -> None:
    gate = threading.Event()
    app = chat_app(FakeEngine(gate=gate).script("one two three", "four five six"))
    async with app.run_test(size=(140, 40)) as pilot:
        compare = await _open_compare(pilot, app)
        await pilot.press("f9")
        await wait_for(pilot, lambda: compare.running and compare.columns[0].text)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not compare.running)
        first, second = compare.query(CompareColumn)
        assert "not run" in str(second.query_one(".compare-body").render())
        assert "waiting" not in str(second.query_one(".compare-body").render())
        assert "not run" not in str(first.query_one(".compare-body").render())


async def test_a_looping_compare_reply_gets_the_chat_s_loop_note_and_keeps_it(chat_app) -> None:
    app = chat_app(FakeEngine().script("The sea is calm.", LOOPING))
    advice = find_loop(LOOPING).advice()
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        compare = await _open_compare(pilot, app)
        await pilot.press("f9")
        await wait_for(pilot, lambda: not compare.running and all(c.result for c in compare.columns))
        assert advice in str(compare.columns[1].query_one(".compare-stats").render())
        assert advice not in str(compare.columns[0].query_one(".compare-stats").render())
        await pilot.press("2")
        await wait_for(pilot, lambda: app.screen is chat)
        assert advice in str(chat.query(".message-stats").last().render())


async def test_the_inspector_shows_its_own_keys_and_scores_each_reply_once(chat_app) -> None:
    engine = InspectableFake().script("one two three four")
    calls = []
    rescore = engine.rescore

    def counted(*args):
        calls.append(args[1])
        return rescore(*args)

    engine.rescore = counted
    app = chat_app(engine)
    async with app.run_test(size=(130, 40)) as pilot:
        chat = app.screen
        await send_and_wait(pilot, "count")
        for _ in range(2):
            await pilot.press("f8")
            await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen) and app.screen.scores)
            footer = app.screen.query_one(Footer)
            keys = {binding.action for (_node, binding, _enabled, _tip) in app.screen.active_bindings.values()}
            assert footer.screen is app.screen and "fork" in keys
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is chat)
        assert len(calls) == 1


async def test_a_greedy_reply_reports_no_seed_in_exports(chat_app, history) -> None:
    app = chat_app(FakeEngine().script("Paris."), history=history, resume=False)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.screen
        await send_and_wait(pilot, "Capital of France?")
        conversation = chat.state.conversation_id
        assert chat.state.messages[-1].stats.seed is None
    assert "seed" not in history.export_markdown(conversation)
    assert history.export_json(conversation)["metadata"]["messages"][-1]["seed"] is None


async def test_a_sampled_reply_keeps_its_seed(chat_app, history) -> None:
    app = chat_app(FakeEngine().script("Paris."), history=history, resume=False, profile="creative-sampling")
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.screen
        await send(pilot, "Capital of France?")
        await wait_for(pilot, lambda: len(chat.state.messages) == 2 and not chat.generating)
        seed = chat.state.messages[-1].stats.seed
        assert isinstance(seed, int)
    assert f"seed {seed}" in history.export_markdown(chat.state.conversation_id)


def test_the_score_cache_keeps_the_newest_replies_only() -> None:
    import dataclasses

    from tui.core.chat.record import ReplyRecord
    from tui.core.contract import GenerationResult, SamplingParams
    from tui.core.inspector.cache import ScoreCache
    from tui.core.profiles.profile import DecodingProfile

    params = SamplingParams(8, 0.0, 1, 1.0, 0.0, 1.0, 0, ())
    result = GenerationResult("x", FinishReason.END_OF_SEQUENCE, 3, 3, 1, 0.01, 50.0, 0, (7,))
    records = [ReplyRecord(f"prompt {n}", params, DecodingProfile(name="p"), result, "m.gguf") for n in range(3)]
    cache = ScoreCache(limit=2)
    for number, record in enumerate(records):
        cache.put("m.gguf", record, [number])  # type: ignore[list-item]
    assert len(cache) == 2 and cache.get("m.gguf", records[0]) is None
    assert cache.get("m.gguf", records[2]) == [2]
    assert cache.get("other.gguf", records[2]) is None  # another model scores differently
    assert cache.get("m.gguf", dataclasses.replace(records[2], prompt="changed")) is None
