"""Importing other tools' presets: exact mapped values, honest dropped lists, and errors that name the
file, the line or the key. The sample files at the top of tests/data/importers/ were written here after
each tool's documented format; the real, public preset files in its subfolders are tested in
tests/test_importers_real.py (see tests/data/importers/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.core.errors import ProfileError
from tui.core.profiles.importers import MAX_IMPORT_FILE_BYTES, detect_format, import_foreign, sanitize_name
from tui.core.profiles.profile import DecodingProfile, parse_profile_toml, profile_to_toml, validate_name

DATA = Path(__file__).parent / "data" / "importers"
PROFILES = Path(__file__).parent.parent / "profiles"


def dropped_keys(result) -> set[str]:
    """The foreign key (or instruction) each dropped entry starts with."""
    return {entry.split(" ", 1)[0] for entry in result.dropped}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lmstudio(fields: list[dict]) -> str:
    return json.dumps({"identifier": "@local:test", "name": "Test", "operation": {"fields": fields}})


# --- the sample files, one per format ---------------------------------------------------------------


def test_ollama_modelfile_sample() -> None:
    result = import_foreign(DATA / "qwen-coder" / "Modelfile")
    assert result.source_format == "Ollama Modelfile"
    assert result.profile == DecodingProfile(
        name="qwen-coder",
        description="Imported from an Ollama Modelfile (Modelfile)",
        max_new_tokens=512,
        temperature=0.2,
        top_k=20,
        top_p=0.8,
        min_p=0.05,
        repeat_penalty=1.05,
        seed=42,
        stop=("<|im_start|>", "<|im_end|>", "<|endoftext|>"),
    )
    assert "num_predict -> max_new_tokens" in result.mapped
    assert "temperature -> temperature" in result.mapped
    assert dropped_keys(result) == {"TEMPLATE", "SYSTEM", "MESSAGE", "num_ctx"}
    assert "num_ctx = 8192 (context size is a load option: use --ctx)" in result.dropped
    # Neutral values change nothing: counted, not listed.
    assert set(result.ignored) == {"repeat_last_n = 64 (neutral value: off)", "mirostat = 0 (neutral value: off)"}
    assert "SYSTEM prompt (the system prompt is not part of a decoding profile)" in result.dropped
    assert result.unset == ()


def test_lmstudio_preset_sample() -> None:
    result = import_foreign(DATA / "precise.preset.json")
    assert result.source_format == "LM Studio preset"
    assert result.profile == DecodingProfile(
        name="precise",
        description="Imported from an LM Studio preset (precise.preset.json)",
        max_new_tokens=512,
        temperature=0.3,
        top_k=40,
        top_p=0.9,
        min_p=0.0,
        repeat_penalty=1.1,
        seed=1234,
        stop=("</answer>", "\n\nUser:"),
    )
    assert "llm.prediction.minPSampling -> min_p (unchecked: off)" in result.mapped
    assert "llm.prediction.maxPredictedTokens -> max_new_tokens" in result.mapped
    assert dropped_keys(result) == {
        "llm.prediction.systemPrompt",
        "llm.prediction.llama.presencePenalty",
        "llm.load.contextLength",
    }
    # An unchecked sampler without an equivalent is off, and a load or overflow option is not about
    # sampling: nothing is lost by counting them instead of listing them.
    assert not any("xtcProbability" in entry for entry in result.dropped)
    assert dropped_keys(result).isdisjoint({"llm.prediction.contextOverflowPolicy", "llm.load.llama.flashAttention"})
    assert {entry.split(" ", 1)[0] for entry in result.ignored} == {
        "llm.prediction.llama.xtcProbability",
        "llm.prediction.contextOverflowPolicy",
        "llm.load.llama.flashAttention",
    }


def test_lmstudio_legacy_preset_sample() -> None:
    result = import_foreign(DATA / "alpaca-legacy.preset.json")
    assert result.source_format == "LM Studio preset"
    profile = result.profile
    assert (profile.name, profile.temperature, profile.top_k, profile.top_p, profile.min_p) == (
        "alpaca-legacy",
        0.8,
        40,
        0.95,
        0.05,
    )
    assert (profile.repeat_penalty, profile.seed, profile.stop) == (1.1, None, ("### Instruction:",))
    assert profile.max_new_tokens == 256  # n_predict -1 (unlimited) has no equivalent
    assert (
        "inference_params.n_predict = -1 (unlimited: shotglass needs a limit and keeps max_new_tokens = 256)"
        in result.dropped
    )
    assert {"inference_params.pre_prompt", "load_params.n_ctx", "load_params.n_gpu_layers"} <= dropped_keys(result)
    # Empty and neutral values switch nothing on: counted, not listed.
    assert {
        "inference_params.pre_prompt_prefix",
        "inference_params.logit_bias",
        "inference_params.mirostat",
    }.isdisjoint(dropped_keys(result))
    assert "inference_params.mirostat = 0 (neutral value: off)" in result.ignored
    assert result.unset == ("max_new_tokens = 256 (kept the shotglass default)",)


def test_sillytavern_preset_sample() -> None:
    result = import_foreign(DATA / "sillytavern-simple.json")
    assert result.source_format == "SillyTavern text-completion preset"
    assert result.profile == DecodingProfile(
        name="sillytavern-simple",
        description="Imported from a SillyTavern text-completion preset (sillytavern-simple.json)",
        max_new_tokens=300,
        temperature=0.65,
        top_k=42,
        top_p=0.47,
        min_p=0.02,
        repeat_penalty=1.18,
        seed=None,
    )
    assert set(result.mapped) == {
        "temp -> temperature",
        "top_p -> top_p",
        "top_k -> top_k",
        "min_p -> min_p",
        "rep_pen -> repeat_penalty",
        "genamt -> max_new_tokens",
        "seed -> seed (-1 = random: a fresh seed per reply)",
    }
    # Only what would change sampling is listed; neutral samplers and the sampler order are counted.
    assert dropped_keys(result) == {"rep_pen_range", "max_length"}
    assert "rep_pen_range = 2048 (shotglass penalizes repeats in the last 64 tokens)" in result.dropped
    assert "max_length = 4096 (context size is a load option: use --ctx)" in result.dropped
    assert {"tfs", "typical_p", "top_a", "mirostat_mode", "sampler_order", "negative_prompt"} <= {
        entry.split(" ", 1)[0] for entry in result.ignored
    }
    # Only keys present in the file are listed.
    assert "xtc_probability" not in dropped_keys(result)


def test_llama_cpp_ini_sample() -> None:
    result = import_foreign(DATA / "llama-server.ini")
    assert result.source_format == "llama.cpp INI preset"
    assert result.profile == DecodingProfile(
        name="qwen-creative",
        description="Imported from a llama.cpp INI preset ([qwen-creative] in llama-server.ini)",
        max_new_tokens=1024,
        temperature=0.7,
        top_k=20,
        top_p=0.8,
        min_p=0.0,
        repeat_penalty=1.05,
        seed=42,
    )
    assert "n-predict -> max_new_tokens" in result.mapped
    assert dropped_keys(result) == {"ctx-size", "hf", "presence-penalty"}
    assert "ctx-size = 8192 (context size is a load option: use --ctx)" in result.dropped
    assert result.ignored == ("mmap = 1 (a load option, not part of a decoding profile)",)
    assert (result.sections, result.section) == (("*", "qwen-creative", "gemma-precise"), "qwen-creative")


def test_shotglass_toml_imports_unchanged() -> None:
    result = import_foreign(PROFILES / "creative-sampling.toml")
    assert result.source_format == "shotglass profile"
    assert result.profile.name == "creative-sampling"
    assert "temperature -> temperature" in result.mapped
    assert result.dropped == ()
    renamed = import_foreign(PROFILES / "creative-sampling.toml", name="mine")
    assert renamed.profile.name == "mine"
    assert renamed.profile.temperature == result.profile.temperature


@pytest.mark.parametrize(
    "sample",
    [
        "qwen-coder/Modelfile",
        "precise.preset.json",
        "alpaca-legacy.preset.json",
        "sillytavern-simple.json",
        "llama-server.ini",
    ],
)
def test_imported_profiles_round_trip_through_toml(sample: str) -> None:
    profile = import_foreign(DATA / sample).profile
    assert parse_profile_toml(profile_to_toml(profile), "round trip") == profile


# --- detection --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("qwen-coder/Modelfile", "ollama"),
        ("precise.preset.json", "lmstudio"),
        ("alpaca-legacy.preset.json", "lmstudio"),
        ("sillytavern-simple.json", "sillytavern"),
        ("llama-server.ini", "ini"),
    ],
)
def test_detects_each_sample(sample: str, expected: str) -> None:
    path = DATA / sample
    assert detect_format(path, path.read_text(encoding="utf-8")) == expected


@pytest.mark.parametrize(
    ("file_name", "text", "expected"),
    [
        ("coder.txt", "FROM llama3.2\nPARAMETER temperature 0.5\n", "ollama"),
        ("llama3.modelfile", "# only a comment\n", "ollama"),
        ("preset.txt", '{"temp": 0.7, "rep_pen": 1.1}', "sillytavern"),
        ("preset.txt", '{"operation": {"fields": []}}', "lmstudio"),
        ("presets.txt", "[fast]\ntemp = 0.2\n", "ini"),
        ("profile.txt", 'schema_version = 1\nname = "x"\n', "toml"),
        ("anything.toml", "", "toml"),
    ],
)
def test_detects_by_content_and_suffix(tmp_path: Path, file_name: str, text: str, expected: str) -> None:
    assert detect_format(tmp_path / file_name, text) == expected


def test_unrecognized_json_and_text_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="neither an LM Studio preset nor a SillyTavern"):
        detect_format(tmp_path / "x.json", '{"model": "gpt"}')
    with pytest.raises(ProfileError, match="not a recognized preset"):
        detect_format(tmp_path / "notes.txt", "just some words\n")


# --- format details ---------------------------------------------------------------------------------


def test_modelfile_blocks_are_not_read_as_parameters(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tricky/Modelfile",
        (
            'FROM llama3.2\n'
            'TEMPLATE """{{ .System }}\n'
            'PARAMETER temperature 4.9\n'
            '{{ .Prompt }}"""\n'
            'system "You are terse.\n'
            'PARAMETER top_k 1"\n'
            'parameter Temperature 0.4  \n'
            'PARAMETER stop "### End"\n'
            'PARAMETER stop """multi\nline"""\n'
            'PARAMETER num_predict -2\n'
            'PARAMETER seed -1\n'
        ),
    )
    result = import_foreign(path)
    profile = result.profile
    assert (profile.temperature, profile.top_k, profile.seed) == (0.4, 40, None)
    assert profile.stop == ("### End", "multi\nline")
    assert profile.max_new_tokens == 256
    assert any(entry.startswith("num_predict = -2 (unlimited") for entry in result.dropped)
    assert "seed -> seed (-1 = random: a fresh seed per reply)" in result.mapped


