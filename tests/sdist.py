"""The pinned llama-cpp-python source distribution, fetched once and kept between test runs.

Tests use what nobody here wrote: the real chat templates in llama.cpp's ``models/templates/``, llama.cpp's
``tests/test-chat-template.cpp`` and the vendored llama.cpp that ``llama-server`` is built from. All of it
ships in the sdist of the llama-cpp-python version the project pins, so the tests read it from there rather
than from hand-copied snippets. The archive is downloaded with ``pip download`` (the package registry is
the one network CI may use) into a cache outside the per-test isolated directories, and unpacked once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

LLAMA_CPP_PYTHON_VERSION = "0.3.36"
CACHE_ENV = "SHOTGLASS_TEST_CACHE"


def test_cache_dir() -> Path:
    """Where downloaded and built test inputs live: ``$SHOTGLASS_TEST_CACHE``, else ``~/.cache/shotglass-tests``."""
    chosen = os.environ.get(CACHE_ENV)
    return Path(chosen) if chosen else Path.home() / ".cache" / "shotglass-tests"


def llama_cpp_sdist() -> Path:
    """The unpacked sdist's root folder (``.../llama_cpp_python-0.3.36``), downloading it the first time."""
    root = test_cache_dir() / "sdist"
    unpacked = root / f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}"
    marker = unpacked / ".unpacked"
    if marker.is_file():
        return unpacked
    root.mkdir(parents=True, exist_ok=True)
    archive = root / f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}.tar.gz"
    if not archive.is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}",
                "-d",
                str(root),
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    marker.write_text("ok\n")
    return unpacked


def vendored_llama_cpp() -> Path:
    """llama.cpp as vendored in the sdist (``vendor/llama.cpp``)."""
    return llama_cpp_sdist() / "vendor" / "llama.cpp"


def templates_dir() -> Path:
    """llama.cpp's ``models/templates/`` folder in the sdist (downloaded and unpacked on first use)."""
    return vendored_llama_cpp() / "models" / "templates"


def real_template(name: str) -> str:
    """One template of the corpus by file name, e.g. ``Qwen-Qwen3-0.6B.jinja``."""
    return (templates_dir() / name).read_text(encoding="utf-8")


def real_templates() -> list[Path]:
    """The real chat templates llama.cpp tests against: ``models/templates/*.jinja``, sorted by name."""
    return sorted(templates_dir().glob("*.jinja"))
