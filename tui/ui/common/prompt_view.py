"""Shows exactly the text the model receives for the next message, with its exact token count beside the
approximate (≈) cl100k count for people who will send the same prompt to an API model."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from tui.ui.plain import plain


class PromptView(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close"), Binding("f7", "close", "Close")]

    def __init__(
        self,
        prompt: str,
        exact_tokens: int,
        estimated_tokens: int | None,
        model_name: str,
        prompt_format: str,
        exact: bool = True,
    ) -> None:
        super().__init__()
        self._prompt = prompt
        counted = (
            f"{exact_tokens} tokens with {model_name}'s tokenizer (exact, what the gauge counts)"
            if exact
            else f"≈{exact_tokens} tokens (estimate: this engine has no tokenizer to count with)"
        )
        self._summary = (
            counted
            + (f" · ≈{estimated_tokens} with cl100k_base (estimate)" if estimated_tokens is not None else "")
            + f" · format: {prompt_format}"
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-view"):
            yield Label("The prompt the model will receive for your draft (Esc closes)", id="prompt-view-title")
            yield Label(plain(self._summary), id="prompt-view-counts")
            yield TextArea(self._prompt, read_only=True, soft_wrap=True, show_line_numbers=True, id="prompt-view-text")

    def action_close(self) -> None:
        self.dismiss(None)