def test_lmstudio_unchecked_checkboxes_mean_off(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "off.preset.json",
        lmstudio(
            [
                {"key": "llm.prediction.temperature", "value": 0.7},
                {"key": "llm.prediction.topPSampling", "value": {"checked": False, "value": 0.5}},
                {"key": "llm.prediction.repeatPenalty", "value": {"checked": False, "value": 1.3}},
                {"key": "llm.prediction.seed", "value": {"checked": False, "value": 7}},
                {"key": "llm.prediction.maxPredictedTokens", "value": {"checked": False, "value": 1000}},
                {"key": "llm.prediction.topKSampling", "value": -1},
            ]
        ),
    )
    result = import_foreign(path)
    profile = result.profile
    assert (profile.top_p, profile.repeat_penalty, profile.seed, profile.top_k) == (1.0, 1.0, None, 0)
    assert profile.max_new_tokens == 256
    assert any(entry.startswith("llm.prediction.maxPredictedTokens (unchecked: no limit") for entry in result.dropped)


def test_sillytavern_top_p_zero_means_disabled(tmp_path: Path) -> None:
    result = import_foreign(write(tmp_path, "det.json", '{"temp": 0, "top_p": 0, "top_k": 1, "rep_pen": 1}'))
    assert (result.profile.temperature, result.profile.top_p, result.profile.top_k) == (0.0, 1.0, 1)
    assert "top_p -> top_p (0 = disabled in SillyTavern: 1.0)" in result.mapped


