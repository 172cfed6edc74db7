"""The chat state in core, without Textual: every reply kind x every outcome leaves what the state holds (what
the screen shows) and what the history stored identical, and planning never changes anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from chat_helpers import PROFILE, journaled_state

from tui.core.chat.conversation import FinishReason, Message, Role
from tui.core.chat.reply_kind import ReplyKind
from tui.core.chat.state import ChatState, ChatStateError, ReplyPlan
from tui.core.contract import GenerationResult
from tui.core.errors import ContextOverflowError
from tui.core.history.journal import load_saved_chat
from tui.core.history.store import HistoryStore
from tui.core.profiles.profile import DecodingProfile
from tui.engine.fake import FakeEngine

OUTCOMES = ("finished", "stopped", "failed")


def _result(
    plan: ReplyPlan, text: str, finish: FinishReason, tokens: tuple[int, ...] | None = None
) -> GenerationResult:
    tokens = tokens if tokens is not None else tuple(range(len(text.split())))
    return GenerationResult(
        text=text,
        finish_reason=finish,
        prompt_tokens=plan.request.prompt_tokens,
        evaluated_prompt_tokens=plan.request.prompt_tokens,
        completion_tokens=len(tokens),
        ttft_s=0.01,
        tokens_per_s=50.0,
        seed=plan.params.seed,
        tokens=tokens,
    )


def _run(state: ChatState, plan: ReplyPlan, text: str, outcome: str = "finished") -> None:
    state.begin(plan, "model.gguf")
    for word in text.split(" "):
        state.stream(word + " ", 1)
    if outcome == "failed":
        state.fail("the server went away")
    else:
        finish = FinishReason.CANCELLED if outcome == "stopped" else FinishReason.END_OF_SEQUENCE
        state.finish(_result(plan, text, finish))


@pytest.fixture
def history(tmp_path: Path) -> HistoryStore:
    with HistoryStore(tmp_path / "history.db") as store:
        yield store


def _reloaded(history: HistoryStore, state: ChatState) -> ChatState:
    """What a restart would show: the stored chat resumed into a fresh state."""
    fresh = journaled_state(history)
    assert state.conversation_id is not None
    fresh.resume(load_saved_chat(history, state.conversation_id), None)
    return fresh


def _chat_of_two(history: HistoryStore, engine: FakeEngine) -> ChatState:
    state = journaled_state(history)
    _run(state, state.plan_chat("first question", engine), "first answer.")
    _run(state, state.plan_chat("second question", engine), "second answer.")
    return state


def _plan(kind: ReplyKind, state: ChatState, engine: FakeEngine) -> ReplyPlan:
    if kind is ReplyKind.CHAT:
        return state.plan_chat("third question", engine)
    if kind is ReplyKind.REGENERATE:
        return state.plan_regenerate(engine)
    if kind is ReplyKind.EDIT:
        return state.plan_edit(0, "first question, edited", engine)
    if kind is ReplyKind.FORK:
        return state.plan_fork(1, 99)
    return state.plan_replay()


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("kind", list(ReplyKind))
def test_every_kind_and_outcome_leaves_screen_and_store_identical(
    history: HistoryStore, kind: ReplyKind, outcome: str
) -> None:
    engine = FakeEngine()
    state = _chat_of_two(history, engine)
    before = state.messages
    _run(state, _plan(kind, state, engine), "a new reply", outcome)
    assert not state.generating
    reloaded = _reloaded(history, state)
    assert reloaded.messages == state.messages
    assert [turn.stored_id for turn in reloaded.turns] == [turn.stored_id for turn in state.turns]
    if kind is ReplyKind.REPLAY:
        assert state.messages == before  # a replay is shown and compared, never added
        return
    assert state.messages[-1].role is Role.ASSISTANT
    assert state.messages[-1].text.strip() == "a new reply"
    assert (state.messages[-1].stats is None) is (outcome == "failed")
    expected_length = {ReplyKind.CHAT: 6, ReplyKind.EDIT: 2}.get(kind, 4)
    assert len(state.messages) == expected_length
    if kind is ReplyKind.EDIT:
        assert state.messages[0].text == "first question, edited"
    if kind in (ReplyKind.REGENERATE, ReplyKind.FORK):
        assert state.messages[:3] == before[:3]


def test_a_failed_fork_replaces_the_reply_on_screen_and_in_the_store(history: HistoryStore) -> None:
    """Before: the stored original was marked replaced while the screen kept showing it, and a restart then
    resumed with an empty answer."""
    engine = FakeEngine()
    state = _chat_of_two(history, engine)
    state.begin(state.plan_fork(1, 7), "model.gguf")
    state.fail("llama.cpp failed during generation")
    assert state.messages[-1] == Message(Role.ASSISTANT, "")
    assert _reloaded(history, state).messages == state.messages


def test_planning_changes_nothing_and_a_refused_plan_leaves_chat_and_history_as_they_were(
    history: HistoryStore,
) -> None:
    engine = FakeEngine(n_ctx=60)
    state = _chat_of_two(history, engine)
    turns, stored = state.turns, history.get_conversation(state.conversation_id or 0)
    state.plan_chat("x", engine, profile=DecodingProfile(name="other", max_new_tokens=8))
    state.plan_regenerate(engine)
    with pytest.raises(ContextOverflowError):
        state.plan_edit(0, "word " * 80, engine)
    assert state.turns == turns and state.profile == PROFILE
    assert history.get_conversation(state.conversation_id or 0) == stored


def test_rules_of_each_kind() -> None:
    assert [kind.is_saved for kind in ReplyKind] == [True, True, False, True, True]
    assert {kind for kind in ReplyKind if kind.replaces_last_reply} == {ReplyKind.REGENERATE, ReplyKind.FORK}
    assert {kind for kind in ReplyKind if kind.adds_user_message} == {ReplyKind.CHAT, ReplyKind.EDIT}


def test_nothing_to_regenerate_replay_or_fork_in_an_empty_chat() -> None:
    state = ChatState(PROFILE)
    for action in (lambda: state.plan_regenerate(FakeEngine()), state.plan_replay, lambda: state.plan_fork(0, 1)):
        with pytest.raises(ChatStateError):
            action()


def test_a_second_reply_cannot_start_while_one_is_running() -> None:
    engine = FakeEngine()
    state = ChatState(PROFILE)
    state.begin(state.plan_chat("hi", engine), "m")
    with pytest.raises(ChatStateError, match="still being generated"):
        state.plan_chat("again", engine)
    with pytest.raises(ChatStateError):
        state.new_chat()


def test_a_resumed_chat_can_be_replayed_and_inspected(history: HistoryStore) -> None:
    """Before: after a restart, Ctrl+R and F8 said "Nothing to replay yet" for the reply on screen."""
    engine = FakeEngine()
    state = _chat_of_two(history, engine)
    original = state.last_record()
    reloaded = _reloaded(history, state)
    assert reloaded.last_record() == original is not None
    plan = reloaded.plan_replay()
    assert plan.prompt == original.prompt and plan.params == original.params
    assert plan.reuse_limit == original.reused_prefix


def test_replaying_a_stopped_reply_runs_exactly_its_tokens_and_compares_them() -> None:
    """Before: the replay of a reply stopped with Esc ran to the full token limit and said "differs"."""
    engine = FakeEngine()
    state = ChatState(PROFILE)
    plan = state.plan_chat("tell me a story", engine)
    state.begin(plan, "m")
    state.finish(_result(plan, "once upon a", FinishReason.CANCELLED, tokens=(5, 6, 7)))
    replay = state.plan_replay()
    assert replay.params.max_new_tokens == 3 < PROFILE.max_new_tokens
    state.begin(replay, "m")
    outcome = state.finish(_result(replay, "once upon a", FinishReason.LENGTH, tokens=(5, 6, 7)))
    assert outcome.replay is not None and outcome.replay.identical
    assert outcome.replay.in_words == "identical for the 3 tokens before the original was stopped"
    assert len(state.messages) == 2


def test_deleting_the_open_conversation_starts_a_new_chat_with_a_new_id(history: HistoryStore) -> None:
    """Before: the deleted chat stayed on screen, and the next message silently started a two-message
    conversation that reused the deleted one's id."""
    engine = FakeEngine()
    state = _chat_of_two(history, engine)
    deleted = state.conversation_id
    assert deleted is not None
    history.delete(deleted)
    assert state.forget_deleted({deleted}) is True
    assert state.messages == () and state.conversation_id is None
    _run(state, state.plan_chat("hello again", engine), "hi.")
    assert state.conversation_id not in (None, deleted)
    assert state.forget_deleted({12345}) is False


