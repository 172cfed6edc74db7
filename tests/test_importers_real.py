"""The import fixes of issue 15, each on real, public preset files nobody here wrote (sources in
tests/data/importers/README.md): SillyTavern's NovelAI and Chat Completion presets, ``do_sample: false``,
``dynatemp``, INI files whose first section only loads a model, the text-generation-webui refusal, a
dropped list that shows only what changes sampling, and UTF-16 Modelfiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.core.errors import ProfileError
from tui.core.profiles.importers import detect_format, import_foreign
from tui.core.profiles.profile import DecodingProfile, parse_profile_toml, profile_to_toml

DATA = Path(__file__).parent / "data" / "importers"
ST = DATA / "sillytavern"
REAL = sorted(
    path
    for folder in ("sillytavern", "lmstudio", "ollama", "llamacpp", "textgen-webui")
    for path in (DATA / folder).rglob("*")
    if path.is_file()
)
REFUSED = {"instruct/ChatML.json", "lm_studio_blank_preset.preset.json", "Deterministic.yaml"}


def keys(lines: tuple[str, ...]) -> set[str]:
    """The foreign key each dropped or ignored line starts with."""
    return {line.split(" ", 1)[0] for line in lines}


def sampling(profile: DecodingProfile) -> tuple:
    return (
        profile.temperature,
        profile.top_k,
        profile.top_p,
        profile.min_p,
        profile.repeat_penalty,
        profile.max_new_tokens,
        profile.seed,
        profile.stop,
    )


# --- 1. NovelAI and Chat Completion presets are told apart from text-completion presets ---------------


@pytest.mark.parametrize(
    ("sample", "kind", "temperature"),
    [
        ("novel/Erato-Dragonfruit.json", "SillyTavern NovelAI preset", 1.37),
        ("novel/Talker-Chat-Clio.json", "SillyTavern NovelAI preset", 1.5),
        ("openai/Default.json", "SillyTavern Chat Completion preset", 1.0),
        ("textgen/Default.json", "SillyTavern text-completion preset", 0.7),
        ("kobold/Deterministic.json", "SillyTavern text-completion preset", 0.0),
    ],
)
def test_sillytavern_kinds_keep_their_temperature(sample: str, kind: str, temperature: float) -> None:
    result = import_foreign(ST / sample)
    assert result.source_format == kind
    assert result.profile.temperature == temperature
    assert result.profile.description == f"Imported from a {kind} ({Path(sample).name})"
    assert not any(line.startswith("temperature") for line in result.dropped)


def test_novelai_max_length_is_the_reply_and_order_switches_samplers() -> None:
    result = import_foreign(ST / "novel" / "Erato-Dragonfruit.json")
    # order [0, 5, 9, 10, 8, 4]: temperature, typical, unified, min-p, mirostat, top-a; no top-k, no top-p
    assert sampling(result.profile) == (1.37, 0, 1.0, 0.035, 3.25, 150, None, ())
    assert "max_length -> max_new_tokens" in result.mapped
    assert "max_context = 8000 (context size is a load option: use --ctx)" in result.dropped
    assert "top_k -> top_k (not in the sampler order, so off: 0)" in result.mapped
    assert {"typical_p", "top_a", "mirostat_tau", "math1_temp", "math1_quad", "repetition_penalty_range"} <= keys(
        result.dropped
    )
    # tfs is not in the order, mirostat_lr is a setting of the dropped mirostat: counted, not listed.
    assert {"tail_free_sampling", "mirostat_lr", "phrase_rep_pen"} <= keys(result.ignored)
    assert "tail_free_sampling = 0.87 (not in the sampler order: off)" in result.ignored


def test_novelai_sampler_left_out_of_the_order_is_off() -> None:
    golden = import_foreign(ST / "novel" / "Erato-Golden Arrow.json")  # order [9, 2]: unified sampling, top-p
    assert sampling(golden.profile)[:4] == (1.0, 0, 0.995, 0.0)
    assert "temperature -> temperature (not in the sampler order, so off: 1.0)" in golden.mapped
    assert "top_a = 1 (not in the sampler order: off)" in golden.ignored
    talker = import_foreign(ST / "novel" / "Talker-Chat-Clio.json")  # order [1, 5, 0, 2, 3, 4]: no min-p
    assert sampling(talker.profile) == (1.5, 10, 0.75, 0.0, 2.25, 150, None, ())
    asper = import_foreign(ST / "novel" / "Asper-Kayra.json")  # no top_p key: shotglass's default stays
    assert (asper.profile.temperature, asper.profile.top_k, asper.profile.max_new_tokens) == (1.16, 175, 150)
    assert "top_p = 0.95 (kept the shotglass default)" in asper.unset


def test_chat_completion_preset_maps_its_samplers_and_counts_the_prompt_manager() -> None:
    result = import_foreign(ST / "openai" / "Default.json")
    assert sampling(result.profile) == (1.0, 0, 1.0, 0.0, 1.0, 300, None, ())
    assert "openai_max_tokens -> max_new_tokens" in result.mapped
    assert "seed -> seed (-1 = random: a fresh seed per reply)" in result.mapped
    assert keys(result.dropped) == {"openai_max_context", "prompts"}
    assert len(result.ignored) > 40  # model names, prompt texts, formatting switches
    assert "openai_model = \"gpt-4-turbo\" (not a sampling setting)" in result.ignored


def test_a_sillytavern_template_is_refused_with_its_kind() -> None:
    with pytest.raises(ProfileError, match=r"ChatML\.json: this is a SillyTavern instruct template, not a sampler"):
        import_foreign(ST / "instruct" / "ChatML.json")


# --- 2. do_sample: false is greedy -----------------------------------------------------------------------


def test_do_sample_false_is_greedy() -> None:
    contrastive = import_foreign(ST / "textgen" / "Contrastive Search.json")  # temp 1, top_k 4
    assert contrastive.profile.is_greedy
    assert sampling(contrastive.profile)[:2] == (0.0, 4)
    assert "do_sample -> temperature (false = greedy decoding; temp is not used)" in contrastive.mapped
    assert "temp = 1 (not used: do_sample is false)" in contrastive.ignored
    # Contrastive search itself has no equivalent, and says so.
    assert contrastive.dropped == ("penalty_alpha = 0.6 (no equivalent in shotglass)",)
    deterministic = import_foreign(ST / "textgen" / "Deterministic.json")
    assert deterministic.profile.is_greedy and deterministic.profile.top_p == 1.0


# --- 3. dynatemp: the midpoint SillyTavern sends ---------------------------------------------------------


def test_dynatemp_imports_the_midpoint_and_says_so() -> None:
    result = import_foreign(ST / "community" / "StrawberryLemonade-L3-70B-v1.2.json")  # 0.9 to 1.2, temp 1
    assert result.profile.temperature == 1.05
    assert "min_temp/max_temp -> temperature (dynatemp: the midpoint 1.05 SillyTavern sends)" in result.mapped
    assert (
        "dynatemp = true (dynamic temperature 0.9 to 1.2 has no equivalent; imported its midpoint 1.05, "
        "the temperature SillyTavern sends)"
    ) in result.dropped
    assert "temp = 1 (not used: dynatemp is on)" in result.ignored


# --- 4. llama.cpp INI files with several sections -------------------------------------------------------


def test_ini_picks_the_first_section_with_sampling_and_lists_the_sections() -> None:
    path = DATA / "llamacpp" / "jarvis-models.models-preset.ini"
    result = import_foreign(path)
    assert result.profile.name == "qwen2.5-coder-14b" and result.profile.temperature == 0.7
    assert result.sections == ("*", "gpt-oss-20b", "llava-7b", "qwen3.8-27b", "qwen2.5-coder-14b")
    assert result.section == "qwen2.5-coder-14b"
    assert result.profile.description == (
        "Imported from a llama.cpp INI preset ([qwen2.5-coder-14b] in jarvis-models.models-preset.ini)"
    )
    # [*]'s shared keys apply under the section, as llama-server merges them.
    assert "ctx-size = 8192 (context size is a load option: use --ctx)" in result.dropped


def test_ini_section_option() -> None:
    path = DATA / "llamacpp" / "local-llm-benchmarks.models-preset.ini"
    first = import_foreign(path)
    assert first.section == "gemma4-26B-A4B-32k" and first.sections.index(first.section) == 6
    assert first.profile.repeat_penalty == 1.05
    chosen = import_foreign(path, section="muse-glimmer-30B-32k")
    assert sampling(chosen.profile)[:3] == (1.0, 64, 0.95)
    assert chosen.profile.name == "muse-glimmer-30B-32k"
    with pytest.raises(ProfileError, match=r"no section \[nope\]; the file has \[\*\], \[gpt-oss-20b-A3.6B-32k\]"):
        import_foreign(path, section="nope")
    with pytest.raises(ProfileError, match=r"\[\*\] holds the options every preset shares"):
        import_foreign(path, section="*")
    jarvis = DATA / "llamacpp" / "jarvis-models.models-preset.ini"
    with pytest.raises(ProfileError, match=r"no sampling parameters found in \[llava-7b\] or \[\*\].*sections: \[\*\]"):
        import_foreign(jarvis, section="llava-7b")
    with pytest.raises(ProfileError, match="--section applies to llama.cpp INI presets"):
        import_foreign(ST / "openai" / "Default.json", section="x")


def test_llama_cpp_documentation_example() -> None:
    result = import_foreign(DATA / "llamacpp" / "llama.cpp-docs-preset.ini")
    assert result.section == "Qwen3.5-4B"
    assert sampling(result.profile)[:4] == (1.0, 0, 1.0, 0.01)
    # ctx-size is set in [*] and in the section: the section's value is the one reported.
    assert [line for line in result.dropped if line.startswith("ctx-size")] == [
        "ctx-size = 262144 (context size is a load option: use --ctx)"
    ]


# --- 5. text-generation-webui YAML -----------------------------------------------------------------------


def test_text_generation_webui_yaml_is_refused_by_name(tmp_path: Path) -> None:
    yaml = DATA / "textgen-webui" / "Deterministic.yaml"
    with pytest.raises(
        ProfileError, match=r"Deterministic\.yaml: text-generation-webui YAML presets are not supported"
    ):
        import_foreign(yaml)
    renamed = tmp_path / "deterministic-preset"  # the same text without its suffix
    renamed.write_bytes(yaml.read_bytes())
    with pytest.raises(ProfileError, match="text-generation-webui YAML presets are not supported"):
        detect_format(renamed, renamed.read_text())


# --- 6. the dropped list shows what would change sampling, and counts the rest -------------------------


def test_dropped_list_names_only_settings_that_change_sampling() -> None:
    madlad = import_foreign(ST / "community" / "MadLad.json")
    assert keys(madlad.dropped) == {
        "temperature_last",
        "dry_multiplier",
        "add_bos_token",
        "ban_eos_token",
        "max_length",
    }
    assert "dry_multiplier = 0.8 (no equivalent in shotglass)" in madlad.dropped
    assert "ban_eos_token = true (no equivalent in shotglass)" in madlad.dropped
    # DRY's own knobs belong to the dropped DRY line; neutral values are counted.
    assert "dry_sequence_breakers (a setting of dry_multiplier, listed as dropped)" in madlad.ignored
    assert {"mirostat_mode = 0 (neutral value: off)", "tfs = 1 (neutral value: off)"} <= set(madlad.ignored)
    assert "48 more settings change nothing here" in madlad.ignored_summary()
    beams = import_foreign(ST / "textgen" / "Beam Search.json")
    assert "num_beams = 10 (no equivalent in shotglass)" in beams.dropped
    assert "length_penalty = 1.4 (a setting of num_beams, listed as dropped)" in beams.ignored
    mirostat = import_foreign(ST / "textgen" / "Mirostat.json")
    assert mirostat.dropped == ("mirostat_mode = 2 (no equivalent in shotglass)",)


@pytest.mark.parametrize("preset", sorted((ST / "textgen").glob("*.json")) + sorted((ST / "novel").glob("*.json")))
def test_shipped_sillytavern_presets_have_short_dropped_lists(preset: Path) -> None:
    result = import_foreign(preset)
    assert len(result.dropped) <= 12, result.dropped
    assert len(result.dropped) + len(result.ignored) + len(result.mapped) >= len(json.loads(preset.read_text())) - 1


# --- 7. UTF-16 Modelfiles ----------------------------------------------------------------------------


def test_utf16_modelfile_imports(tmp_path: Path) -> None:
    # ollama/kemo-utf16/Modelfile is 24kr/Ollama's Modelfile re-encoded here as UTF-16LE with a BOM and
    # CRLF line ends, as Windows PowerShell's `>` writes it; Ollama reads it (BOM override).
    utf16 = DATA / "ollama" / "kemo-utf16" / "Modelfile"
    assert utf16.read_bytes()[:2] == b"\xff\xfe"
    result = import_foreign(utf16)
    assert result.profile.name == "kemo-utf16" and result.profile.temperature == 0.3
    assert result.dropped == ("SYSTEM prompt (the system prompt is not part of a decoding profile)",)
    big_endian = tmp_path / "be" / "Modelfile"
    big_endian.parent.mkdir()
    big_endian.write_bytes(b"\xfe\xff" + utf16.read_bytes()[2:].decode("utf-16-le").encode("utf-16-be"))
    assert import_foreign(big_endian).profile.temperature == 0.3
    broken = tmp_path / "broken" / "Modelfile"
    broken.parent.mkdir()
    broken.write_bytes(b"\xff\xfeF\x00R\x00\x00\xd8")  # a lone surrogate
    with pytest.raises(ProfileError, match="not UTF-16 text"):
        import_foreign(broken)


# --- the other real files ------------------------------------------------------------------------------


def test_lm_studio_presets_from_their_authors() -> None:
    testing = import_foreign(DATA / "lmstudio" / "deepred testing.preset.json")
    assert (testing.profile.name, testing.profile.top_p, testing.profile.max_new_tokens) == (
        "deepred-testing",
        1.0,
        512,
    )
    assert testing.profile.stop == ("##",)
    assert testing.dropped == () and testing.ignored == ("llm.prediction.structured (empty: switches nothing on)",)
    p3 = import_foreign(DATA / "lmstudio" / "deepred-p3v4c.preset.json")  # a plain number for a checkbox
    assert sampling(p3.profile)[:2] == (0.0, 1) and p3.profile.max_new_tokens == 320
    qwen = import_foreign(DATA / "lmstudio" / "qwen27b.preset.json")
    assert (qwen.profile.temperature, qwen.profile.repeat_penalty) == (0.15, 1.05)
    assert any(line.startswith("ext.virtualModel.customField") for line in qwen.dropped)
    legacy = import_foreign(DATA / "lmstudio" / "chatml.preset.json")
    assert legacy.profile.stop == ("<|im_start|>", "<|im_end|>")
    with pytest.raises(ProfileError, match="no sampling parameters found"):
        import_foreign(DATA / "lmstudio" / "lm_studio_blank_preset.preset.json")


def test_ollama_modelfiles_from_their_authors() -> None:
    pro = import_foreign(DATA / "ollama" / "flycoder" / "Modelfile.pro")
    assert pro.profile.name == "flycoder-pro"  # a Modelfile.<variant> is named by its folder and variant
    assert sampling(pro.profile)[:5] == (0.6, 20, 0.95, 0.0, 1.0)
    assert keys(pro.dropped) == {"num_ctx", "SYSTEM", "MESSAGE"}
    assert set(pro.ignored) == {
        "presence_penalty = 0 (neutral value: off)",
        "draft_num_predict = 4 (a load option, not part of a decoding profile)",
    }
    qwengram = import_foreign(DATA / "ollama" / "qwengram" / "Modelfile")
    assert qwengram.profile.stop == ("<|im_start|>", "<|im_end|>")
    assert (qwengram.profile.temperature, qwengram.profile.top_p) == (0.7, 0.9)


@pytest.mark.parametrize("path", REAL, ids=lambda path: str(path.relative_to(DATA)))
def test_every_real_file_imports_or_is_refused_in_one_line(path: Path) -> None:
    relative = str(path.relative_to(DATA))
    if any(relative.endswith(name) for name in REFUSED):
        with pytest.raises(ProfileError) as refused:
            import_foreign(path)
        assert "\n" not in str(refused.value) and str(refused.value).startswith(str(path))
        return
    profile = import_foreign(path).profile
    assert parse_profile_toml(profile_to_toml(profile), "round trip") == profile
