"""One profile's reply in the compare view: streamed text, stats, and the words that differ from the
first column highlighted once every column has finished."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from tui.core.chat.repetition import find_loop
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
        self.failed = False

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
        loop = find_loop(self.text)  # the note the chat puts under a looping reply, here before it is kept
        note = f" · {loop.advice()}" if loop is not None else ""
        self.query_one(".compare-stats", Static).update(
            plain(
                f"{result.finish_reason.in_words} · {result.completion_tokens} tok · {result.tokens_per_s:.0f} tok/s"
                f"{seed} · context {used:,}/{self.n_ctx:,} · key {self.index + 1} keeps it{note}"
            )
        )

    def not_run(self) -> None:
        """The run was stopped (Esc) before this column's turn came: it will never start."""
        self.query_one(".compare-body", Static).update("not run (stopped before its turn; F9 runs again)")

    @property
    def started(self) -> bool:
        return self.result is not None or self.failed or self.has_class("-running")

    def fail(self, error: str) -> None:
        self.failed = True
        self.remove_class("-running")
        self.query_one(".compare-stats", Static).update(plain(f"error: {error}"))

    def highlight_against(self, reference: str) -> None:
        body = Text(self.text)
        for start, end in differing_spans(reference, self.text):
            body.stylize("bold black on yellow", start, end)
        self.query_one(".compare-body", Static).update(body)
