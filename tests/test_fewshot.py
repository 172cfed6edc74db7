"""Example sets, eval data and ``shotglass eval``: bad inputs, scoring, and the few-shot effect for real."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tui.core.errors import ExampleSetError
from tui.core.fewshot.evaluation import EvalDataError, is_correct, parse_shots, read_eval_data
from tui.core.fewshot.example_set import example_set_to_toml, parse_example_set, read_example_set

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_shipped_sets_load() -> None:
    sentiment = read_example_set(EXAMPLES / "sentiment.toml")
    assert sentiment.input_label == "Review" and sentiment.output_label == "Sentiment"
    assert len(sentiment.examples) == 8
    assert len(read_eval_data(EXAMPLES / "sentiment.jsonl")) == 24
    antonyms = read_example_set(EXAMPLES / "antonyms.toml")
    assert parse_example_set(__import__("tomllib").loads(example_set_to_toml(antonyms)), "x") == antonyms


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name = ", "malformed TOML"),
        ('name = "x"\ncolour = 1', "unknown key 'colour'"),
        ('[[examples]]\ninput = "a"', "example 1: missing key 'output'"),
        ('[[examples]]\noutput = "a"', "example 1: missing key 'input'"),
        ('[[examples]]\ninput = "a"\noutput = "b"\nweight = 2', "example 1: unknown key 'weight'"),
        ('input_label = "Re\\nview"', "key 'input_label'"),
        ('output_label = ""', "key 'output_label'"),
        ('examples = "none"', "'examples' must be an array of tables"),
    ],
)
def test_bad_example_sets(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "set.toml"
    path.write_text(text)
    with pytest.raises(ExampleSetError) as caught:
        read_example_set(path)
    assert str(caught.value).startswith(str(path)) and fragment in str(caught.value)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"input": "a", "output": "b"}\nnot json\n', "line 2 is not JSON"),
        ('{"input": "a"}\n', "line 1 must be an object with string 'input' and 'output'"),
        ('\n\n', "no data lines"),
        ('[1, 2]\n', "line 1 must be an object"),
    ],
)
def test_bad_eval_data_names_the_line(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(content)
    with pytest.raises(EvalDataError, match=fragment):
        read_eval_data(path)


def test_shots_parsing() -> None:
    assert parse_shots("0,1,2,4", 8) == [0, 1, 2, 4]
    with pytest.raises(EvalDataError, match="asks for more examples than the set has \\(2\\)"):
        parse_shots("0,4", 2)
    with pytest.raises(EvalDataError, match="-1 is negative"):
        parse_shots("0,-1", 2)
    with pytest.raises(EvalDataError, match="not a whole number"):
        parse_shots("one", 2)
    with pytest.raises(EvalDataError, match="more examples than the set has \\(0\\)"):
        parse_shots("1", 0)


def test_scoring_rule() -> None:
    assert is_correct(" Positive\nReview: more", "positive")
    assert is_correct("negative, clearly", "Negative")
    assert not is_correct("\n", "positive") and not is_correct("The film is positive", "positive")


def test_eval_on_the_real_model_shows_few_shot_beats_zero_shot(shotglass_cmd, model_path: Path) -> None:
    result = subprocess.run(
        [
            *shotglass_cmd,
            "eval",
            str(EXAMPLES / "sentiment.jsonl"),
            "--examples",
            str(EXAMPLES / "sentiment.toml"),
            "--shots",
            "0,2",
            "--json",
            "--model",
            str(model_path),
            "--ctx",
            "1024",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    zero, two = json.loads(result.stdout)["results"]
    assert zero["shots"] == 0 and two["shots"] == 2 and zero["total"] == two["total"] == 24
    # Measured on Gemma 3 270M Q4_K_M: 0-shot about 42%, 2-shot 100%. Floors with a margin, direction exact.
    assert two["accuracy"] > zero["accuracy"]
    assert two["accuracy"] >= 0.85


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--shots", "0,9"], "asks for more examples than the set has (8)"),
        (["--shots", "-1"], "is negative"),
        (["--examples", "/nonexistent.toml"], "no such example set file"),
    ],
)
def test_eval_bad_inputs_exit_2(shotglass_cmd, args: list[str], fragment: str) -> None:
    base = [*shotglass_cmd, "eval", str(EXAMPLES / "sentiment.jsonl"), "--examples", str(EXAMPLES / "sentiment.toml")]
    result = subprocess.run([*base, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_eval_requires_examples_and_valid_data(shotglass_cmd, tmp_path: Path) -> None:
    missing = subprocess.run(
        [*shotglass_cmd, "eval", str(EXAMPLES / "sentiment.jsonl")], capture_output=True, text=True, timeout=120
    )
    assert missing.returncode == 2 and "--examples FILE is required" in missing.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = subprocess.run(
        [*shotglass_cmd, "eval", str(empty), "--examples", str(EXAMPLES / "sentiment.toml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "no data lines" in result.stderr


def test_ask_with_pinned_examples(shotglass_cmd, model_path: Path) -> None:
    result = subprocess.run(
        [
            *shotglass_cmd,
            "ask",
            "What a fantastic, uplifting movie!",
            "--examples",
            str(EXAMPLES / "sentiment.toml"),
            "--model",
            str(model_path),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"].lower().startswith("positive")
