"""Shared fixtures: isolated platformdirs per test, one real embedded model per session, the chat driver
for the UI tests, and automatic ``model``/``tmux`` markers."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tui.core.paths import AppPaths
from tui.core.profiles.store import ProfileStore

if TYPE_CHECKING:
    from tui.ui.app import ShotglassApp


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    """Every test gets its own config/data/cache/log dirs: nothing a user saved is ever touched."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return AppPaths.default()


@pytest.fixture
def store(isolated_dirs: AppPaths) -> ProfileStore:
    return ProfileStore(isolated_dirs.user_profiles_dir)


@pytest.fixture
def chat_app(store: ProfileStore) -> Callable[..., ShotglassApp]:
    """The shared chat driver: ``chat_app(engine=None, *, profile="greedy-factual", **settings)`` builds a
    ``ShotglassApp`` on this test's profile store (see ``ui_helpers.make_app``); drive it with
    ``ui_helpers.send`` / ``send_and_wait`` / ``wait_reply`` / ``wait_streamed``."""
    from ui_helpers import make_app

    def build(engine=None, **settings) -> ShotglassApp:
        return make_app(store, engine, **settings)

    return build


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tui.engine.embedded import embedded_model_path

    return embedded_model_path(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def engine(model_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """The real llama.cpp engine on the embedded Gemma 3 270M, loaded once (0.5 s) for all engine tests."""
    from tui.core.models.hardware import physical_cores
    from tui.engine.llama import LlamaEngine, LoadOptions

    log = tmp_path_factory.mktemp("logs") / "llama.log"
    loaded = LlamaEngine(LoadOptions(model_path=model_path, n_ctx=2048, n_threads=physical_cores(), log_file=log))
    yield loaded
    loaded.close()


@pytest.fixture(scope="session")
def shotglass_cmd() -> list[str]:
    """The console script installed beside this interpreter (as users run it), else the module.

    Beside ``sys.executable`` rather than on PATH, so a test run in a venv never picks up another install.
    """
    script = Path(sys.executable).parent / "shotglass"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "tui"]


@pytest.fixture
def cli_env(isolated_dirs: AppPaths) -> dict[str, str]:
    return dict(os.environ)


MODEL_FIXTURES = ("engine", "model_path")
TMUX_FILES = ("test_smoke_tmux.py",)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what needs the real model or tmux, so ``-m "not model and not tmux"`` is the quick run.

    ``model``: every test that uses the ``engine`` or ``model_path`` fixture, directly or through another
    fixture (``item.fixturenames`` is the whole closure). ``tmux``: every test in ``test_smoke_tmux.py`` and
    every test using a fixture whose name contains "tmux". Explicit marks are kept; none is added twice.
    Runs first, so ``-m`` selection sees these marks.
    """
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures.intersection(MODEL_FIXTURES) and item.get_closest_marker("model") is None:
            item.add_marker(pytest.mark.model)
        in_tmux_file = item.path.name in TMUX_FILES
        if (in_tmux_file or any("tmux" in name for name in fixtures)) and item.get_closest_marker("tmux") is None:
            item.add_marker(pytest.mark.tmux)
