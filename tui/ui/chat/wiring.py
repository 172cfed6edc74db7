"""What the chat screen is given by whoever builds it: the engine and the services around it.

Injected, never imported: the composition root (``tui.cli``) passes a loaded engine, the profile store and
the history, and tests pass a fake engine and temporary stores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.core.contract import Engine
from tui.core.eval.plan import EvalOptions
from tui.core.history.store import HistoryStore
from tui.core.profiles.store import ProfileStore
from tui.ui.chat.model_switcher import ModelLoader, ModelScanner


@dataclass(frozen=True)
class ChatServices:
    engine: Engine
    profiles: ProfileStore
    history: HistoryStore | None = None
    estimate: Callable[[str], int] | None = None
    """Approximate (cl100k) token counter for the prompt view; injected so the UI never imports tiktoken."""
    load_model: ModelLoader | None = None
    scan_models: ModelScanner | None = None
    gpu_note: str = ""
    resume_id: int | None = None
    """The conversation to reopen on start, if any."""
    history_notice: str | None = None
    on_engine_changed: Callable[[Engine], None] = lambda _engine: None
    load_first: Callable[[], Engine] | None = None
    """Loads the model to chat with after the first frame (``engine`` is a ``LoadingEngine`` until then)."""
    on_first_load_failed: Callable[[str], None] = lambda _error: None
    eval_on_start: EvalOptions | None = None
    """``shotglass --eval DATA``: open the eval screen on this once the model is ready."""
