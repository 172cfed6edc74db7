"""One chat: system prompt, pins, profile and messages, and the overflow policy that keeps it in context.

Shared by the TUI and ``shotglass ask`` so both send exactly the same prompt for the same chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.core.budget import TokenCounter
from tui.core.conversation import Message, ReplyStats, Role
from tui.core.errors import ContextOverflowError
from tui.core.examples import ExampleSet
from tui.core.profile import DecodingProfile
from tui.core.prompt import PromptFormat, PromptParts


@dataclass(frozen=True)
class RequestPlan:
    """What will be sent for the next reply, and what had to be dropped to make it fit."""

    prompt: str
    prompt_tokens: int
    max_new_tokens: int
    stop: tuple[str, ...]
    dropped_messages: int


@dataclass
class ChatSession:
    profile: DecodingProfile
    system_prompt: str = ""
    pins: ExampleSet = field(default_factory=ExampleSet)
    messages: list[Message] = field(default_factory=list)
    context_start: int = 0
    """Index of the first message still in the context window; earlier ones were dropped on overflow."""

    @property
    def in_context(self) -> tuple[Message, ...]:
        return tuple(self.messages[self.context_start:])

    def parts(self, new_message: str | None = None, history: tuple[Message, ...] | None = None) -> PromptParts:
        return PromptParts(
            system=self.system_prompt,
            instruction=self.pins.instruction,
            examples=self.pins.enabled_examples,
            history=self.in_context if history is None else history,
            new_message=new_message,
            input_label=self.pins.input_label,
            output_label=self.pins.output_label,
        )

    def plan(self, new_message: str, fmt: PromptFormat, count: TokenCounter, n_ctx: int) -> RequestPlan:
        """Fit the next request into ``n_ctx``, dropping the oldest half of the history at a time.

        Dropping in chunks rather than one turn per request keeps the prompt prefix stable for many
        turns afterwards, so the KV cache is rebuilt rarely. Never drops the system prompt or pins.
        """
        reserve = self.profile.max_new_tokens
        if reserve >= n_ctx:
            raise ContextOverflowError(
                f"max_new_tokens {reserve} of profile '{self.profile.name}' does not fit the context of "
                f"{n_ctx} tokens; lower it or raise --ctx"
            )
        start = self.context_start
        while True:
            history = tuple(self.messages[start:])
            parts = self.parts(new_message, history)
            prompt = fmt.render(parts)
            tokens = count(prompt)
            if tokens + reserve <= n_ctx:
                dropped = start - self.context_start
                self.context_start = start
                return RequestPlan(prompt=prompt, prompt_tokens=tokens, max_new_tokens=reserve,
                                   stop=fmt.stop_strings(parts) + self.profile.stop, dropped_messages=dropped)
            if not history:
                raise ContextOverflowError(
                    f"the system prompt, pinned examples and this message take {tokens} tokens; with "
                    f"{reserve} reserved for the reply that exceeds the context of {n_ctx} tokens"
                )
            remaining = len(self.messages) - start
            # Drop half of what is left, rounded up to whole user+assistant exchanges.
            drop = max(2, (remaining // 2 + 1) // 2 * 2)
            start = min(len(self.messages), start + drop)

    def add_user(self, text: str) -> None:
        self.messages.append(Message(Role.USER, text))

    def add_reply(self, text: str, stats: ReplyStats | None) -> None:
        self.messages.append(Message(Role.ASSISTANT, text, stats))
