"""A reply drawn token by token, each coloured by the probability the model gave it, with a cursor."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

BANDS = ((0.9, "on dark_green"), (0.5, "on green4"), (0.2, "on dark_orange3"), (0.0, "on red3"))


def band_style(probability: float) -> str:
    for floor, style in BANDS:
        if probability >= floor:
            return style
    return BANDS[-1][1]


class TokenStrip(Static):
    cursor: reactive[int] = reactive(0)

    def __init__(self, pieces: list[str], probabilities: list[float], **kwargs) -> None:
        super().__init__(**kwargs)
        self.pieces = pieces
        self.probabilities = probabilities

    def watch_cursor(self) -> None:
        self.update(self.render_strip())

    def on_mount(self) -> None:
        self.update(self.render_strip())

    def render_strip(self) -> Text:
        text = Text()
        for index, (piece, probability) in enumerate(zip(self.pieces, self.probabilities)):
            shown = piece.replace("\n", "⏎\n") or "∅"
            style = band_style(probability)
            if index == self.cursor:
                style = "bold reverse"
            text.append(shown, style=style)
        return text
