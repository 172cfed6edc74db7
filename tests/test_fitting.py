"""Overflow policy: oldest turns go in a chunk, system prompt and pins never do, refusal when hopeless."""

from __future__ import annotations

import pytest

from tui.core.chat.conversation import Message, Role
from tui.core.chat.fitting import PromptSettings, RequestPlan, fit_request
from tui.core.chat.prompt import CompletionFormat
from tui.core.errors import ContextOverflowError
from tui.core.fewshot.examples import Example, ExampleSet
from tui.core.profiles.profile import DecodingProfile


def _words(text: str) -> int:
    return len(text.split()) + 1


SETTINGS = PromptSettings(
    system_prompt="Keep me.", pins=ExampleSet(examples=(Example("pinned question", "pinned answer"),))
)
HISTORY = tuple(
    message
    for index in range(10)
    for message in (
        Message(Role.USER, f"question {index} " + "word " * 8),
        Message(Role.ASSISTANT, f"answer {index} " + "word " * 8),
    )
)


def _plan(new: str, n_ctx: int, max_new: int = 10, history: tuple[Message, ...] = HISTORY) -> RequestPlan:
    return fit_request(
        SETTINGS, DecodingProfile(name="t", max_new_tokens=max_new), history, 0, new, CompletionFormat(), _words, n_ctx
    )


def test_fits_without_dropping() -> None:
    plan = _plan("new", n_ctx=1000)
    assert plan.dropped_messages == 0 and plan.prompt_tokens == _words(plan.prompt)
    assert plan.prompt_tokens + plan.max_new_tokens <= 1000


def test_overflow_drops_oldest_turns_in_a_chunk_and_keeps_system_and_pins() -> None:
    full = _plan("new", n_ctx=10_000).prompt_tokens
    plan = _plan("new", n_ctx=full - 20)
    assert plan.dropped_messages >= 10 and plan.dropped_messages % 2 == 0  # whole exchanges, at least half
    assert plan.prompt.startswith("Keep me.\n\nUser: pinned question\nAssistant: pinned answer")
    assert "question 0 " not in plan.prompt and "question 9 " in plan.prompt
    assert plan.prompt_tokens + plan.max_new_tokens <= full - 20
    assert plan.context_start == plan.dropped_messages  # where the context starts once the plan is applied


def test_refuses_when_system_pins_and_message_alone_do_not_fit() -> None:
    with pytest.raises(ContextOverflowError, match="exceeds the context of 30 tokens"):
        _plan("a much longer message " * 5, n_ctx=30)


def test_reserve_larger_than_context_is_refused() -> None:
    with pytest.raises(ContextOverflowError, match="max_new_tokens 500"):
        _plan("x", n_ctx=400, max_new=500)
