"""Deleting a message in the chat state: the turns from the chosen one on leave the chat, the history keeps
them as an old branch, a restart shows what the state holds, and the next prompt ends at the cut."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from chat_helpers import PROFILE, journaled_state

from tui.core.chat.conversation import FinishReason, Role
from tui.core.chat.state import ChatState, ChatStateError, ReplyPlan
from tui.core.contract import GenerationResult
from tui.core.history.journal import load_saved_chat
from tui.core.history.store import HistoryStore
from tui.core.profiles.profile import DecodingProfile
from tui.engine.fake import FakeEngine


def _result(plan: ReplyPlan, text: str) -> GenerationResult:
    return GenerationResult(
        text=text,
        finish_reason=FinishReason.END_OF_SEQUENCE,
        prompt_tokens=plan.request.prompt_tokens,
        evaluated_prompt_tokens=plan.request.prompt_tokens,
        completion_tokens=len(text.split()),
        ttft_s=0.01,
        tokens_per_s=50.0,
        seed=plan.params.seed,
    )


def _run(state: ChatState, plan: ReplyPlan, text: str) -> None:
    state.begin(plan, "model.gguf")
    state.stream(text, len(text.split()))
    state.finish(_result(plan, text))


@pytest.fixture
def history(tmp_path: Path):
    with HistoryStore(tmp_path / "history.db") as store:
        yield store


def _chat(history: HistoryStore, engine: FakeEngine, *questions: str) -> ChatState:
    state = journaled_state(history)
    for question in questions:
        _run(state, state.plan_chat(question, engine), f"answer to {question}")
    return state


def _texts(state: ChatState) -> list[str]:
    return [message.text for message in state.messages]


def _stored(history: HistoryStore, state: ChatState) -> list[str]:
    assert state.conversation_id is not None
    return [message.text for message in history.get_conversation(state.conversation_id).messages]


def _reloaded(history: HistoryStore, state: ChatState) -> list[str]:
    fresh = journaled_state(history)
    assert state.conversation_id is not None
    fresh.resume(load_saved_chat(history, state.conversation_id), None)
    return _texts(fresh)


def test_deleting_a_message_removes_it_and_every_later_turn_and_keeps_the_branch(history: HistoryStore) -> None:
    engine = FakeEngine()
    state = _chat(history, engine, "one", "two", "three")
    plan = state.plan_delete(2)
    assert (plan.index, plan.count, plan.stored_id) == (2, 4, state.turns[2].stored_id)
    assert _texts(state)[2] == "two"  # planning changes nothing
    state.delete(plan)
    assert _texts(state) == ["one", "answer to one"]
    assert _stored(history, state) == _texts(state) == _reloaded(history, state)
    (branch,) = history.old_branches(state.conversation_id)
    assert branch.deleted and branch.replaced_by is None
    assert [m.text for m in branch.messages] == ["two", "answer to two", "three", "answer to three"]
    _run(state, state.plan_chat("four", engine), "answer to four")
    assert _stored(history, state) == ["one", "answer to one", "four", "answer to four"] == _reloaded(history, state)


def test_deleting_a_reply_leaves_the_question_for_regenerate_and_refuses_a_new_message(history: HistoryStore) -> None:
    engine = FakeEngine()
    state = _chat(history, engine, "one", "two")
    state.delete(state.plan_delete(3))
    assert _texts(state) == ["one", "answer to one", "two"] == _stored(history, state)
    with pytest.raises(ChatStateError, match="no reply"):
        state.plan_chat("three", engine)
    plan = state.plan_regenerate(engine)
    assert plan.keep == 3 and plan.prompt.rstrip().endswith("Assistant:")
    _run(state, plan, "a new answer")
    assert _texts(state) == ["one", "answer to one", "two", "a new answer"]
    assert _stored(history, state) == _texts(state) == _reloaded(history, state)
    (branch,) = history.old_branches(state.conversation_id)
    assert branch.deleted and [m.text for m in branch.messages] == ["answer to two"]


def test_deleting_everything_leaves_an_empty_chat_that_goes_on(history: HistoryStore) -> None:
    engine = FakeEngine()
    state = _chat(history, engine, "one")
    conversation = state.conversation_id
    state.delete(state.plan_delete(0))
    assert state.turns == () and _stored(history, state) == []
    _run(state, state.plan_chat("again", engine), "answer")
    assert state.conversation_id == conversation  # the same stored chat
    assert _stored(history, state) == ["again", "answer"]


def test_two_deletions_are_two_branches(history: HistoryStore) -> None:
    engine = FakeEngine()
    state = _chat(history, engine, "one", "two", "three")
    state.delete(state.plan_delete(4))
    state.delete(state.plan_delete(2))
    branches = history.old_branches(state.conversation_id)
    assert [[m.text for m in b.messages] for b in branches] == [["two", "answer to two"], ["three", "answer to three"]]
    assert all(branch.deleted for branch in branches)


def test_refused_while_a_reply_streams_and_for_a_stale_or_missing_choice(history: HistoryStore) -> None:
    engine = FakeEngine()
    state = _chat(history, engine, "one")
    with pytest.raises(ChatStateError, match="no such message"):
        state.plan_delete(2)
    with pytest.raises(ChatStateError, match="no such message"):
        state.plan_delete(-1)
    stale = state.plan_delete(0)
    plan = state.plan_chat("two", engine)
    state.begin(plan, "model.gguf")
    with pytest.raises(ChatStateError, match="still being generated"):
        state.plan_delete(0)
    with pytest.raises(ChatStateError, match="still being generated"):
        state.delete(stale)
    state.finish(_result(plan, "answer to two"))
    with pytest.raises(ChatStateError, match="changed since"):
        state.delete(stale)
    assert len(state.turns) == 4 and _stored(history, state) == _texts(state)


def test_a_cut_before_the_context_start_brings_the_earlier_turns_back(history: HistoryStore) -> None:
    """After an overflow dropped the oldest turns, deleting from one of them (or from the first in context)
    leaves only dropped turns: they come back into the context, and the next plan drops what does not fit."""
    engine = FakeEngine(n_ctx=160)
    state = journaled_state(history)
    for number in range(8):
        _run(state, state.plan_chat(f"question number {number} " * 3, engine), f"answer number {number} " * 3)
    start = state.context_start
    assert start > 2
    state.delete(state.plan_delete(start))
    assert state.context_start == 0
    plan = state.plan_chat("next", engine)
    assert plan.request.prompt_tokens + plan.params.max_new_tokens <= 160


def test_a_lost_reply_has_no_stored_row_so_the_deletion_retires_from_the_next_stored_one(history: HistoryStore) -> None:
    """A resumed chat shows an empty reply where one was lost before its first token (nothing stored for it):
    deleting from there retires the stored messages after it."""
    engine = FakeEngine()
    state = _chat(history, engine, "one")
    conversation = state.conversation_id
    history.add_user_message(conversation, "lost reply after this")
    history.start_reply(conversation, "greedy")  # killed before its first token
    history.add_user_message(conversation, "later")
    resumed = journaled_state(history)
    resumed.resume(load_saved_chat(history, conversation), None)
    assert [m.text for m in resumed.messages][2:] == ["lost reply after this", "", "later", ""]
    plan = resumed.plan_delete(3)
    assert plan.stored_id == resumed.turns[4].stored_id
    resumed.delete(plan)
    assert [m.text for m in history.get_conversation(conversation).messages] == [
        "one",
        "answer to one",
        "lost reply after this",
    ]


def test_without_history_the_turns_still_go() -> None:
    engine = FakeEngine()
    state = ChatState(PROFILE)
    _run(state, state.plan_chat("one", engine), "answer")
    plan = state.plan_delete(1)
    assert plan.stored_id is None
    state.delete(plan)
    assert [m.role for m in state.messages] == [Role.USER]


def test_the_next_reply_after_a_deletion_evaluates_only_from_the_cut(engine) -> None:
    """The real model: the prompt after the cut is a prefix of what the KV cache holds, so only the new
    message is evaluated, and the count is the exact count of the prompt the gauge sees."""
    profile = DecodingProfile(name="greedy", max_new_tokens=16)
    state = ChatState(profile, system_prompt="You are a helpful assistant.")
    for message in ("Hello!", "What is 2 + 2?", "And the capital of Italy?"):
        plan = state.plan_chat(message, engine)
        result = engine.generate(plan.prompt, plan.params, lambda *_: None, threading.Event())
        state.begin(plan, engine.info.path)
        state.finish(result)
    state.delete(state.plan_delete(2))
    plan = state.plan_chat("Thanks.", engine)
    before = engine.count_tokens(engine.prompt_format.render(state.parts()))
    result = engine.generate(plan.prompt, plan.params, lambda *_: None, threading.Event())
    assert result.prompt_tokens == engine.count_tokens(plan.prompt) == plan.request.prompt_tokens
    new = result.prompt_tokens - before
    assert result.evaluated_prompt_tokens <= new + 4, (result.evaluated_prompt_tokens, new)
