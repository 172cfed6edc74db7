"""``shotglass profiles list | show | export | import | path``: share decoding profiles as files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from tui.core.profiles.profile import profile_to_toml
from tui.core.profiles.store import ProfileStore


def run_profiles(
    store: ProfileStore,
    action: str,
    *,
    name: str | None = None,
    file: Path | None = None,
    output: Path | None = None,
    force: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    if action == "list":
        entries = store.entries()
        width = max((len(entry.profile.name) for entry in entries), default=4)
        for entry in entries:
            profile = entry.profile
            knobs = (
                "greedy"
                if profile.is_greedy
                else f"T={profile.temperature:g} top_k={profile.top_k} top_p={profile.top_p:g}"
            )
            out.write(f"{profile.name:<{width}}  {entry.source.value:<22}  {knobs:<28}  {profile.description}\n")
    elif action == "show":
        entry = store.entry(name or "")
        out.write(f"# {entry.source.value}: {entry.path}\n")
        out.write(profile_to_toml(entry.profile))
    elif action == "export":
        if output is None:
            out.write(profile_to_toml(store.get(name or "")))
        else:
            store.export(name or "", output)
            out.write(f"exported '{name}' to {output}\n")
    elif action == "import":
        from tui.core.profiles.importers import import_foreign

        result = import_foreign(file or Path(), name=name)
        entry = store.import_profile(result.profile, file or Path(), force=force)
        out.write(f"imported '{entry.profile.name}' from {result.source_format} to {entry.path}\n")
        if result.source_format != "shotglass profile":
            for line in result.mapped:
                out.write(f"  mapped   {line}\n")
            for line in result.dropped:
                out.write(f"  dropped  {line}\n")
            for line in result.unset:
                out.write(f"  default  {line}\n")
    elif action == "path":
        out.write(f"user profiles: {store.user_dir}\nbuilt-in profiles: {store.builtin_dir}\n")
    return 0
