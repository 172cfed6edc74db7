"""The layer rules from the design, checked in a fresh interpreter so earlier imports cannot hide a leak.

import-linter (``lint-imports``, configured in pyproject) checks the static import graph; these tests check
what is really loaded at run time, which also catches imports made inside functions.
"""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import tui
import tui.core

TUI_DIR = Path(tui.__file__).parent
LLAMA_IMPORT = re.compile(r"^\s*(import\s+llama_cpp\b(?!_)|from\s+llama_cpp[\s.])", re.MULTILINE)


def _modules(package: str) -> list[str]:
    """Every module of ``package``, subpackages included."""
    path = TUI_DIR / package.split(".", 1)[1].replace(".", "/")
    return [info.name for info in pkgutil.walk_packages([str(path)], prefix=f"{package}.")]


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = "import sys\n" + "".join(f"import {name}\n" for name in modules) + "print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_core_imports_neither_textual_rich_nor_llama_cpp() -> None:
    modules = _modules("tui.core")
    assert "tui.core.chat.state" in modules and "tui.core.profiles.importers.ollama" in modules
    loaded = _loaded_after_import(modules)
    assert not {"textual", "rich", "llama_cpp", "jinja2", "tiktoken"} & loaded


def test_ui_never_imports_the_llama_engine() -> None:
    loaded = _loaded_after_import(["tui.ui.app", "tui.engine.fake", *_modules("tui.ui")])
    assert "llama_cpp" not in loaded
    assert "tui.engine.llama" not in loaded


def test_only_engine_llama_imports_llama_cpp() -> None:
    offenders = [
        str(path.relative_to(TUI_DIR))
        for path in TUI_DIR.rglob("*.py")
        if path != TUI_DIR / "engine" / "llama.py" and LLAMA_IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_the_llama_import_pattern_catches_both_spellings() -> None:
    assert LLAMA_IMPORT.search("import llama_cpp\n")
    assert LLAMA_IMPORT.search("    from llama_cpp import Llama\n")
    assert LLAMA_IMPORT.search("from llama_cpp.llama_cpp import llama_log_set\n")
    assert not LLAMA_IMPORT.search("import llama_cpp_python_helpers\n")


def test_cli_help_does_not_load_the_engine() -> None:
    code = (
        "import sys\nfrom tui.cli_parser import build_parser\nbuild_parser()\n"
        "print('llama_cpp' in sys.modules, 'textual' in sys.modules, 'tui.engine' in sys.modules)\n"
        "import tui.cli\nprint('llama_cpp' in sys.modules, 'textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False", "False", "False", "False"]


def test_the_installed_tui_package_is_shotglass() -> None:
    """An unrelated old PyPI distribution also installs a top-level ``tui``: the one imported must be ours."""
    distribution = metadata.distribution("shotglass")
    assert tui.__version__ == distribution.version
    assert (TUI_DIR / "core" / "chat").is_dir()
    # The same distribution may be seen twice (an editable install's metadata beside the source tree's egg-info).
    owners = set(metadata.packages_distributions().get("tui", []))
    assert owners == {"shotglass"}, f"'tui' is installed by {owners}: install shotglass in its own environment"
