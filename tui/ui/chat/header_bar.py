"""One line that says which model, how big, which context, which backend and which prompt format."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.core.contract import EngineCapabilities, ModelInfo


class HeaderBar(Static):
    def show_model(self, info: ModelInfo, capabilities: EngineCapabilities) -> None:
        line = Text()
        line.append(" shotglass ", style="bold reverse")
        line.append(f"  {info.name}", style="bold")
        if info.quantization not in ("", "unknown"):
            line.append(f" · {info.quantization} {info.size_label}")
        line.append(f" · ctx {info.n_ctx:,}")
        if not capabilities.context_known:
            line.append(" (assumed; set --ctx)", style="yellow")
        line.append(f" · {info.backend}")
        if info.n_threads > 0:  # a remote server's threads are its own business
            line.append(f", {info.n_threads} thread{'s' if info.n_threads != 1 else ''}")
        line.append(" · ")
        line.append(info.prompt_format, style="italic")
        if not capabilities.exact_counts:
            line.append(" · token counts ≈ (cl100k estimate)", style="yellow")
        self.update(line)
