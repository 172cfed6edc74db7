"""Chat-template prompt format, rendered in a sandboxed Jinja environment like llama-cpp-python does.

A GGUF's ``tokenizer.chat_template`` is code from a file someone downloaded: the sandbox keeps it from
reaching Python internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tui.core.chat.prompt import PromptParts, to_chat_turns
from tui.core.errors import UserError


class TemplateError(UserError):
    """The model's chat template refused the conversation (e.g. roles that do not alternate) or is broken."""


def _raise_exception(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


@dataclass(frozen=True)
class ChatTemplateFormat:
    template: str
    bos_token: str = ""
    eos_token: str = ""
    extra_stops: tuple[str, ...] = ()
    _compiled: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, loader=jinja2.BaseLoader())
        try:
            compiled = env.from_string(self.template)
        except jinja2.TemplateError as error:
            raise TemplateError(f"the model's chat template does not compile: {error}") from None
        object.__setattr__(self, "_compiled", compiled)

    @property
    def description(self) -> str:
        return "chat template"

    def render(self, parts: PromptParts) -> str:
        turns = [{"role": turn.role, "content": turn.content} for turn in to_chat_turns(parts)]
        try:
            return self._compiled.render(
                messages=turns,
                bos_token=self.bos_token,
                eos_token=self.eos_token,
                add_generation_prompt=parts.new_message is not None,
                raise_exception=_raise_exception,
            )
        except jinja2.exceptions.SecurityError:
            raise
        except jinja2.TemplateError as error:
            raise TemplateError(f"the model's chat template refused this conversation: {error}") from None

    def stop_strings(self, parts: PromptParts) -> tuple[str, ...]:
        return self.extra_stops
