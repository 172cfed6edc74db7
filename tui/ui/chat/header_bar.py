"""One line that says which model, how big, which context, which backend and which prompt format."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.core.contract import EngineCapabilities, ModelInfo, header_segments

STYLES = {"name": "bold", "warning": "yellow", "format": "italic", "": ""}


class HeaderBar(Static):
    def show_model(self, info: ModelInfo, capabilities: EngineCapabilities) -> None:
        line = Text()
        line.append(" shotglass ", style="bold reverse")
        line.append("  ")
        for text, role in header_segments(info, capabilities):
            line.append(text, style=STYLES[role])
        self.update(line)
