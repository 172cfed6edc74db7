"""One profile's reply in the compare view: streamed text, stats, and the words that differ from the
first column highlighted once every column has finished."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from tui.core.chat.word_diff import differing_spans
from tui.core.contract import GenerationResult
from tui.core.profiles.profile import DecodingProfile
from tui.ui.plain import plain


class CompareColumn(Vertical):
    def __init__(self, index: int, profile: DecodingProfile, n_ctx: int, **kwargs) -> None:
        super().__init__(classes="compare-column", **kwargs)
        self.index = index
        self.profile = profile
        self.n_ctx = n_ctx
        self.text = ""
        self.result: GenerationResult | None = None

    def compose(self) -> ComposeResult:
        knobs = (
            "greedy"
            if self.profile.is_greedy
            else (f"T {self.profile.temperature:g} · k {self.profile.top_k} · p {self.profile.top_p:g}")
        )
        yield Label(plain(f"{self.index + 1}. {self.profile.name}  ({knobs})"), classes="compare-title")
        with VerticalScroll(classes="compare-body-scroll"):
            yield Static("waiting…", classes="compare-body")
        yield Static("", classes="compare-stats")

    def set_running(self) -> None:
        self.add_class("-running")
        self.query_one(".compare-body", Static).update("running…")

    def append(self, text: str) -> None:
        if not self.text:
            text = text.lstrip()
        self.text += text
        self.query_one(".compare-body", Static).update(plain(self.text))

    def finish(self, result: GenerationResult) -> None:
        self.result = result
        self.remove_class("-running")
        self.text = result.text.strip()
        used = result.prompt_tokens + result.completion_tokens
        seed = "" if self.profile.is_greedy else f" · seed {result.seed}"
        self.query_one(".compare-stats", Static).update(
            plain(
                f"{result.finish_reason.in_words} · {result.completion_tokens} tok · {result.tokens_per_s:.0f} tok/s"
                f"{seed} · context {used:,}/{self.n_ctx:,} · key {self.index + 1} keeps it"
            )
        )

    def fail(self, error: str) -> None:
        self.remove_class("-running")
        self.query_one(".compare-stats", Static).update(plain(f"error: {error}"))

    def highlight_against(self, reference: str) -> None:
        body = Text(self.text)
        for start, end in differing_spans(reference, self.text):
            body.stylize("bold black on yellow", start, end)
        self.query_one(".compare-body", Static).update(body)
