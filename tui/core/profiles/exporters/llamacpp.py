"""llama-server INI preset (``llama-server --models-preset FILE``, router mode): one ``[NAME]`` section.

Keys are llama-server's long option names without dashes, the only spelling its parser accepts
(common/preset.cpp rejects unknown keys, so nothing else is written). Its INI has no quoting: a value ends
at ``;`` or ``#`` and is trimmed, and a key holds one value, so ``reverse-prompt`` (the server's default
stop string) carries one plain stop string; any other is listed.
"""

from __future__ import annotations

from tui.core.profiles.exporters._common import Written, header, number
from tui.core.profiles.importers._common import REPEAT_WINDOW
from tui.core.profiles.profile import DecodingProfile


def plain(text: str) -> bool:
    """A value llama.cpp's INI parser reads back unchanged."""
    return bool(text) and text == text.strip() and not any(char in text for char in ";#\n\r") and text.isprintable()


def export(profile: DecodingProfile, model: str | None) -> Written:
    lines = header(profile, ";")
    lines += [
        f"; Serve it with: llama-server --models-preset {profile.name}.ini",
        "version = 1",
        "",
        f"[{profile.name}]",
    ]
    notes: list[str] = []
    if model is not None and plain(model):
        lines.append(f"model = {model}")
    else:
        lines.append("; model = <a GGUF path>: llama-server needs it (or hf = <repo>) to load this preset")
        notes.append("no local model was given, so 'model' is a placeholder comment: add it before serving")
    settings: list[tuple[str, int | float]] = [
        ("temp", profile.temperature),
        ("top-k", profile.top_k),
        ("top-p", profile.top_p),
        ("min-p", profile.min_p),
        ("repeat-penalty", profile.repeat_penalty),
        ("repeat-last-n", REPEAT_WINDOW),
        ("n-predict", profile.max_new_tokens),
    ]
    if profile.seed is not None:
        settings.append(("seed", profile.seed))
    lines.extend(f"{key} = {number(value)}" for key, value in settings)
    not_expressed: list[str] = []
    written = next((stop for stop in profile.stop if plain(stop)), None)
    if written is not None:
        lines.append(f"reverse-prompt = {written}")
        notes.append("reverse-prompt is llama-server's default stop string: a request that sends 'stop' replaces it")
    for stop in profile.stop:
        if stop == written:
            continue
        why = (
            "an INI key holds one value"
            if plain(stop)
            else "INI values cannot hold ';', '#', line breaks or edge spaces"
        )
        not_expressed.append(f"stop {stop!r} ({why})")
    return Written("\n".join(lines) + "\n", f"{profile.name}.ini", tuple(not_expressed), tuple(notes))
