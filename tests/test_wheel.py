"""The built-in profiles ship inside the wheel (not only in the source tree)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_builtin_profiles_and_css(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("shotglass-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {path.name for path in (ROOT / "profiles").glob("*.toml")}
    assert {"greedy-factual.toml", "creative-sampling.toml"} <= shipped
    assert {f"tui/profiles/{name}" for name in shipped} <= names
    assert "tui/ui/app.tcss" in names
    assert "tui/core/profiles/importers/ollama.py" in names
    assert not any(name.startswith("tests/") for name in names)
