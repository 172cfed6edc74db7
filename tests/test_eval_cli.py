"""``shotglass eval`` with the prompt lab's options, on the installed command: profiles, repeats, scoring modes,
CSV, and one clear line (exit 2) for every bad input before a model loads."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BASE = ["eval", str(EXAMPLES / "sentiment.jsonl"), "--examples", str(EXAMPLES / "sentiment.toml")]


def _run(cmd: list[str], *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout)


def test_profiles_repeats_and_csv_on_the_real_model(shotglass_cmd, model_path: Path, tmp_path: Path) -> None:
    table = tmp_path / "results.csv"
    model = ["--model", str(model_path), "--ctx", "1024"]
    profiles = ["--profile", "greedy-factual", "--profile", "creative-sampling", "--repeats", "2"]
    result = _run(shotglass_cmd, *BASE, "--shots", "0,1", *profiles, "--json", "--csv", str(table), *model)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    rows = document["results"]
    assert [(row["profile"], row["shots"]) for row in rows] == [
        ("greedy-factual", 0),
        ("greedy-factual", 1),
        ("creative-sampling", 0),
        ("creative-sampling", 1),
    ]
    assert all(set(row) >= {"shots", "correct", "total", "accuracy", "profile"} for row in rows)
    assert "spread" not in rows[0] and rows[0]["total"] == 24
    assert rows[2]["repeats"] == 2 and rows[2]["total"] == 48 and 0 <= rows[2]["spread"] <= 1
    assert document["score"] == "prefix"
    with table.open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert [line["profile"] for line in lines] == [row["profile"] for row in rows]
    assert lines[1]["correct"] == str(rows[1]["correct"]) and lines[2]["repeats"] == "2"
    again = _run(shotglass_cmd, *BASE, "--shots", "0", "--csv", str(table), *model, timeout=120)
    assert again.returncode == 2 and "already exists; use --force" in again.stderr


def test_choice_scoring_on_the_real_model_is_at_least_as_good_as_prefix(shotglass_cmd, model_path: Path) -> None:
    model = ["--model", str(model_path), "--ctx", "1024"]
    choice = _run(shotglass_cmd, *BASE, "--shots", "0,1", "--score", "choice", "--json", *model)
    assert choice.returncode == 0, choice.stderr
    rows = json.loads(choice.stdout)["results"]
    # Measured on Gemma 3 270M Q4_K_M: prefix 42% / 96% at 0 / 1 shots; choice 54% / 96%.
    assert rows[1]["accuracy"] >= 0.85 and rows[1]["accuracy"] >= rows[0]["accuracy"]
    table = _run(shotglass_cmd, *BASE, "--shots", "1", "--score", "choice", *model)
    assert table.returncode == 0 and "confusion (greedy-factual · 1-shot)" in table.stdout
    assert "positive" in table.stdout and "other" in table.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--score", "regex:("], "the regex does not compile"),
        (["--score", "fuzzy"], "is not one of: prefix, exact, regex:PATTERN, choice"),
        (["--score", "choice", "--labels", "positive,neutral"], "'neutral' does not occur"),
        (["--labels", "positive,negative"], "--labels is only used with --score choice"),
        (["--repeats", "0"], "--repeats must be between 1 and 100"),
        (["--shots", "0,99"], "asks for more examples than the set has"),
        (["--profile", "greedy-factual", "--profile", "no-such-profile"], "no-such-profile"),
    ],
)
def test_bad_options_are_one_line_exit_2(shotglass_cmd, args: list[str], fragment: str) -> None:
    result = _run(shotglass_cmd, *BASE, *args, timeout=120)
    assert result.returncode == 2, result.stderr
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not json\n", "line 1 is not JSON"),
        ('{"input": "x"}\n', "line 1 must be an object with string 'input' and 'output'"),
        ('{"input": "' + "x" * 70_000 + '", "output": "y"}\n', "line 1 is 70,"),
        ("\n\n", "no data lines"),
    ],
)
def test_bad_data_is_one_line_exit_2(shotglass_cmd, tmp_path: Path, content: str, fragment: str) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(content, encoding="utf-8")
    result = _run(shotglass_cmd, "eval", str(data), "--examples", str(EXAMPLES / "sentiment.toml"), timeout=120)
    assert result.returncode == 2 and fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--eval", str(EXAMPLES / "sentiment.jsonl")], "--examples FILE is required"),
        (["--eval", "/nonexistent.jsonl", "--examples", str(EXAMPLES / "sentiment.toml")], "no such data file"),
        (
            [
                "--eval",
                str(EXAMPLES / "sentiment.jsonl"),
                "--examples",
                str(EXAMPLES / "sentiment.toml"),
                "--shots",
                "9",
            ],
            "more examples than the set has (8)",
        ),
        (["--shots", "1"], "--shots is for --eval DATA"),
    ],
)
def test_eval_screen_options_are_checked_before_the_tui_starts(shotglass_cmd, args: list[str], fragment: str) -> None:
    result = _run(shotglass_cmd, *args, timeout=120)
    assert result.returncode == 2 and fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
