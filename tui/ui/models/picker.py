"""Pick a model from the GGUFs already on this machine (embedded, Hugging Face cache, LM Studio, Ollama,
your folders), read from their headers without loading weights, plus how many layers go to the GPU.

Dismisses with a ``ModelChoice``, or None. The scan runs in a worker: many large files take seconds.
Names, paths, architectures and skip reasons come from files on disk, so they are shown as plain
``Content``, never parsed as markup (a file named ``[/].gguf`` is just a name).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from tui.core.errors import ModelError
from tui.ui.plain import plain
from tui.ui.workers import failure_notice


@dataclass(frozen=True)
class ModelChoice:
    path: Path
    gpu_layers: int | None
    """None = the default (all layers when this build can offload, else 0)."""


class ModelPicker(ModalScreen[ModelChoice | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    @dataclass
    class Scanned(Message):
        results: list

    def __init__(self, scan: Callable[[], list], current_path: str, gpu_note: str) -> None:
        super().__init__()
        self._scan = scan
        self._current = current_path
        self._gpu_note = gpu_note
        self._paths: list[Path] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="models"):
            yield Label(
                "Models on this machine · Enter loads · the chat is kept, the gauge recounts", id="models-title"
            )
            yield OptionList(id="models-list")
            yield Static("scanning…", id="models-skipped")
            with Horizontal(id="models-gpu"):
                yield Label("GPU layers", classes="field-name")
                yield Input(placeholder="auto", id="models-gpu-layers", restrict=r"-?[0-9]*")
                yield Label(plain(self._gpu_note), id="models-gpu-note")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._run_scan()

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def _run_scan(self) -> None:
        results = self._scan()
        if not get_current_worker().is_cancelled:  # the picker was closed while the disk was read
            self.post_message(self.Scanned(results))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notice = failure_notice(event)
        if notice is not None:
            self.query_one("#models-skipped", Static).update(Content(notice))

    def on_model_picker_scanned(self, message: Scanned) -> None:
        from tui.core.models.scan import model_entries, skipped_files

        options = self.query_one(OptionList)
        options.clear_options()
        entries = model_entries(message.results)
        self._paths = [entry.path for entry in entries]
        for index, entry in enumerate(entries):
            mark = "● " if str(entry.path) == self._current else "  "
            template = "chat template" if entry.has_chat_template else "no template"
            options.add_option(
                Option(
                    Content(
                        f"{mark}{entry.name}  ·  {entry.source.value}  ·  "
                        f"{entry.architecture} {entry.parameters or ''}  ·  "
                        f"{entry.quantization}  ·  {entry.size_label}  ·  ctx {entry.context_length or '?'}  ·  "
                        f"{template}"
                    ),
                    id=str(index),
                )
            )
        if entries:
            options.highlighted = 0
        skipped = skipped_files(message.results)
        lines = [f"{len(entries)} model{'s' if len(entries) != 1 else ''}"] + [
            f"skipped {item.path}: {item.reason}" for item in skipped[:8]
        ]
        if len(skipped) > 8:
            lines.append(f"… and {len(skipped) - 8} more skipped (shotglass models lists them all)")
        self.query_one("#models-skipped", Static).update(Content("\n".join(lines)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        text = self.query_one("#models-gpu-layers", Input).value.strip()
        try:
            layers = int(text) if text not in ("", "-") else None
        except ValueError:
            layers = None
        if event.option.id is None:
            raise ModelError(f"model list row {event.option.prompt!r} has no index")
        self.dismiss(ModelChoice(self._paths[int(event.option.id)], layers))

    def action_cancel(self) -> None:
        self.dismiss(None)
