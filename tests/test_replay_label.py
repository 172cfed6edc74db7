"""The replay notice names the seed only where it matters: a sampled replay says "replay with seed N", a
greedy one just "replay" (its seed changes nothing)."""

from __future__ import annotations

from textual.widgets import Static

from tui.ui.chat.message_view import MessageView


async def _replay_label(store, profile: str) -> str:
    from ui_helpers import make_app, send_and_wait, wait_for

    app = make_app(store, profile=profile)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.screen
        await send_and_wait(pilot, "count")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(chat.query(MessageView)) == 3 and not chat.generating)
        replay = chat.query(MessageView).last()
        assert replay.has_class("-replay")
        return str(replay.query_one(".message-role", Static).render())


async def test_a_greedy_replay_shows_no_seed(store) -> None:
    label = await _replay_label(store, "greedy-factual")
    assert "replay, not added to the chat" in label and "seed" not in label


async def test_a_sampled_replay_shows_its_seed(store) -> None:
    label = await _replay_label(store, "seeded-reproducible")
    assert "replay with seed " in label and ", not added to the chat" in label
