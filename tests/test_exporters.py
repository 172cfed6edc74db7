"""Exports to Ollama, LM Studio, SillyTavern and llama-server: importing each export back gives exactly
the same profile, and what a target cannot express is listed. Profiles come from the built-ins, from
every real preset in tests/data/importers/ (imported first) and from hand-made edge cases."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import pytest

from tui.core.errors import ProfileError, UserError
from tui.core.output_file import write_new_text
from tui.core.profiles.exporters import TARGETS, ExportResult, export_profile, model_for_export
from tui.core.profiles.exporters.ollama import quote
from tui.core.profiles.importers import import_foreign
from tui.core.profiles.importers.llamacpp import SAMPLING
from tui.core.profiles.profile import DecodingProfile, read_profile_file

DATA = Path(__file__).parent / "data" / "importers"
PROFILES = Path(__file__).parent.parent / "profiles"
# Ollama's option names (api/types.go, Options and Runner): a Modelfile PARAMETER must be one of them.
OLLAMA_OPTIONS = {
    *("num_keep", "seed", "num_predict", "top_k", "top_p", "min_p", "typical_p", "repeat_last_n", "temperature"),
    *("repeat_penalty", "presence_penalty", "frequency_penalty", "stop", "num_ctx", "num_batch", "num_gpu"),
    *("main_gpu", "use_mmap", "num_thread"),
}
RICH = DecodingProfile(
    name="warm.v2",
    description="Warm sampling\nfor stories",
    max_new_tokens=333,
    temperature=0.7,
    top_k=0,
    top_p=0.9,
    min_p=0.0,
    repeat_penalty=1.15,
    seed=4242,
    stop=("###", "User:"),
)


def _real_profiles() -> list[DecodingProfile]:
    profiles = []
    for path in sorted(DATA.rglob("*")):
        if path.is_file() and path.name != "README.md":
            try:
                profiles.append(import_foreign(path).profile)
            except ProfileError:
                pass  # the refusals are tested in test_importers_real.py
    return profiles


CASES = [
    RICH,
    DecodingProfile(name="greedy"),
    DecodingProfile(name="edges", temperature=5.0, top_p=1.0, min_p=1.0, repeat_penalty=0.5, seed=0, max_new_tokens=1),
    DecodingProfile(name="v1.", temperature=1e-05, min_p=0.00001, seed=2**32 - 1, max_new_tokens=131_072),
    *(read_profile_file(path) for path in sorted(PROFILES.glob("*.toml"))),
    *_real_profiles(),
]


def _write(result: ExportResult, folder: Path) -> Path:
    path = folder / result.file_name
    path.write_text(result.text, encoding="utf-8")
    return path


def _expected_back(profile: DecodingProfile, result: ExportResult) -> DecodingProfile:
    """The profile an import of the export must give: the same one, except for a stop string the target
    listed as not expressible (only a llama-server INI, which holds one plain stop string, drops any)."""
    listed = {line for line in result.not_expressed if line.startswith("stop ")}
    if result.target == "llamacpp" and listed:
        kept = tuple(stop for stop in profile.stop if not any(line.startswith(f"stop {stop!r}") for line in listed))
        return dataclasses.replace(profile, stop=kept)
    return profile


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("profile", CASES, ids=lambda profile: profile.name)
def test_import_of_an_export_gives_the_same_profile(profile: DecodingProfile, target: str, tmp_path: Path) -> None:
    result = export_profile(profile, target)
    back = import_foreign(_write(result, tmp_path)).profile
    # Everything but the description, which becomes "Imported from ..." like any import's.
    assert dataclasses.replace(back, description=profile.description) == _expected_back(profile, result)
    if target == "llamacpp":
        assert len(profile.stop) - len(back.stop) == sum(line.startswith("stop ") for line in result.not_expressed)
    else:
        assert back.stop == profile.stop


@pytest.mark.parametrize("target", TARGETS)
def test_what_a_target_cannot_express_is_listed(target: str) -> None:
    bare = export_profile(dataclasses.replace(RICH, description="", stop=()), target)
    assert bare.not_expressed == ()
    rich = export_profile(RICH, target)
    if target in ("lmstudio", "sillytavern"):
        assert any(line.startswith("description (the ") for line in rich.not_expressed)  # no field, no comment
    else:
        assert "# Warm sampling for stories" in rich.text or "; Warm sampling for stories" in rich.text


# --- Ollama ----------------------------------------------------------------------------------------


def test_modelfile_sets_every_parameter_and_names_the_model(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    result = export_profile(RICH, "ollama", model_for_export(model))
    lines = result.text.splitlines()
    assert f"FROM {model.resolve()}" in lines
    parameters = [line.split()[1] for line in lines if line.startswith("PARAMETER ")]
    # Ollama's own defaults differ (temperature 0.8, top_p 0.9, repeat_penalty 1.1): every one is written.
    assert parameters == [
        *("temperature", "top_k", "top_p", "min_p", "repeat_penalty", "repeat_last_n", "num_predict", "seed"),
        *("stop", "stop"),
    ]
    assert set(parameters) <= OLLAMA_OPTIONS
    assert result.notes == () and result.file_name == "warm.v2.Modelfile"
    placeholder = export_profile(RICH, "ollama")
    assert not any(line.startswith("FROM") for line in placeholder.text.splitlines())
    assert "# FROM <a GGUF path or an Ollama model name>" in placeholder.text
    assert any("FROM is a placeholder" in note for note in placeholder.notes)
    assert "PARAMETER seed" not in export_profile(DecodingProfile(name="r", temperature=1.0), "ollama").text


@pytest.mark.parametrize(
    ("stop", "written"),
    [
        ("###", "###"),
        ("say \"hi\"", "say \"hi\""),
        ("\n\nUser:", '"\n\nUser:"'),
        (" padded ", '" padded "'),
        ('"quoted"', '""""quoted""""'),
        ("tab\there", "tab\there"),
        ("line\nwith \"quote", '"""line\nwith "quote"""'),
        ("ctrl\x01", None),
        ('both """ and \n', None),
        ("cr\r\n", None),
    ],
)
def test_modelfile_stop_quoting_reads_back(stop: str, written: str | None, tmp_path: Path) -> None:
    assert quote(stop) == written
    profile = DecodingProfile(name="stops", stop=(stop,))
    result = export_profile(profile, "ollama")
    back = import_foreign(_write(result, tmp_path)).profile
    if written is None:
        assert back.stop == () and result.not_expressed[0].startswith(f"stop {stop!r}")
    else:
        assert back.stop == (stop,) and result.not_expressed == ()


