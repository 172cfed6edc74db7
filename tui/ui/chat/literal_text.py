"""Text shown exactly as written: no Markdown, no Textual or Rich markup, every line break kept.

It is the body of your own messages (``# not a heading`` and ``[bold]`` are what you typed), of a reply in raw
view, and of a thinking section. A streamed reply appends to it: the text is held in blocks of at most
``BLOCK_LINES`` lines, one ``Static`` each, and only the last block is redrawn when text arrives, so a long
reply costs the same per batch as a short one.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.ui.plain import plain

BLOCK_LINES = 24


def _blocks(text: str) -> list[str]:
    lines = text.split("\n")
    return ["\n".join(lines[start : start + BLOCK_LINES]) for start in range(0, len(lines), BLOCK_LINES)]


class LiteralText(Vertical):
    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._blocks = _blocks(text)

    def compose(self) -> ComposeResult:
        for block in self._blocks:
            yield Static(plain(block), classes="literal-block")

    @property
    def source(self) -> str:
        """All the text shown (the name matches ``Markdown.source``)."""
        return "\n".join(self._blocks)

    async def append(self, text: str) -> None:
        """Add ``text`` at the end: the last block is redrawn, full blocks stay as they are."""
        if not text:
            return
        grown = _blocks(self._blocks[-1] + text)
        self._blocks[-1:] = grown
        last = self.children[-1] if self.children else None
        if isinstance(last, Static):
            last.update(plain(grown[0]))
        if len(grown) > 1:
            await self.mount_all([Static(plain(block), classes="literal-block") for block in grown[1:]])
