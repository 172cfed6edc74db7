"""``shotglass profiles export --to ...`` and ``profiles import`` as a user runs them: real preset files in,
each target out, imported back unchanged; ``-o`` never replaces a file without ``--force`` and never a
symlink; errors are one line and exit 2."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from tui.cli import main
from tui.core.paths import AppPaths
from tui.core.profiles.exporters import TARGETS, export_profile
from tui.core.profiles.store import ProfileStore

DATA = Path(__file__).parent / "data" / "importers"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_error(err: str, fragment: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("shotglass: error: ") and fragment in lines[0], err


@pytest.mark.parametrize("target", TARGETS)
def test_export_to_standard_output_keeps_remarks_on_stderr(
    capsys: pytest.CaptureFixture[str], store: ProfileStore, target: str
) -> None:
    code, out, err = run(capsys, "profiles", "export", "creative-sampling", "--to", target)
    assert code == 0
    assert out == export_profile(store.get("creative-sampling"), target).text
    assert all(line.startswith("shotglass: ") for line in err.splitlines())


def test_a_real_preset_travels_to_every_tool_and_back(
    capsys: pytest.CaptureFixture[str], store: ProfileStore, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "profiles", "import", str(DATA / "sillytavern" / "novel" / "Erato-Dragonfruit.json"))
    assert code == 0 and "from SillyTavern NovelAI preset" in out
    original = store.get("Erato-Dragonfruit")
    assert (original.temperature, original.max_new_tokens) == (1.37, 150)
    for target in TARGETS:
        exported = tmp_path / f"{target}-export"
        code, out, _ = run(capsys, "profiles", "export", "Erato-Dragonfruit", "--to", target, "-o", str(exported))
        assert code == 0 and out.startswith("exported 'Erato-Dragonfruit' as a") and str(exported) in out
        if target == "ollama":
            renamed = tmp_path / "Modelfile"  # what a user would call it; detected by content anyway
            exported.rename(renamed)
            exported = renamed
        code, out, _ = run(capsys, "profiles", "import", str(exported), "--name", f"back-{target}")
        assert code == 0, out
        back = store.get(f"back-{target}")
        assert dataclasses.replace(back, name=original.name, description=original.description) == original


def test_export_to_a_file_never_replaces_without_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "greedy.ini"
    assert run(capsys, "profiles", "export", "greedy-factual", "--to", "llamacpp", "-o", str(path))[0] == 0
    first = path.read_text()
    code, _, err = run(capsys, "profiles", "export", "balanced", "--to", "llamacpp", "-o", str(path))
    assert code == 2 and path.read_text() == first
    one_error(err, "already exists; use --force to overwrite it")
    code, out, _ = run(capsys, "profiles", "export", "balanced", "--to", "llamacpp", "-o", str(path), "--force")
    assert code == 0 and "[balanced]" in path.read_text()
    toml = tmp_path / "g.toml"  # plain TOML exports follow the same rule
    assert run(capsys, "profiles", "export", "greedy-factual", "-o", str(toml))[0] == 0
    code, _, err = run(capsys, "profiles", "export", "greedy-factual", "-o", str(toml))
    assert code == 2
    one_error(err, "already exists")
    link = tmp_path / "link.json"
    link.symlink_to(first_target := tmp_path / "elsewhere.json")
    first_target.write_text("{}")
    code, _, err = run(capsys, "profiles", "export", "balanced", "--to", "sillytavern", "-o", str(link), "--force")
    assert code == 2 and first_target.read_text() == "{}"
    one_error(err, "it is a symbolic link")


def test_export_names_the_model_and_lists_what_is_missing(
    capsys: pytest.CaptureFixture[str], isolated_dirs: AppPaths, store: ProfileStore, tmp_path: Path
) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    code, out, _ = run(capsys, "profiles", "export", "greedy-factual", "--to", "ollama", "--model", str(model))
    assert code == 0 and f"FROM {model.resolve()}\n" in out
    code, out, _ = run(capsys, "--model", str(model), "profiles", "export", "greedy-factual", "--to", "llamacpp")
    assert code == 0 and f"model = {model.resolve()}\n" in out
    # Without --model: the embedded model once assembled, else a placeholder comment and a note.
    code, out, err = run(capsys, "profiles", "export", "greedy-factual", "--to", "ollama")
    assert "\nFROM " not in out and "shotglass: note: no local model was given" in err
    isolated_dirs.models_cache_dir.mkdir(parents=True)
    (isolated_dirs.models_cache_dir / "gemma-3-270m-q4_k_m.gguf").write_bytes(b"GGUF")
    code, out, _ = run(capsys, "profiles", "export", "greedy-factual", "--to", "ollama")
    assert f"FROM {(isolated_dirs.models_cache_dir / 'gemma-3-270m-q4_k_m.gguf').resolve()}\n" in out
    store.save(dataclasses.replace(store.get("balanced"), name="mine", stop=("###", "a\nb")))
    code, out, _ = run(capsys, "profiles", "export", "mine", "--to", "llamacpp", "-o", str(tmp_path / "m.ini"))
    assert "  missing  stop 'a\\nb' (INI values cannot hold" in out


def test_import_reports_sections_counts_neutral_values_and_verbose_lists_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ini = DATA / "llamacpp" / "jarvis-models.models-preset.ini"
    code, out, _ = run(capsys, "profiles", "import", str(ini))
    assert code == 0 and "imported 'qwen2.5-coder-14b' from llama.cpp INI preset" in out
    assert (
        "  sections [*] (shared), [gpt-oss-20b], [llava-7b], [qwen3.8-27b], [qwen2.5-coder-14b] (imported); "
        "--section NAME imports another\n"
    ) in out
    code, out, err = run(capsys, "profiles", "import", str(ini), "--section", "gpt-oss-20b")
    assert code == 2
    one_error(err, "no sampling parameters found in [gpt-oss-20b] or [*]")
    madlad = DATA / "sillytavern" / "community" / "MadLad.json"
    code, out, _ = run(capsys, "profiles", "import", str(madlad))
    dropped = [line for line in out.splitlines() if line.startswith("  dropped")]
    assert len(dropped) == 5 and "  dropped  ban_eos_token = true (no equivalent in shotglass)" in dropped
    assert "  ignored  48 more settings change nothing here" in out and "--verbose lists them" in out
    code, out, _ = run(capsys, "profiles", "import", str(madlad), "--name", "madlad2", "--verbose")
    assert "  ignored  tfs = 1 (neutral value: off)\n" in out and "more settings" not in out


def test_refusals_are_one_line_in_the_installed_command(shotglass_cmd: list[str], cli_env: dict[str, str]) -> None:
    for path, fragment in (
        (DATA / "textgen-webui" / "Deterministic.yaml", "text-generation-webui YAML presets are not supported"),
        (DATA / "sillytavern" / "instruct" / "ChatML.json", "SillyTavern instruct template, not a sampler preset"),
    ):
        result = subprocess.run(
            [*shotglass_cmd, "profiles", "import", str(path)], capture_output=True, text=True, env=cli_env, timeout=60
        )
        assert result.returncode == 2 and "Traceback" not in result.stderr
        one_error(result.stderr, fragment)
    fifo = Path(cli_env["XDG_CACHE_HOME"]) / "pipe.Modelfile"
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    result = subprocess.run(
        [*shotglass_cmd, "profiles", "export", "balanced", "--to", "ollama", "-o", str(fifo), "--force"],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=60,
    )
    assert result.returncode == 2
    one_error(result.stderr, "it is a FIFO, socket or device")
