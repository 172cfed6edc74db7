"""The profile editor's export row: a format, a path, and an Export button.

It writes the profile being edited as shotglass TOML or as the file another tool loads, to a path the
user can change (default: the current folder and the name that tool expects). An existing file is
replaced only after a second press on the same path and format (the confirmation); a symlink, FIFO,
device or folder is never replaced (``tui.core.output_file``). What the other tool cannot express is said
in the notice, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from tui.core.errors import UserError
from tui.core.output_file import Existing, existing, write_new_text
from tui.core.profiles.exporters import TARGETS, export_profile, model_for_export
from tui.core.profiles.profile import DecodingProfile, profile_to_toml
from tui.ui.plain import plain

_LABELS = {
    "toml": "shotglass TOML",
    "ollama": "Ollama Modelfile",
    "lmstudio": "LM Studio preset",
    "sillytavern": "SillyTavern preset",
    "llamacpp": "llama-server INI",
}
FORMATS: tuple[tuple[str, str], ...] = tuple((_LABELS[key], key) for key in ("toml", *TARGETS))


class ExportRow(Vertical):
    """``profile`` returns the validated profile being edited (None while the form is invalid);
    ``model`` returns the model in use, for a Modelfile's FROM."""

    def __init__(
        self, profile: Callable[[], DecodingProfile | None], model: Callable[[], str | None], *, id: str
    ) -> None:
        super().__init__(id=id)
        self._profile = profile
        self._model = model
        self._path_edited = False
        self._confirm: tuple[Path, str] | None = None
        """(path, format) that the next press may overwrite: set by a press that found a file there."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="export-fields"):
            yield Label("export as", classes="field-name")
            yield Select(FORMATS, value="toml", allow_blank=False, id="export-format")
            yield Input("", id="export-path", placeholder="file to write")
            yield Button("Export", id="export")
        yield Static("", id="export-status")

    def on_mount(self) -> None:
        self.suggest_path()

    @property
    def target(self) -> str:
        value = self.query_one("#export-format", Select).value
        return value if isinstance(value, str) else "toml"

    def _default_name(self, profile: DecodingProfile) -> str:
        if self.target == "toml":
            return f"{profile.name}.toml"
        return export_profile(profile, self.target).file_name

    def suggest_path(self) -> None:
        """Follow the profile's name and the format until the user types a path of their own."""
        profile = self._profile()
        if profile is None or self._path_edited:
            return
        field = self.query_one("#export-path", Input)
        with field.prevent(Input.Changed):
            field.value = str(Path.cwd() / self._default_name(profile))

    def _say(self, text: str, error: bool = False) -> None:
        status = self.query_one("#export-status", Static)
        status.update(plain(text))
        status.set_class(error, "-error")

    @on(Select.Changed, "#export-format")
    def _format_changed(self) -> None:
        self._confirm = None
        self._say("")
        self.suggest_path()

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        event.stop()  # the editor validates the profile fields on Input.Changed; a path is not one
        self._path_edited = True
        self._confirm = None
        self._say("")

    @on(Button.Pressed, "#export")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.export()

    def export(self) -> None:
        profile = self._profile()
        raw = self.query_one("#export-path", Input).value.strip()
        if profile is None or not raw:
            self._say("✗ nothing to export: fix the profile or name a file", error=True)
            return
        path = Path(raw).expanduser()
        found = existing(path)
        force = self._confirm == (path, self.target) and found is Existing.FILE
        if found is Existing.FILE and not force:
            self._confirm = (path, self.target)
            self._say(f"✗ {path} exists: press Export again to replace it", error=True)
            return
        self._confirm = None
        missing: tuple[str, ...] = ()
        notes: tuple[str, ...] = ()
        if self.target == "toml":
            text, tool = profile_to_toml(profile), "shotglass TOML"
        else:
            result = export_profile(profile, self.target, model_for_export(self._model()))
            text, missing, notes, tool = result.text, result.not_expressed, result.notes, result.tool
        try:
            write_new_text(path, text, force=force, error=UserError, force_hint="press Export again to replace it")
        except UserError as error:
            self._say(f"✗ {error}", error=True)
            self.notify(str(error), title="Not exported", severity="error", timeout=12)
            return
        self._say(f"✓ exported as {tool} to {path}")
        details = "".join(f"\nMissing in this format: {line}" for line in missing)
        details += "".join(f"\nNote: {line}" for line in notes)
        self.notify(f"Exported '{profile.name}' as {tool} to {path}{details}", timeout=12 if details else 5)