def test_history_errors_become_notices_and_the_chat_goes_on(tmp_path: Path) -> None:
    errors: list[str] = []
    with HistoryStore(tmp_path / "history.db") as store:
        state = journaled_state(store, errors)
        _run(state, state.plan_chat("hello", FakeEngine()), "hi.")
        store.delete(state.conversation_id or 0)  # another shotglass deleted it under us
        _run(state, state.plan_chat("still there?", FakeEngine()), "yes.")
    assert len(state.messages) == 4
    assert errors and all("conversation" in error for error in errors)


def test_streaming_keeps_chunks_and_the_reply_starts_at_its_first_non_space() -> None:
    engine = FakeEngine()
    state = ChatState(PROFILE)
    state.begin(state.plan_chat("hi", engine), "m")
    assert state.stream("  ", 1) == ""
    assert state.stream(" Hello", 2) == "Hello"
    assert state.stream(" world", 3) == " world"
    assert state.pending is not None and state.pending.text == "Hello world"
    assert state.pending.completion_tokens == 3


def test_settings_changes_are_saved_with_the_conversation(history: HistoryStore) -> None:
    engine = FakeEngine()
    state = _chat_of_two(history, engine)
    state.set_system_prompt("Be thorough.")
    state.set_profile(DecodingProfile(name="creative-sampling", temperature=0.8))
    info = history.conversation_info(state.conversation_id or 0)
    assert (info.system_prompt, info.profile) == ("Be thorough.", "creative-sampling")


def test_resume_keeps_roles_alternating_where_replies_were_lost(history: HistoryStore) -> None:
    conversation = history.create_conversation()
    history.add_user_message(conversation, "one")
    history.add_user_message(conversation, "two")  # the reply to "one" never started
    state = ChatState(PROFILE)
    state.resume(load_saved_chat(history, conversation), None)
    assert [message.role for message in state.messages] == [Role.USER, Role.ASSISTANT, Role.USER, Role.ASSISTANT]
