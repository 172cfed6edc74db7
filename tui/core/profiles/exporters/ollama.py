"""Ollama Modelfile: ``FROM`` the model and one ``PARAMETER`` line per setting.

Ollama fills in its own defaults for anything a Modelfile leaves out (temperature 0.8, top_p 0.9,
repeat_penalty 1.1, ...), so every setting is written, and ``repeat_last_n 64`` pins the window
shotglass penalizes repeats in. Stop strings are quoted the way Ollama's parser (parser/parser.go)
reads them back: bare when that is unambiguous, else in ``"..."`` or ``\"\"\"...\"\"\"``; a string no
quoting can carry (control characters, which the parser drops) is listed instead.
"""

from __future__ import annotations

from tui.core.profiles.exporters._common import Written, header, number
from tui.core.profiles.importers._common import REPEAT_WINDOW
from tui.core.profiles.profile import DecodingProfile


def _printable(text: str) -> bool:
    """What survives the parser: printable characters, spaces, tabs and (inside quotes) line feeds.
    It drops other control and format characters, and a carriage return would not read back."""
    return all(char.isprintable() or char in " \t\n" for char in text)


def quote(text: str) -> str | None:
    """The argument for ``PARAMETER stop`` that Ollama and shotglass both read back as ``text``, or None."""
    if not _printable(text):
        return None
    bare = "\n" not in text and text == text.strip() and not text.startswith('"')
    if bare:
        return text
    if '"' not in text:
        return f'"{text}"'
    if '"""' not in text:
        return f'"""{text}"""'
    return None


def export(profile: DecodingProfile, model: str | None) -> Written:
    lines = header(profile, "#")
    file_name = f"{profile.name}.Modelfile"  # shotglass reads a *.Modelfile back under the profile's name
    lines.append(f"# Create the model with: ollama create {profile.name.lower()} -f {file_name}")
    notes: list[str] = []
    if model is not None and "\n" not in model:
        lines.append(f"FROM {model}")
    else:
        lines.append("# FROM <a GGUF path or an Ollama model name>: Ollama needs one before 'ollama create'")
        notes.append("no local model was given, so FROM is a placeholder comment: add the model before 'ollama create'")
    settings: list[tuple[str, int | float]] = [
        ("temperature", profile.temperature),
        ("top_k", profile.top_k),
        ("top_p", profile.top_p),
        ("min_p", profile.min_p),
        ("repeat_penalty", profile.repeat_penalty),
        ("repeat_last_n", REPEAT_WINDOW),
        ("num_predict", profile.max_new_tokens),
    ]
    if profile.seed is not None:
        settings.append(("seed", profile.seed))
    lines.extend(f"PARAMETER {name} {number(value)}" for name, value in settings)
    not_expressed: list[str] = []
    for stop in profile.stop:
        quoted = quote(stop)
        if quoted is None:
            not_expressed.append(f"stop {stop!r} (a Modelfile cannot carry this string: Ollama's parser drops it)")
        else:
            lines.append(f"PARAMETER stop {quoted}")
    return Written("\n".join(lines) + "\n", file_name, tuple(not_expressed), tuple(notes))
