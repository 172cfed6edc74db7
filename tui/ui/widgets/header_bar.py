"""One line that says which model, how big, which context, which backend and which prompt format."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.engine.base import ModelInfo


class HeaderBar(Static):
    def show_model(self, info: ModelInfo) -> None:
        line = Text()
        line.append(" shotglass ", style="bold reverse")
        line.append(f"  {info.name}", style="bold")
        line.append(f" · {info.size_label} {info.quantization} · ctx {info.n_ctx:,} · {info.backend}, "
                    f"{info.n_threads} threads · prompt format: {info.prompt_format}")
        self.update(line)
