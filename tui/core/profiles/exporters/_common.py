"""Shared by the exporters: what one exporter hands back, and how numbers and comments are written so the
importers read them back as the same values."""

from __future__ import annotations

from dataclasses import dataclass

from tui import __version__
from tui.core.profiles.profile import DecodingProfile


@dataclass(frozen=True)
class Written:
    text: str
    file_name: str
    not_expressed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def number(value: int | float) -> str:
    """``repr`` is the shortest text that parses back to the same float (0.7, not 0.69999999); integers
    stay integers, so ``top_k`` reads back as an int."""
    return str(value) if isinstance(value, int) else repr(float(value))


def one_line(text: str) -> str:
    """Comments are one line each: a description with line breaks must not end the comment early."""
    return " ".join(text.split())


def header(profile: DecodingProfile, marker: str) -> list[str]:
    """The comment lines every text format starts with: which profile, from which shotglass."""
    lines = [f"{marker} shotglass profile '{profile.name}', exported by shotglass {__version__}"]
    if profile.description:
        lines.append(f"{marker} {one_line(profile.description)}")
    return lines


DESCRIPTION_JSON = "description (the {tool} format has no field for it)"
"""The not-expressed line for the JSON formats, which have no comment to carry the description."""
