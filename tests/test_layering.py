"""The layer rules from the design, checked in a fresh interpreter so earlier imports cannot hide a leak."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import tui.core

TUI_DIR = Path(tui.core.__file__).parent.parent


def _modules(package: str) -> list[str]:
    path = TUI_DIR / package.split(".", 1)[1].replace(".", "/")
    return [f"{package}.{info.name}" for info in pkgutil.iter_modules([str(path)])]


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = "import sys\n" + "".join(f"import {name}\n" for name in modules) + "print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_core_imports_neither_textual_rich_nor_llama_cpp() -> None:
    loaded = _loaded_after_import(_modules("tui.core"))
    assert not {"textual", "rich", "llama_cpp", "jinja2", "tiktoken"} & loaded


def test_ui_never_imports_the_llama_engine() -> None:
    loaded = _loaded_after_import(["tui.ui.app", "tui.engine.fake", *_modules("tui.ui.widgets")])
    assert "llama_cpp" not in loaded
    assert "tui.engine.llama" not in loaded


def test_only_engine_llama_imports_llama_cpp() -> None:
    offenders = [
        str(path.relative_to(TUI_DIR))
        for path in TUI_DIR.rglob("*.py")
        if path.name != "llama.py" and "import llama_cpp" in path.read_text()
    ]
    assert offenders == []


def test_cli_help_does_not_load_the_engine() -> None:
    code = "import sys\nfrom tui.cli import build_parser\nbuild_parser()\nprint('llama_cpp' in sys.modules, 'textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
