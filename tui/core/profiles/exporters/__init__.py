"""Write a shotglass profile as a file another tool loads: an Ollama Modelfile, an LM Studio preset, a
SillyTavern text-completion preset or a llama-server INI section.

Every exporter writes all eight decoding settings explicitly (the other tool's defaults differ from
shotglass's: Ollama would sample at 0.8 with top_p 0.9 and a repeat penalty of 1.1), switches off the
samplers shotglass does not have, and lists whatever the target cannot express instead of dropping it.
Importing an export back gives the same profile: the importers and exporters are tested against each
other (tests/test_exporters.py). Pure: the caller writes the text (see ``tui.core.output_file``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.core.errors import ProfileError
from tui.core.profiles.exporters import llamacpp, lmstudio, ollama, sillytavern
from tui.core.profiles.exporters._common import Written
from tui.core.profiles.profile import DecodingProfile

__all__ = ["TARGETS", "ExportResult", "export_profile", "model_for_export"]

_Exporter = Callable[[DecodingProfile, str | None], Written]
_EXPORTERS: dict[str, tuple[str, _Exporter]] = {
    "ollama": ("Ollama Modelfile", ollama.export),
    "lmstudio": ("LM Studio preset", lmstudio.export),
    "sillytavern": ("SillyTavern text-completion preset", sillytavern.export),
    "llamacpp": ("llama-server INI preset", llamacpp.export),
}
TARGETS: tuple[str, ...] = tuple(_EXPORTERS)
"""The ``--to`` choices, in the order the CLI and the editor offer them."""


@dataclass(frozen=True)
class ExportResult:
    """The file's text and what the user must know about it: what the target cannot express (listed,
    never silently dropped) and remarks such as a placeholder where a model path belongs."""

    target: str
    tool: str
    text: str
    file_name: str
    """A name the target expects (``Modelfile``, ``NAME.preset.json``, ...), for a default path."""
    not_expressed: tuple[str, ...]
    notes: tuple[str, ...]


def model_for_export(model: str | Path | None) -> str | None:
    """The model path to write into a Modelfile's FROM or an INI ``model`` key: an existing local file,
    made absolute so the export works from any folder; anything else (no model, a remote model name)
    becomes a placeholder comment instead of a line the other tool would fail on."""
    if model is None or str(model) == "":
        return None
    path = Path(model).expanduser()
    return str(path.resolve()) if path.is_file() else None


def export_profile(profile: DecodingProfile, target: str, model: str | None = None) -> ExportResult:
    """Render ``profile`` for ``target`` (one of ``TARGETS``); ``model`` is a path from ``model_for_export``."""
    if target not in _EXPORTERS:
        raise ProfileError(f"unknown export target {target!r}; choose one of: {', '.join(TARGETS)}")
    tool, exporter = _EXPORTERS[target]
    written = exporter(profile, model)
    return ExportResult(
        target=target,
        tool=tool,
        text=written.text,
        file_name=written.file_name,
        not_expressed=written.not_expressed,
        notes=written.notes,
    )
