"""Edit a decoding profile with one field per parameter, each explained in a line, validated as you type.

Saving always writes a *user* profile (the config dir); built-ins are never modified, only shadowed, and
"Reset" removes the shadow. The export row writes the profile as shotglass TOML or as the file Ollama, LM
Studio, SillyTavern or llama-server loads (``export_row.py``). Dismisses with the saved profile's name, or
``None``.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.core.errors import ProfileError, UserError
from tui.core.profiles.form import FORM_FIELDS, profile_from_form, profile_to_form
from tui.core.profiles.profile import PARAMETER_HELP, DecodingProfile
from tui.core.profiles.store import ProfileSource, ProfileStore
from tui.ui.plain import plain
from tui.ui.profiles.export_row import ExportRow


def still_greedy(profile: DecodingProfile) -> str | None:
    """A temperature above 0 with top-k 1 looks like sampling but cannot be: one candidate is left to draw
    from, so the reply is the greedy one (and its seed changes nothing). Say so while the user edits."""
    if profile.is_greedy or profile.top_k != 1:
        return None
    return "⚠ top-k 1 keeps only the most probable token: still greedy at any temperature (raise top-k to sample)"


class ProfileEditor(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, store: ProfileStore, profile: DecodingProfile, model: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.original = profile
        self.model = model
        """The model in use, for an exported Modelfile's FROM; None asks the app which engine it runs."""
        self.current: DecodingProfile | None = profile
        """The profile as the form stands, or None while a field is invalid."""

    def compose(self) -> ComposeResult:
        form = profile_to_form(self.original)
        with Vertical(id="editor"):
            yield Label(plain(f"Decoding profile · editing '{self.original.name}'"), id="editor-title")
            with VerticalScroll(id="editor-fields"):
                for key in FORM_FIELDS:
                    with Horizontal(classes="field"):
                        yield Label(key.replace("_", " "), classes="field-name")
                        yield Input(
                            form[key],
                            id=f"field-{key}",
                            classes="field-input",
                            placeholder="random per reply" if key == "seed" else "",
                        )
                    yield Static(PARAMETER_HELP[key], classes="field-help")
            yield Static("", id="editor-status")
            yield ExportRow(lambda: self.current, self._model_in_use, id="editor-export")
            with Horizontal(id="editor-buttons"):
                yield Button("Save (Ctrl+S)", id="save", variant="primary")
                yield Button("Reset to built-in", id="reset", variant="warning")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._validate()

    def _model_in_use(self) -> str | None:
        """The engine's model path (a GGUF file for a local model); the app holds the engine in use."""
        if self.model is not None:
            return self.model
        from tui.ui.app import ShotglassApp  # at call time: the app module imports this screen's callers

        return self.app.engine.info.path if isinstance(self.app, ShotglassApp) else None

    def _form(self) -> dict[str, str]:
        return {key: self.query_one(f"#field-{key}", Input).value for key in FORM_FIELDS}

    def _validate(self) -> DecodingProfile | None:
        status = self.query_one("#editor-status", Static)
        for field in self.query(".field-input"):
            field.remove_class("-invalid")
        try:
            profile = profile_from_form(self._form())
        except ProfileError as error:
            message = str(error).removeprefix("editor: ")
            status.update(plain(f"✗ {message}"))
            status.set_class(True, "-error")
            for key in FORM_FIELDS:
                if f"'{key}'" in message:
                    self.query_one(f"#field-{key}", Input).add_class("-invalid")
            self.query_one("#save", Button).disabled = True
            self.query_one("#export", Button).disabled = True
            self.current = None
            return None
        status.set_class(False, "-error")
        warning = still_greedy(profile)
        status.update(plain(f"✓ valid · {warning + ' · ' if warning else ''}{self._save_consequence(profile.name)}"))
        self.query_one("#save", Button).disabled = False
        self.query_one("#export", Button).disabled = False
        self.query_one("#reset", Button).display = self._is_shadow(profile.name)
        self.current = profile
        self.query_one(ExportRow).suggest_path()
        return profile

    def _is_shadow(self, name: str) -> bool:
        try:
            return self.store.entry(name).source is ProfileSource.USER_SHADOWING
        except ProfileError:
            return False

    def _save_consequence(self, name: str) -> str:
        if name in self.store.names():
            try:
                source = self.store.entry(name).source
            except ProfileError:
                return f"saving replaces the broken user file '{name}'"
            if source is ProfileSource.BUILT_IN:
                return f"saving creates a user profile that shadows the built-in '{name}' (Reset removes it)"
            return f"saving overwrites your profile '{name}'"
        return f"saving creates the user profile '{name}'"

    @on(Input.Changed)
    def _changed(self) -> None:
        self._validate()

    def action_save(self) -> None:
        profile = self._validate()
        if profile is None:
            return
        try:
            path = self.store.save(profile, force=True)
        except UserError as error:  # e.g. an unwritable profiles folder: say so, keep the form and its edits
            self.notify(str(error), title="Profile not saved", severity="error", timeout=12)
            return
        self.notify(f"Saved '{profile.name}' to {path}", timeout=4)
        self.dismiss(profile.name)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#reset")
    def _reset_pressed(self) -> None:
        name = self._form()["name"].strip()
        try:
            removed = self.store.reset(name)
        except UserError as error:
            self.notify(str(error), title="Profile not reset", severity="error", timeout=12)
            return
        if removed:
            self.notify(f"Removed your '{name}'; the built-in is back.", timeout=4)
        self.dismiss(name)
