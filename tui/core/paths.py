"""Where shotglass keeps its files, resolved lazily so importing never touches the filesystem.

platformdirs honours the XDG variables on Linux, which is also how tests isolate themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "shotglass"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def default(cls) -> "AppPaths":
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME)),
        )

    @property
    def user_profiles_dir(self) -> Path:
        return self.config_dir / "profiles"

    @property
    def models_cache_dir(self) -> Path:
        return self.cache_dir / "models"

    @property
    def llama_log_file(self) -> Path:
        return self.log_dir / "llama.log"
