"""``shotglass profiles list | show | export | import | path``: share decoding profiles as files.

``export NAME`` writes shotglass TOML; ``export NAME --to ollama|lmstudio|sillytavern|llamacpp`` writes
the file that tool loads, and says what it cannot express. Without ``-o`` the file goes to standard
output (the remarks to standard error, so the output stays a clean file); ``-o FILE`` never replaces an
existing file without ``--force``, and never a symlink, FIFO or device.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from tui.core.errors import ProfileError
from tui.core.output_file import write_new_text
from tui.core.profiles.importers import ImportResult
from tui.core.profiles.profile import profile_to_toml
from tui.core.profiles.store import ProfileStore


@dataclass(frozen=True)
class ProfilesRequest:
    """What the command line asked for, beyond the action."""

    name: str | None = None
    file: Path | None = None
    output: Path | None = None
    force: bool = False
    target: str | None = None
    model: Path | None = None
    """The model a Modelfile's FROM (or an INI ``model``) names: ``--model``, else the embedded default."""
    section: str | None = None
    verbose: bool = False


def run_profiles(
    store: ProfileStore,
    action: str,
    request: ProfilesRequest | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Streams default to the current ``sys.stdout``/``sys.stderr`` at call time (not at import), so a
    redirected or captured stream is the one written to."""
    request = request or ProfilesRequest()
    out = out or sys.stdout
    err = err or sys.stderr
    if action == "list":
        scan = store.scan()  # one broken file is listed as broken; the others are still listed (exit 0)
        entries = scan.entries
        width = max((len(entry.profile.name) for entry in entries), default=4)
        for entry in entries:
            profile = entry.profile
            knobs = (
                "greedy"
                if profile.is_greedy
                else f"T={profile.temperature:g} top_k={profile.top_k} top_p={profile.top_p:g}"
            )
            out.write(f"{profile.name:<{width}}  {entry.source.value:<22}  {knobs:<28}  {profile.description}\n")
        for broken in scan.broken:
            err.write(f"shotglass: broken profile '{broken.name}' (skipped): {broken.error}\n")
    elif action == "show":
        entry = store.entry(request.name or "")
        out.write(f"# {entry.source.value}: {entry.path}\n")
        out.write(profile_to_toml(entry.profile))
    elif action == "export":
        _export(store, request, out, err)
    elif action == "import":
        from tui.core.profiles.importers import import_foreign

        file = request.file or Path()
        result = import_foreign(file, name=request.name, section=request.section)
        entry = store.import_profile(result.profile, file, force=request.force)
        out.write(f"imported '{entry.profile.name}' from {result.source_format} to {entry.path}\n")
        if result.source_format != "shotglass profile":
            _report_import(result, request.verbose, out)
    elif action == "path":
        out.write(f"user profiles: {store.user_dir}\nbuilt-in profiles: {store.builtin_dir}\n")
    return 0


def _report_import(result: ImportResult, verbose: bool, out: TextIO) -> None:
    """Mapped and dropped keys in full; keys that change nothing as a count (``--verbose`` lists them),
    so the few settings that matter are not buried under neutral values."""
    for line in result.mapped:
        out.write(f"  mapped   {line}\n")
    for line in result.dropped:
        out.write(f"  dropped  {line}\n")
    for line in result.unset:
        out.write(f"  default  {line}\n")
    if verbose:
        for line in result.ignored:
            out.write(f"  ignored  {line}\n")
    elif result.ignored:
        out.write(f"  ignored  {result.ignored_summary()}; --verbose lists them\n")
    if result.sections:
        listed = ", ".join(
            f"[{name}]" + (" (imported)" if name == result.section else " (shared)" if name == "*" else "")
            for name in result.sections
        )
        out.write(f"  sections {listed}; --section NAME imports another\n")


def _export(store: ProfileStore, request: ProfilesRequest, out: TextIO, err: TextIO) -> None:
    profile = store.get(request.name or "")
    if request.target is None:
        text, label = profile_to_toml(profile), "shotglass TOML"
        remarks: list[tuple[str, str]] = []
    else:
        from tui.core.profiles.exporters import export_profile, model_for_export

        result = export_profile(profile, request.target, model_for_export(request.model))
        article = "an" if result.tool[0] in "AEIOU" or result.tool.startswith("LM ") else "a"  # "an LM Studio preset"
        text, label = result.text, f"{article} {result.tool}"
        remarks = [("missing", line) for line in result.not_expressed]
        remarks += [("note", line) for line in result.notes]
    if request.output is None:
        out.write(text)
        for kind, line in remarks:
            err.write(f"shotglass: {kind}: {line}\n")
        return
    write_new_text(request.output, text, force=request.force, error=ProfileError)
    out.write(f"exported '{profile.name}' as {label} to {request.output}\n")
    for kind, line in remarks:
        out.write(f"  {kind:<8} {line}\n")