def test_ini_aliases_globals_and_comments(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "server.ini",
        (
            "# keys before any section belong to the default preset\n"
            "LLAMA_ARG_N_PREDICT = 128\n"
            "top_k = 5 ; underscore spelling\n"
            "reverse-prompt = User:\n"
            "[*]\n"
            "temperature = 0.9\n"
            "s = 3\n"
        ),
    )
    result = import_foreign(path)
    profile = result.profile
    assert profile.name == "server"  # the default section has no name of its own
    assert (profile.max_new_tokens, profile.top_k, profile.temperature, profile.seed) == (128, 5, 0.9, 3)
    assert profile.stop == ("User:",)


# --- bad input --------------------------------------------------------------------------------------


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.preset.json", '{\n  "temp": 0.7,\n  "top_k": ,\n}\n')
    with pytest.raises(ProfileError, match=r"broken\.preset\.json: malformed JSON at line 3, column"):
        import_foreign(path)


def test_absurdly_nested_json_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.json", '{"temp": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ProfileError, match="nested too deeply"):
        import_foreign(path)


def test_malformed_ini_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.ini", "[fast]\ntemp = 0.2\nthis line is not ini\n")
    with pytest.raises(ProfileError, match=r"bad\.ini: line 3: not an INI section"):
        import_foreign(path)


