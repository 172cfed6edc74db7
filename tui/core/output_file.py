"""Writing to a path the user named: never over an existing file unless asked, never through a symlink,
FIFO or device, and never half-written.

The design's rule for every ``-o FILE`` and the editor's export: an existing regular file is replaced only
with ``force`` (the CLI's ``--force``, the TUI's confirmation); a symlink, FIFO, socket, device or folder
at that path is refused even then, because replacing it would write somewhere the user did not name (or
block on a FIFO). The text goes to a temp file in the same folder first, then takes the name in one step.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from enum import Enum
from pathlib import Path

from tui.core.errors import UserError


class Existing(str, Enum):
    """What is at a path now, as far as writing there is concerned."""

    NOTHING = "nothing"
    FILE = "a regular file"
    SYMLINK = "a symbolic link"
    FOLDER = "a folder"
    SPECIAL = "a FIFO, socket or device"


def existing(path: Path) -> Existing:
    """Look at the path itself (``lstat``): a symlink is reported as one, whatever it points to."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return Existing.NOTHING
    except OSError:
        return Existing.NOTHING  # e.g. a parent that is not a folder; the write names the real problem
    if stat.S_ISLNK(mode):
        return Existing.SYMLINK
    if stat.S_ISDIR(mode):
        return Existing.FOLDER
    if stat.S_ISREG(mode):
        return Existing.FILE
    return Existing.SPECIAL


def _refusal(path: Path, found: Existing, force: bool, force_hint: str) -> str | None:
    if found is Existing.FILE and not force:
        return f"{path}: already exists; {force_hint}"
    if found is Existing.SYMLINK:
        return f"{path}: cannot write: it is a symbolic link, which shotglass never replaces; name its target"
    if found is Existing.FOLDER:
        return f"{path}: cannot write: it is a folder; name a file"
    if found is Existing.SPECIAL:
        return f"{path}: cannot write: it is a FIFO, socket or device, which shotglass never replaces"
    return None


def write_new_text(
    path: Path,
    text: str,
    *,
    force: bool = False,
    error: type[UserError] = UserError,
    force_hint: str = "use --force to overwrite it",
) -> None:
    """Write ``text`` to ``path`` under the rules above; every refusal or OS failure is one ``error`` line."""
    refusal = _refusal(path, existing(path), force, force_hint)
    if refusal is not None:
        raise error(refusal)
    folder = path.parent
    if not folder.is_dir():
        raise error(f"{path}: cannot write: the folder {folder} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as problem:
        raise error(f"{path}: cannot write: {problem.strerror or problem}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; an exported file should read like any file
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _take_name(Path(tmp_name), path, force)
    except BaseException as problem:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        if isinstance(problem, FileExistsError):
            raise error(_refusal(path, existing(path), False, force_hint) or f"{path}: already exists") from None
        if isinstance(problem, OSError):
            raise error(f"{path}: cannot write: {problem.strerror or problem}") from None
        raise


def _take_name(tmp: Path, path: Path, force: bool) -> None:
    """Give the temp file its name. Without ``force`` a hard link claims the name only if it is still
    free (something created there meanwhile is never clobbered); with ``force`` the regular file checked
    above is replaced in one step. Filesystems without hard links fall back to a checked replace."""
    if force:
        if existing(path) not in (Existing.NOTHING, Existing.FILE):
            raise FileExistsError(errno.EEXIST, "changed while writing", str(path))
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as problem:
        if problem.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV):
            raise
        if existing(path) is not Existing.NOTHING:
            raise FileExistsError(errno.EEXIST, "exists", str(path)) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)
