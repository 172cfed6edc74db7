"""Shared fixtures: isolated platformdirs per test, one real embedded model per session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tui.core.paths import AppPaths
from tui.core.profiles.store import ProfileStore


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    """Every test gets its own config/data/cache/log dirs: nothing a user saved is ever touched."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return AppPaths.default()


@pytest.fixture
def store(isolated_dirs: AppPaths) -> ProfileStore:
    return ProfileStore(isolated_dirs.user_profiles_dir)


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
