"""Fitting the next request into the context window: the overflow policy, as pure functions.

Shared by the TUI's chat state, ``shotglass ask``, ``eval`` and the compare view, so all of them send exactly
the same prompt for the same chat. Nothing here changes anything: the caller applies the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tui.core.chat.budget import TokenCounter
from tui.core.chat.conversation import Message
from tui.core.chat.prompt import PromptFormat, PromptParts, TemplateValue
from tui.core.errors import ContextOverflowError
from tui.core.fewshot.examples import ExampleSet
from tui.core.profiles.profile import DecodingProfile


@dataclass(frozen=True)
class PromptSettings:
    """What comes before the conversation: the system prompt and the pinned examples."""

    system_prompt: str = ""
    pins: ExampleSet = field(default_factory=ExampleSet)

    def parts(
        self,
        history: Sequence[Message] = (),
        new_message: str | None = None,
        template_options: tuple[tuple[str, TemplateValue], ...] = (),
    ) -> PromptParts:
        """``template_options``: the profile's chat-template variables (``enable_thinking``)."""
        return PromptParts(
            system=self.system_prompt,
            instruction=self.pins.instruction,
            examples=self.pins.enabled_examples,
            history=tuple(history),
            new_message=new_message,
            input_label=self.pins.input_label,
            output_label=self.pins.output_label,
            pin_render=self.pins.render,
            template_options=template_options,
        )


@dataclass(frozen=True)
class RequestPlan:
    """What will be sent for the next reply, and what had to be dropped to make it fit."""

    prompt: str
    prompt_tokens: int
    max_new_tokens: int
    stop: tuple[str, ...]
    dropped_messages: int
    context_start: int = 0
    """Index of the first message still in the context once this plan is applied."""


def fit_request(
    settings: PromptSettings,
    profile: DecodingProfile,
    messages: Sequence[Message],
    context_start: int,
    new_message: str,
    fmt: PromptFormat,
    count: TokenCounter,
    n_ctx: int,
) -> RequestPlan:
    """Fit the next request into ``n_ctx``, dropping the oldest half of the history at a time.

    Dropping in chunks rather than one turn per request keeps the prompt prefix stable for many turns
    afterwards, so the KV cache is rebuilt rarely. Never drops the system prompt or pins.
    """
    reserve = profile.max_new_tokens
    if reserve >= n_ctx:
        raise ContextOverflowError(
            f"max_new_tokens {reserve} of profile '{profile.name}' does not fit the context of "
            f"{n_ctx} tokens; lower it or raise --ctx"
        )
    start = min(context_start, len(messages))
    while True:
        history = messages[start:]
        parts = settings.parts(history, new_message, profile.template_kwargs)
        prompt = fmt.render(parts)
        tokens = count(prompt)
        if tokens + reserve <= n_ctx:
            return RequestPlan(
                prompt=prompt,
                prompt_tokens=tokens,
                max_new_tokens=reserve,
                stop=fmt.stop_strings(parts) + profile.stop,
                dropped_messages=start - min(context_start, len(messages)),
                context_start=start,
            )
        if not history:
            raise ContextOverflowError(
                f"the system prompt, pinned examples and this message take {tokens} tokens; with "
                f"{reserve} reserved for the reply that exceeds the context of {n_ctx} tokens"
            )
        remaining = len(messages) - start
        # Drop half of what is left, rounded up to whole user+assistant exchanges.
        drop = max(2, (remaining // 2 + 1) // 2 * 2)
        start = min(len(messages), start + drop)
