"""The Textual application, built from injected settings (engine, profile store, starting profile) so
tests and screenshots can hand it a fake engine and a temporary config dir."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from textual.app import App
from textual.screen import Screen

from tui.core.examples import ExampleSet
from tui.core.profile import DecodingProfile
from tui.core.profile_store import ProfileStore
from tui.engine.base import Engine
from tui.ui.screens.chat import ChatScreen


@dataclass(frozen=True)
class AppSettings:
    engine: Engine
    profiles: ProfileStore
    profile: DecodingProfile
    system_prompt: str = ""
    pins: ExampleSet = field(default_factory=ExampleSet)
    estimate: Callable[[str], int] | None = None
    history: object | None = None
    """A ``HistoryStore``; None keeps nothing (tests, screenshots)."""
    resume: bool = True
    """Reopen the last conversation on start."""
    load_model: Callable | None = None
    """(path, gpu_layers) -> Engine, for switching models in the app; None disables the model picker."""
    scan_models: Callable | None = None
    """() -> list of ModelEntry/SkippedFile: the GGUFs on this machine."""
    gpu_note: str = ""
    """Approximate (cl100k) token counter for the prompt view; injected so the UI never imports tiktoken."""


class ShotglassApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "shotglass"

    def __init__(self, settings: AppSettings) -> None:
        super().__init__()
        self.settings = settings
        self.engine = settings.engine
        """The engine in use now: a model switch replaces it, and whoever started the app closes this one."""

    def get_default_screen(self) -> Screen:
        settings = self.settings
        return ChatScreen(settings.engine, settings.profiles, settings.profile, settings.system_prompt,
                          settings.pins, settings.estimate, settings.history, settings.resume,
                          settings.load_model, settings.scan_models, settings.gpu_note)