def test_malformed_modelfile_names_line(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"Modelfile: line 2: not a Modelfile instruction"):
        import_foreign(write(tmp_path, "a/Modelfile", "FROM llama3.2\nPARAMETR temperature 0.5\n"))
    with pytest.raises(ProfileError, match=r"line 2: SYSTEM opens a quote that is never closed"):
        import_foreign(write(tmp_path, "b/Modelfile", 'FROM llama3.2\nSYSTEM """never closed\n'))


@pytest.mark.parametrize(
    ("file_name", "text", "expected"),
    [
        (
            "hot/Modelfile",
            "FROM x\nPARAMETER temperature 9\n",
            r"key 'temperature' \(from PARAMETER temperature\) = 9\.0 is out of range",
        ),
        (
            "p.preset.json",
            lmstudio([{"key": "llm.prediction.topPSampling", "value": {"checked": True, "value": 0}}]),
            r"key 'top_p' \(from llm\.prediction\.topPSampling\) = 0\.0 is out of range",
        ),
        (
            "st.json",
            '{"temp": 0.7, "rep_pen": "strong"}',
            r"key 'repeat_penalty' \(from rep_pen\) must be a number, got str 'strong'",
        ),
        (
            "x.ini",
            "[x]\nn-predict = 500000\n",
            r"key 'max_new_tokens' \(from \[x\] n-predict\) = 500000 is out of range",
        ),
    ],
)
def test_out_of_range_names_shotglass_and_foreign_key(tmp_path: Path, file_name: str, text: str, expected: str) -> None:
    path = write(tmp_path, file_name, text)
    with pytest.raises(ProfileError, match=expected) as caught:
        import_foreign(path)
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize(
    ("file_name", "text"),
    [
        (
            "blank.preset.json",
            json.dumps(
                {
                    "name": "LM Studio Blank Preset",
                    "inference_params": {"input_prefix": "", "input_suffix": "", "antiprompt": [""], "pre_prompt": ""},
                }
            ),
        ),
        ("ctx/Modelfile", "FROM llama3.2\nPARAMETER num_ctx 4096\nSYSTEM hello\n"),
        ("load.ini", "[big]\nctx-size = 32768\nmmap = 1\n"),
    ],
)
def test_no_sampling_parameters_is_an_error(tmp_path: Path, file_name: str, text: str) -> None:
    with pytest.raises(ProfileError, match="no sampling parameters found"):
        import_foreign(write(tmp_path, file_name, text))


def test_huge_missing_and_binary_files_are_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    huge.write_text('{"temp": 0.7, "pad": "' + "x" * MAX_IMPORT_FILE_BYTES + '"}', encoding="utf-8")
    with pytest.raises(ProfileError, match="at most 1048576 bytes"):
        import_foreign(huge)
    with pytest.raises(ProfileError, match="no such file"):
        import_foreign(tmp_path / "missing.json")
    binary = tmp_path / "model.gguf"
    binary.write_bytes(b"GGUF\xff\xfe\x00\x01")
    with pytest.raises(ProfileError, match="not UTF-8 text"):
        import_foreign(binary)
    with pytest.raises(ProfileError, match="not a file"):
        import_foreign(tmp_path)


# --- names ------------------------------------------------------------------------------------------


def test_name_is_sanitized_from_the_file_name(tmp_path: Path) -> None:
    result = import_foreign(
        write(tmp_path, "My Preset!.preset.json", lmstudio([{"key": "llm.prediction.temperature", "value": 0.5}]))
    )
    assert result.profile.name == "My-Preset"
    assert validate_name(result.profile.name) == "My-Preset"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("my.preset", "my.preset"),
        ("Café Noir", "Cafe-Noir"),
        ("../../etc/passwd", "etc-passwd"),
        (".hidden", "hidden"),
        ("!!!", ""),
        ("x" * 80, "x" * 64),
    ],
)
def test_sanitize_name(raw: str, expected: str) -> None:
    assert sanitize_name(raw) == expected


def test_default_names_per_format(tmp_path: Path) -> None:
    st = '{"temp": 0.5}'
    assert (
        import_foreign(
            write(tmp_path, "my.preset.json", lmstudio([{"key": "llm.prediction.temperature", "value": 0.5}]))
        ).profile.name
        == "my"
    )
    assert import_foreign(write(tmp_path, "!!!.json", st)).profile.name == "sillytavern-import"
    assert (
        import_foreign(write(tmp_path, "!!!/Modelfile", "FROM x\nPARAMETER top_k 3\n")).profile.name == "ollama-import"
    )
    assert import_foreign(write(tmp_path, "st.json", st), name="chosen").profile.name == "chosen"


def test_an_explicit_bad_name_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="key 'name'"):
        import_foreign(write(tmp_path, "st.json", '{"temp": 0.5}'), name="../escape")
