"""Built-in and user profiles in one namespace, where a user file shadows a built-in of the same name.

Built-ins ship inside the wheel (``profiles/`` is installed as the ``tui.profiles`` package data);
user profiles live in the platformdirs config dir. Nothing is read until asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from importlib import resources
from pathlib import Path

from tui.core.atomic import write_text_atomic as _write_atomic
from tui.core.errors import ProfileError, shown
from tui.core.profiles.profile import DecodingProfile, profile_to_toml, read_profile_file, validate_name

DEFAULT_PROFILE_NAME = "greedy-factual"


class ProfileSource(str, Enum):
    BUILT_IN = "built-in"
    USER = "user"
    USER_SHADOWING = "user, shadows built-in"


@dataclass(frozen=True)
class ProfileEntry:
    profile: DecodingProfile
    source: ProfileSource
    path: Path


@dataclass(frozen=True)
class BrokenProfile:
    """A profile file that does not load: named with its error so the user can fix it, never hidden."""

    name: str
    path: Path
    error: str


@dataclass(frozen=True)
class ProfileScan:
    """Every profile read once: the ones that load, and the broken files beside them. One bad file must not
    take the others down (F2, the compare list and ``profiles list`` keep working with the good ones)."""

    entries: tuple[ProfileEntry, ...]
    broken: tuple[BrokenProfile, ...]

    @property
    def names(self) -> list[str]:
        return [entry.profile.name for entry in self.entries]

    def notice(self) -> str | None:
        """One notice for all broken files (the error already names each file), or None when all load."""
        if not self.broken:
            return None
        count = len(self.broken)
        lines = [f"{count} profile file{'s' if count != 1 else ''} skipped (fix or remove to use):"]
        return "\n".join(lines + [broken.error for broken in self.broken])


def write_text_atomic(path: Path, text: str) -> None:
    """An unwritable destination is the user's to fix: one line naming it, never a traceback."""
    try:
        _write_atomic(path, text)
    except OSError as error:
        raise ProfileError(f"{shown(path)}: cannot write: {error.strerror or error}") from None


def builtin_profiles_dir() -> Path:
    """The installed ``tui.profiles`` data folder (the top-level ``profiles/`` of the source tree)."""
    return Path(str(resources.files("tui.profiles")))


class ProfileStore:
    def __init__(self, user_dir: Path, builtin_dir: Path | None = None) -> None:
        self.user_dir = user_dir
        self._builtin_dir = builtin_dir

    @property
    def builtin_dir(self) -> Path:
        return self._builtin_dir if self._builtin_dir is not None else builtin_profiles_dir()

    def _builtin_paths(self) -> dict[str, Path]:
        return {path.stem: path for path in sorted(self.builtin_dir.glob("*.toml"))}

    def _user_paths(self) -> dict[str, Path]:
        if not self.user_dir.is_dir():
            return {}
        return {path.stem: path for path in sorted(self.user_dir.glob("*.toml"))}

    def names(self) -> list[str]:
        return sorted(set(self._builtin_paths()) | set(self._user_paths()))

    def entries(self) -> list[ProfileEntry]:
        """Every profile, validated. A broken user file raises: hiding it would look like data loss."""
        return [self.entry(name) for name in self.names()]

    def scan(self) -> ProfileScan:
        """Every profile, each file validated on its own: a broken one is reported, the rest still load."""
        entries: list[ProfileEntry] = []
        broken: list[BrokenProfile] = []
        user, builtin = self._user_paths(), self._builtin_paths()
        for name in self.names():
            try:
                entries.append(self.entry(name))
            except ProfileError as error:
                broken.append(BrokenProfile(name, user.get(name) or builtin[name], str(error)))
        return ProfileScan(tuple(entries), tuple(broken))

    def entry(self, name: str) -> ProfileEntry:
        builtin = self._builtin_paths()
        user = self._user_paths()
        if name in user:
            source = ProfileSource.USER_SHADOWING if name in builtin else ProfileSource.USER
            path = user[name]
        elif name in builtin:
            source, path = ProfileSource.BUILT_IN, builtin[name]
        else:
            known = shown(", ".join(self.names()) or "none")
            raise ProfileError(f"unknown profile '{shown(name)}'; known profiles: {known}")
        profile = read_profile_file(path)
        if profile.name != name:
            raise ProfileError(f"{shown(path)}: key 'name' = {profile.name!r} does not match the file name {name!r}")
        return ProfileEntry(profile=profile, source=source, path=path)

    def get(self, name: str) -> DecodingProfile:
        return self.entry(name).profile

    def is_builtin(self, name: str) -> bool:
        return name in self._builtin_paths()

    def save(self, profile: DecodingProfile, *, force: bool = False) -> Path:
        """Write a user profile atomically. Overwriting an existing user profile needs ``force``."""
        validate_name(profile.name)
        path = self.user_dir / f"{profile.name}.toml"
        if path.exists() and not force:
            raise ProfileError(f"{shown(path)}: profile '{profile.name}' already exists; use --force to overwrite")
        write_text_atomic(path, profile_to_toml(profile))
        return path

    def import_file(self, source: Path, *, force: bool = False) -> ProfileEntry:
        """Validate a shared file, then save it; shadowing a built-in or replacing a user file needs ``force``."""
        return self.import_profile(read_profile_file(source), source, force=force)

    def import_profile(self, profile: DecodingProfile, source: Path, *, force: bool = False) -> ProfileEntry:
        if self.is_builtin(profile.name) and not force:
            raise ProfileError(
                f"{shown(source)}: profile '{profile.name}' would shadow the built-in of that name; use --force"
            )
        self.save(profile, force=force)
        return self.entry(profile.name)

    def export(self, name: str, destination: Path) -> Path:
        write_text_atomic(destination, profile_to_toml(self.get(name)))
        return destination

    def reset(self, name: str) -> bool:
        """Remove a user profile (e.g. a shadow of a built-in). Returns whether a file was removed."""
        validate_name(name)
        path = self.user_dir / f"{name}.toml"
        if not path.exists():
            return False
        try:
            path.unlink()
        except OSError as error:
            raise ProfileError(f"{shown(path)}: cannot remove: {error.strerror or error}") from None
        return True
