"""The line under a reply (finish reason, profile, seed, counts, speed, and notes such as the loop note).

It is one line whatever the notes quote: a loop note that quotes a repeated phrase with line breaks in it
spilled over many lines and pushed the chat up. Line breaks and tabs are shown as ``⏎`` and a space, and CSS
cuts what does not fit with an ellipsis (``.message-stats``: ``text-wrap: nowrap; text-overflow: ellipsis``).
"""

from __future__ import annotations

import re

from textual.widgets import Static

from tui.ui.plain import plain

_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")


def one_line(text: str) -> str:
    """``text`` on one line: breaks become ``⏎``, tabs and other control characters a space."""
    flat = _BREAK.sub("⏎", text)
    return "".join(" " if char == "\t" or (ord(char) < 32 or 127 <= ord(char) < 160) else char for char in flat)


class StatsLine(Static):
    def __init__(self, text: str = "") -> None:
        super().__init__(plain(one_line(text)), classes="message-stats")

    def show(self, text: str) -> None:
        self.update(plain(one_line(text)))
