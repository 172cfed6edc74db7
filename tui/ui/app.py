"""The Textual application, built from injected settings (engine, profile store, starting profile) so
tests and screenshots can hand it a fake engine and a temporary config dir."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from textual.app import App
from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.core.chat.journal import Journal, NullJournal
from tui.core.chat.state import ChatState
from tui.core.contract import Engine
from tui.core.errors import UserError
from tui.core.eval.plan import EvalOptions
from tui.core.fewshot.examples import ExampleSet
from tui.core.history.journal import HistoryJournal
from tui.core.history.store import HistoryStore
from tui.core.profiles.profile import DecodingProfile
from tui.core.profiles.store import ProfileStore
from tui.ui.chat.model_switcher import ModelLoader, ModelScanner
from tui.ui.chat.screen import ChatScreen
from tui.ui.chat.wiring import ChatServices
from tui.ui.common.worker_threads import install as install_worker_threads
from tui.ui.compositor_crop_fix import install as install_compositor_crop_fix
from tui.ui.styles_cache_fix import install as install_styles_cache_fix


@dataclass(frozen=True)
class AppSettings:
    engine: Engine
    profiles: ProfileStore
    profile: DecodingProfile
    system_prompt: str = ""
    pins: ExampleSet = field(default_factory=ExampleSet)
    estimate: Callable[[str], int] | None = None
    """Approximate (cl100k) token counter for the prompt view; injected so the UI never imports tiktoken."""
    history: HistoryStore | None = None
    """None keeps nothing (tests, screenshots)."""
    resume: bool = True
    """Reopen the last conversation on start."""
    resume_id: int | None = None
    """Open this stored conversation on start instead of the last one (``--resume ID``, checked before)."""
    load_model: ModelLoader | None = None
    """(path, gpu_layers) -> Engine, for switching models in the app; None disables the model picker."""
    scan_models: ModelScanner | None = None
    """() -> list of ModelEntry/SkippedFile: the GGUFs on this machine."""
    gpu_note: str = ""
    load_first: Callable[[], Engine] | None = None
    """Loads the model after the first frame is drawn; ``engine`` is then a ``LoadingEngine`` placeholder."""
    eval_on_start: EvalOptions | None = None
    """``shotglass --eval DATA``: the chat opens the eval screen on it once the model is ready."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> keys from config.toml's ``[keys]``, already checked (``tui/ui/keymap.py``)."""


class ShotglassApp(App[None]):
    CSS_PATH = ["app.tcss", "transcript.tcss"]
    TITLE = "shotglass"

    def __init__(self, settings: AppSettings) -> None:
        super().__init__()
        install_styles_cache_fix()  # removed widgets' rendered lines are freed (a Textual leak, see the module)
        install_compositor_crop_fix()  # a frame draws only the widgets it changes (see the module)
        self.settings = settings
        if settings.keymap:
            self.set_keymap(dict(settings.keymap))  # Textual applies it to every screen's bindings by id
        self.engine = settings.engine
        """The engine in use now: a model switch replaces it, and whoever started the app closes this one."""
        self.startup_error: str | None = None
        """Why the model the app started with did not load (the app then exits with code 2)."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice here may quote a file, a model, a server or the user: never parse it as markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def on_load(self) -> None:
        install_worker_threads(asyncio.get_running_loop())  # finished workers let go of their screens

    def _use_engine(self, engine: Engine) -> None:
        self.engine = engine

    def _first_load_failed(self, error: str) -> None:
        self.startup_error = error
        self.exit(return_code=2)

    def _history_error(self, text: str) -> None:
        self.notify(text, title="History not saved", severity="error", timeout=10)

    def get_default_screen(self) -> Screen[None]:
        settings = self.settings
        state: ChatState
        journal: Journal = NullJournal()
        if settings.history is not None:
            journal = HistoryJournal(
                settings.history,
                lambda: self.engine.info.path,
                lambda: (state.system_prompt, state.pins, state.profile.name),
                lambda text: self.call_later(self._history_error, text),  # from the history writer's thread
                writer=settings.history.writer,  # the UI thread never waits for SQLite
            )
        state = ChatState(settings.profile, settings.system_prompt, settings.pins, journal)
        resume_id = settings.resume_id if settings.history is not None else None
        if settings.history is not None and settings.resume and resume_id is None:
            try:
                resume_id = settings.history.last_conversation_id()
            except UserError as error:  # a busy or broken database: start a new chat and say why
                self.call_later(self._history_error, str(error))
        services = ChatServices(
            engine=settings.engine,
            profiles=settings.profiles,
            history=settings.history,
            estimate=settings.estimate,
            load_model=settings.load_model,
            scan_models=settings.scan_models,
            gpu_note=settings.gpu_note,
            resume_id=resume_id,
            history_notice=settings.history.notice if settings.history is not None else None,
            on_engine_changed=self._use_engine,
            load_first=settings.load_first,
            on_first_load_failed=self._first_load_failed,
            eval_on_start=settings.eval_on_start,
        )
        return ChatScreen(services, state)