# --- LM Studio ---------------------------------------------------------------------------------------


def test_lm_studio_preset_has_the_current_layout() -> None:
    real = json.loads((DATA / "lmstudio" / "qwen27b.preset.json").read_text(encoding="utf-8"))
    preset = json.loads(export_profile(RICH, "lmstudio").text)
    assert list(preset) == list(real)  # identifier, name, changed, operation, load
    assert preset["identifier"] == "@local:warm.v2" and preset["name"] == "warm.v2"
    fields = {field["key"]: field["value"] for field in preset["operation"]["fields"]}
    assert fields["llm.prediction.topPSampling"] == {"checked": True, "value": 0.9}
    assert fields["llm.prediction.seed"] == {"checked": True, "value": 4242}
    assert fields["llm.prediction.stopStrings"] == ["###", "User:"]
    random = json.loads(export_profile(DecodingProfile(name="r"), "lmstudio").text)
    assert {"checked": False, "value": -1} in [field["value"] for field in random["operation"]["fields"]]


# --- SillyTavern -------------------------------------------------------------------------------------


def test_sillytavern_preset_sets_every_sampler_sillytavern_loads() -> None:
    shipped = json.loads((DATA / "sillytavern" / "textgen" / "Default.json").read_text(encoding="utf-8"))
    preset = json.loads(export_profile(RICH, "sillytavern").text)
    assert set(shipped) <= set(preset)
    assert set(preset) - set(shipped) <= {"seed", "genamt", "custom_stopping_strings", "xtc_threshold"} | {
        "xtc_probability",
        "nsigma",
        "min_keep",
    }
    assert (preset["temp"], preset["top_k"], preset["rep_pen"], preset["genamt"], preset["seed"]) == (
        0.7,
        0,
        1.15,
        333,
        4242,
    )
    assert preset["rep_pen_range"] == 64 and preset["do_sample"] is True
    assert json.loads(preset["custom_stopping_strings"]) == ["###", "User:"]
    stop_line = next(line for line in export_profile(RICH, "sillytavern").not_expressed if line.startswith("stop"))
    assert "Custom Stopping Strings" in stop_line
    greedy = json.loads(export_profile(DecodingProfile(name="g"), "sillytavern").text)
    assert greedy["do_sample"] is False and greedy["seed"] == -1 and "custom_stopping_strings" not in greedy


