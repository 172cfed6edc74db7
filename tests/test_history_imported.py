"""Replies imported without stats (plain OpenAI ``messages`` JSON) are finished, not "unfinished": stored
apart from replies that were started and never completed, and said so in the transcript, the Markdown export
and the JSON re-export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ui_helpers import wait_for

from tui.core.chat.conversation import IMPORTED_NOTE, Message, Role
from tui.core.history.store import HistoryError, HistoryStore
from tui.engine.fake import FakeEngine
from tui.ui.chat.stats_line import StatsLine
from tui.ui.chat.transcript import snapshot_of

PLAIN = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And an empty one?"},
        {"role": "assistant", "content": ""},
    ]
}


@pytest.fixture
def history(tmp_path: Path):
    with HistoryStore(tmp_path / "history.sqlite3") as store:
        yield store


def _unfinished_chat(history: HistoryStore) -> int:
    chat = history.create_conversation()
    history.add_user_message(chat, "Tell me a story.")
    reply = history.start_reply(chat, "balanced")
    history.update_reply_text(reply, "Once upon")  # the app was closed here
    return chat


def test_plain_openai_replies_are_imported_not_unfinished(history: HistoryStore) -> None:
    chat = history.import_json(PLAIN)
    loaded = history.get_conversation(chat)
    assert [m.text for m in loaded.messages] == ["Capital of France?", "Paris.", "And an empty one?", ""]
    assert [m.imported for m in loaded.messages] == [False, True, False, True]  # an empty reply is not "dead"
    assert all(m.stats is None for m in loaded.messages)
    stored = history.active_messages(chat)
    with pytest.raises(HistoryError, match="not a reply in progress"):
        history.update_reply_text(stored[1].id, "streamed into an imported reply")
    markdown = history.export_markdown(chat)
    assert markdown.count(f"*{IMPORTED_NOTE}*") == 2 and "unfinished" not in markdown


def test_a_reply_never_finished_is_still_unfinished(history: HistoryStore) -> None:
    chat = _unfinished_chat(history)
    (_question, reply) = history.get_conversation(chat).messages
    assert not reply.imported and reply.stats is None
    markdown = history.export_markdown(chat)
    assert "*unfinished: the reply was interrupted" in markdown and IMPORTED_NOTE not in markdown


def test_json_re_export_says_which_and_round_trips(history: HistoryStore) -> None:
    imported = history.export_json(history.import_json(PLAIN))
    assert [meta.get("reply") for meta in imported["metadata"]["messages"]] == [
        None,  # the system prompt
        None,
        IMPORTED_NOTE,
        None,
        IMPORTED_NOTE,
    ]
    unfinished = history.export_json(_unfinished_chat(history))
    assert [meta.get("reply") for meta in unfinished["metadata"]["messages"]] == [None, "unfinished"]
    again = history.get_conversation(history.import_json(json.loads(json.dumps(imported))))
    assert [m.imported for m in again.messages] == [False, True, False, True]
    kept = history.get_conversation(history.import_json(json.loads(json.dumps(unfinished))))
    assert [m.imported for m in kept.messages] == [False, False]


@pytest.mark.parametrize(
    ("meta", "problem"),
    [
        ({"reply": "done"}, 'metadata.messages[1].reply must be "imported (no stats)" or "unfinished", got "done"'),
        ({"reply": 3}, "metadata.messages[1].reply must be"),
        (
            {"reply": "unfinished", "profile": "p", "seed": 1, "finish_reason": "eos", "prompt_tokens": 1,
             "completion_tokens": 1, "evaluated_prompt_tokens": 1, "ttft_s": 0.1, "tokens_per_s": 1.0},
            "metadata.messages[1].reply belongs only to a reply without stats",
        ),
    ],
)  # fmt: skip
def test_a_bad_reply_state_is_one_line_and_nothing_is_written(history: HistoryStore, meta: dict, problem: str) -> None:
    data = {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "metadata": {"messages": [{}, meta]},
    }
    with pytest.raises(HistoryError) as caught:
        history.import_json(data, "chat.json")
    assert problem in str(caught.value) and "\n" not in str(caught.value)
    user_state = {"messages": [{"role": "user", "content": "q"}], "metadata": {"messages": [{"reply": "unfinished"}]}}
    with pytest.raises(HistoryError, match="belongs only to a reply without stats"):
        history.import_json(user_state, "chat.json")
    assert history.list_conversations() == []


def test_the_transcript_says_imported_or_unfinished() -> None:
    imported = snapshot_of(Message(Role.ASSISTANT, "Paris.", imported=True), 1)
    unfinished = snapshot_of(Message(Role.ASSISTANT, "Once upon"), 1)
    assert imported.stats_line == IMPORTED_NOTE
    assert unfinished.stats_line == "unfinished (the app was closed mid-reply)"


async def test_a_resumed_import_shows_imported_under_its_replies(chat_app, history) -> None:
    chat = history.import_json(PLAIN)
    async with chat_app(FakeEngine(), history=history).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        await wait_for(pilot, lambda: screen.state.conversation_id == chat and len(screen.query(StatsLine)) >= 2)
        lines = [str(line.render()) for line in screen.query(StatsLine)]
        assert sum(IMPORTED_NOTE in line for line in lines) == 2
        assert not any("unfinished" in line for line in lines)
