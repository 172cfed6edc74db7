"""Decoding-profile actions for the chat screen: switch, cycle, edit, import. Mixed into ``ChatScreen``.

Switching only changes the sampling parameters of the next call: no model reload, KV cache kept.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from tui.core.errors import UserError
from tui.ui.screens.profile_editor import ProfileEditor
from tui.ui.screens.text_editor import TextFieldsEditor
from tui.ui.widgets.profile_bar import ProfileBar


class ChatProfilesMixin:
    def select_profile(self, name: str) -> None:
        try:
            profile = self.profiles.get(name)
        except UserError as error:
            self.notify(str(error), title="Profile not loaded", severity="error", timeout=10)
            self.query_one(ProfileBar).show(self.session.profile)
            return
        self.session.profile = profile
        self.persist_settings()
        self.query_one(ProfileBar).show(profile)
        self._schedule_recount(0)

    def refresh_profile_names(self) -> None:
        self.profile_names = self.profiles.names()
        self.query_one(ProfileBar).set_names(self.profile_names)

    def action_cycle_profile(self) -> None:
        names = self.profile_names
        current = self.session.profile.name
        index = names.index(current) if current in names else -1
        self.select_profile(names[(index + 1) % len(names)])
        self.notify(f"Profile: {self.session.profile.name}", timeout=2)

    def on_select_changed(self, event: Select.Changed) -> None:
        """Named handler (``@on`` is not collected from mixins)."""
        # Only the dropdown's current value counts: setting it in code queues Changed events that may
        # arrive after a later switch, and acting on a stale one would flip the profile back and forth.
        if event.select.id == "profile-select" and isinstance(event.value, str) \
                and event.value == event.select.value and event.value != self.session.profile.name:
            self.select_profile(event.value)

    def action_edit_profile(self) -> None:
        def saved(name: str | None) -> None:
            if name is not None:
                self.refresh_profile_names()
                self.select_profile(name)

        self.app.push_screen(ProfileEditor(self.profiles, self.session.profile), saved)

    def action_import_profile(self) -> None:
        """Import a shotglass, Ollama, LM Studio, SillyTavern or llama.cpp preset file from the TUI."""
        from tui.core.importers import import_foreign

        def chosen(values: tuple[str, ...] | None) -> None:
            if values is None or not values[0].strip():
                return
            path, name = Path(values[0].strip()).expanduser(), values[1].strip() or None
            try:
                result = import_foreign(path, name=name)
                entry = self.profiles.import_profile(result.profile, path)
            except UserError as error:
                self.notify(str(error), title="Not imported", severity="error", timeout=12)
                return
            dropped = f" Dropped: {'; '.join(result.dropped)}." if result.dropped else ""
            self.notify(f"Imported '{entry.profile.name}' from {result.source_format}.{dropped}", timeout=12)
            self.refresh_profile_names()
            self.select_profile(entry.profile.name)

        self.app.push_screen(TextFieldsEditor(
            "Import a decoding profile",
            [("file path (shotglass .toml, Ollama Modelfile, LM Studio .preset.json, SillyTavern .json, "
              "llama.cpp .ini)", ""), ("name (optional; a new name avoids overwriting)", "")],
            note="Existing profiles and built-ins are never overwritten from here."), chosen)