# --- llama-server INI --------------------------------------------------------------------------------


def test_llama_server_section_uses_only_keys_llama_server_accepts(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    text = export_profile(RICH, "llamacpp", model_for_export(model)).text
    keys = [match.group(1) for match in re.finditer(r"^([A-Za-z_][\w.-]*)[ \t]*=", text, re.MULTILINE)]
    assert keys == [
        *("version", "model", "temp", "top-k", "top-p", "min-p", "repeat-penalty", "repeat-last-n", "n-predict"),
        *("seed", "reverse-prompt"),
    ]
    assert set(keys) - {"version", "model"} <= SAMPLING
    assert "[warm.v2]" in text.splitlines() and f"model = {model.resolve()}" in text.splitlines()


def test_llama_server_section_holds_one_plain_stop_string() -> None:
    result = export_profile(dataclasses.replace(RICH, stop=("User: ", "a;b", "ok", "two")), "llamacpp")
    assert "reverse-prompt = ok" in result.text.splitlines()
    assert result.not_expressed == (
        "stop 'User: ' (INI values cannot hold ';', '#', line breaks or edge spaces)",
        "stop 'a;b' (INI values cannot hold ';', '#', line breaks or edge spaces)",
        "stop 'two' (an INI key holds one value)",
    )
    assert any("default stop string" in note for note in result.notes)


def test_unknown_target_and_model_paths(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="unknown export target 'kobold'"):
        export_profile(RICH, "kobold")
    assert model_for_export(None) is None and model_for_export(tmp_path / "missing.gguf") is None
    assert model_for_export("llama3.2") is None  # a remote model name is not a local file


# --- writing to a path the user named ----------------------------------------------------------------


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    path = tmp_path / "out.Modelfile"
    write_new_text(path, "one\n")
    with pytest.raises(UserError, match=r"out\.Modelfile: already exists; use --force to overwrite it"):
        write_new_text(path, "two\n")
    assert path.read_text() == "one\n"
    write_new_text(path, "two\n", force=True)
    assert path.read_text() == "two\n"
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert [entry.name for entry in tmp_path.iterdir()] == ["out.Modelfile"]  # no temp file left behind


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_symlinks_fifos_and_folders_are_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_text("keep\n")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere")
    fifo = tmp_path / "pipe.ini"
    os.mkfifo(fifo)
    for path, what in ((link, "symbolic link"), (dangling, "symbolic link"), (fifo, "FIFO"), (tmp_path, "folder")):
        for force in (False, True):
            with pytest.raises(UserError, match=f"cannot write: it is a {what}"):
                write_new_text(path, "new\n", force=force)
    assert target.read_text() == "keep\n" and not (tmp_path / "nowhere").exists()
    with pytest.raises(UserError, match="the folder .* does not exist"):
        write_new_text(tmp_path / "no" / "such" / "file.toml", "x")
