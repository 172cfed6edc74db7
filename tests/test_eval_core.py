"""The prompt lab's pure core: scoring modes, labels, plans, tallies with repeats, confusion and advice."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import pytest

from tui.core.eval.advice import CurvePoint, advise, plateau_start
from tui.core.eval.confusion import confusion
from tui.core.eval.export import check_new_file, results_csv, results_json
from tui.core.eval.plan import REPEAT_SEED_BASE, EvalRequest
from tui.core.eval.records import CellKey, ItemRecord
from tui.core.eval.runner import iter_records
from tui.core.eval.scoring import ScoreKind, Scoring, answer_of, is_correct, parse_labels, parse_scoring, with_labels
from tui.core.eval.tally import EvalTally
from tui.core.fewshot.evaluation import EvalDataError, EvalItem, read_eval_data
from tui.core.fewshot.examples import Example, ExampleSet
from tui.core.profiles.store import ProfileStore
from tui.engine.fake import FakeEngine

ITEMS = (EvalItem("great", "positive"), EvalItem("awful", "negative"), EvalItem("lovely", "positive"))
EXAMPLES = ExampleSet(
    name="s",
    input_label="Review",
    output_label="Sentiment",
    examples=(Example("fun", "positive"), Example("dull", "negative")),
)


def test_text_scoring_modes() -> None:
    prefix, exact = Scoring(), parse_scoring("exact")
    assert is_correct(prefix, " Positive, clearly\nReview: x", "positive")
    assert not is_correct(exact, " Positive, clearly", "positive") and is_correct(exact, "Positive \n", "positive")
    regex = parse_scoring("regex:(positive|negative)")
    assert (
        answer_of(regex, "I think negative.") == "negative" and is_correct(regex, "so: Negative", "negative") is False
    )
    assert is_correct(regex, "so: negative!", "negative")
    assert answer_of(parse_scoring("regex:pos"), "positive") == "pos" and answer_of(regex, "none") == ""


@pytest.mark.parametrize(
    ("text", "fragment"), [("regex:(", "does not compile"), ("regex:", "needs a pattern"), ("fuzzy", "not one of")]
)
def test_bad_scoring_is_one_line(text: str, fragment: str) -> None:
    with pytest.raises(EvalDataError, match=fragment):
        parse_scoring(text)


def test_choice_labels_come_from_the_data_or_must_occur_in_it() -> None:
    choice = parse_scoring("choice")
    assert with_labels(choice, ITEMS, None).labels == ("positive", "negative")
    assert with_labels(choice, ITEMS, parse_labels("negative, positive")).labels == ("negative", "positive")
    with pytest.raises(EvalDataError, match="'neutral' does not occur"):
        with_labels(choice, ITEMS, parse_labels("positive,negative,neutral"))
    with pytest.raises(EvalDataError, match="also expects 'negative', which is not a label"):
        with_labels(choice, (*ITEMS, EvalItem("x", "x")), ("positive", "x"))
    with pytest.raises(EvalDataError, match="only one distinct output"):
        with_labels(choice, ITEMS[:1], None)
    with pytest.raises(EvalDataError, match="only used with --score choice"):
        with_labels(Scoring(), ITEMS, ("a", "b"))
    with pytest.raises(EvalDataError, match="at least two labels"):
        parse_labels("positive")


def test_huge_line_and_shots_beyond_the_set_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"input": "' + "x" * 70_000 + '", "output": "y"}\n')
    with pytest.raises(EvalDataError, match="line 1 is 70,0.. characters"):
        read_eval_data(data)
    store = ProfileStore(tmp_path / "profiles")
    with pytest.raises(EvalDataError, match="more examples than the set has"):
        EvalRequest(EXAMPLES, ITEMS, (0, 3), (store.get("greedy-factual"),))


def test_plan_repeats_only_sampling_profiles_with_fixed_seeds(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "profiles")
    greedy, sampling = store.get("greedy-factual"), store.get("creative-sampling")
    request = EvalRequest(EXAMPLES, ITEMS, (0, 1), (greedy, sampling), repeats=3)
    cells = list(request.cells())
    assert [(c.key.profile, c.key.shots, c.repeat) for c in cells[:3]] == [
        ("greedy-factual", 0, 0),
        ("greedy-factual", 1, 0),
        ("creative-sampling", 0, 0),
    ]
    assert [c.seed for c in cells if c.key == CellKey("creative-sampling", 1)] == [
        REPEAT_SEED_BASE,
        REPEAT_SEED_BASE + 1,
        REPEAT_SEED_BASE + 2,
    ]
    assert cells[0].seed is None and request.total_items == len(ITEMS) * (2 + 6)
    choice = EvalRequest(EXAMPLES, ITEMS, (0,), (sampling,), Scoring(ScoreKind.CHOICE, labels=("a", "b")), repeats=3)
    assert choice.total_items == len(ITEMS)


def _record(key: CellKey, repeat: int, correct: bool, got: str = "positive", expected: str = "positive"):
    return ItemRecord(key, repeat, None, 0, "in", expected, got, correct, "prompt", 10 + repeat, 0.5)


def test_tally_mean_and_spread_over_repeats() -> None:
    tally = EvalTally()
    key = CellKey("creative-sampling", 2)
    for repeat, marks in enumerate(([True, True], [True, False])):
        for correct in marks:
            tally.add(_record(key, repeat, correct))
    summary = tally.summary(key)
    assert (summary.correct, summary.total, summary.repeats) == (3, 4, 2)
    assert summary.accuracy == pytest.approx(0.75) and summary.spread == pytest.approx(math.sqrt(0.125))
    row = summary.to_json()
    assert row["profile"] == "creative-sampling" and row["spread"] == pytest.approx(0.3536, abs=1e-4)
    single = EvalTally()
    single.add(_record(CellKey("g", 0), 0, True))
    assert "spread" not in single.summary(CellKey("g", 0)).to_json()
    assert results_csv(tally.summaries()).splitlines()[1].startswith("creative-sampling,,2,3,4,0.7500,0.3536,2,")
    assert '"advice": ["x"]' in results_json(tally.summaries(), advice=["x"])


def test_confusion_counts_other_replies() -> None:
    key = CellKey("g", 1)
    records = [
        _record(key, 0, True),
        _record(key, 0, False, got="negative"),
        _record(key, 0, False, got="meh", expected="negative"),
        _record(key, 0, True, got="Negative.", expected="negative"),
    ]
    matrix = confusion(records, ("positive", "negative"))
    assert matrix is not None and matrix.columns == ("positive", "negative", "other")
    assert matrix.counts == ((1, 1, 0), (0, 1, 1))
    assert confusion(records, tuple(f"l{n}" for n in range(20))) is None


def test_advice_fine_tuning_and_token_cost() -> None:
    points = [CurvePoint(0, 0.4, 30), CurvePoint(1, 0.7, 50), CurvePoint(2, 0.75, 70), CurvePoint(6, 0.76, 150)]
    assert plateau_start(points) == points[2]
    lines = advise(points, 0.9, "greedy")
    assert "fine-tuning is the next step" in lines[0] and "0-shot 40%, 1-shot 70%" in lines[0]
    assert "80 more prompt tokens per item" in lines[1] and "2 shots are enough" in lines[1]
    assert not any("fine-tuning" in line for line in advise(points, 0.7, "greedy"))  # target reached
    assert advise([CurvePoint(0, 0.4, 30), CurvePoint(1, 0.9, 50)], 0.95, "g") == ()  # still rising
    short = [CurvePoint(0, 0.5, 30), CurvePoint(1, 0.8, 50), CurvePoint(2, 0.8, 70)]
    assert not any("fine-tuning" in line for line in advise(short, 0.95, "g"))  # too few shots to say


def test_runner_on_the_fake_engine_records_prompts_and_choice_probabilities(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "profiles")
    engine = FakeEngine().script("positive", "positive\nmore", "positive")
    request = EvalRequest(EXAMPLES, ITEMS, (1,), (store.get("greedy-factual"),))
    records = list(iter_records(engine, request, threading.Event()))
    assert [r.correct for r in records] == [True, False, True]
    assert records[0].prompt.endswith("Review: great\nSentiment:") and "Review: fun" in records[0].prompt
    assert records[0].prompt_tokens == engine.count_tokens(records[0].prompt)
    assert engine.requests[0][1].stop[-1] == "\n"
    choice = with_labels(parse_scoring("choice"), ITEMS, None)
    engine.label_picks.extend(["positive", "positive", "negative"])
    request = EvalRequest(EXAMPLES, ITEMS, (0,), (store.get("greedy-factual"),), choice)
    records = list(iter_records(engine, request, threading.Event()))
    assert [r.got for r in records] == ["positive", "positive", "negative"]
    assert [r.correct for r in records] == [True, False, False]
    assert engine.label_requests[0][1] == (" positive", " negative")  # the answer follows "Sentiment:" + space
    assert dict(records[0].label_probabilities())["positive"] == pytest.approx(0.8)


def test_runner_stops_when_cancelled_and_refuses_choice_without_label_scoring(tmp_path: Path) -> None:
    from tui.core.contract import EngineCapabilities

    store = ProfileStore(tmp_path / "profiles")
    cancel = threading.Event()
    request = EvalRequest(EXAMPLES, ITEMS, (0, 1), (store.get("greedy-factual"),))
    seen = []
    for record in iter_records(FakeEngine(), request, cancel):
        seen.append(record)
        cancel.set()
    assert len(seen) == 1
    remote_like = FakeEngine(capabilities=EngineCapabilities())
    choice = EvalRequest(
        EXAMPLES, ITEMS, (0,), (store.get("greedy-factual"),), with_labels(parse_scoring("choice"), ITEMS, None)
    )
    with pytest.raises(EvalDataError, match="needs an engine that scores labels"):
        list(iter_records(remote_like, choice, threading.Event()))


def test_export_paths_are_checked_before_the_run(tmp_path: Path) -> None:
    taken = tmp_path / "r.csv"
    taken.write_text("keep")
    with pytest.raises(EvalDataError, match="already exists; use --force"):
        check_new_file(taken, force=False)
    check_new_file(taken, force=True)
    with pytest.raises(EvalDataError, match="does not exist"):
        check_new_file(tmp_path / "no" / "r.csv", force=False)
    (tmp_path / "link.csv").symlink_to(taken)
    with pytest.raises(EvalDataError, match="symbolic link"):
        check_new_file(tmp_path / "link.csv", force=True)


def test_chart_bars_in_eighths_grouped_by_profile() -> None:
    from tui.core.eval.chart import bar, chart_lines

    assert bar(0.5, 4) == "██  " and bar(1 / 16, 2) == "▏ " and bar(2.0, 2) == "██"
    tally = EvalTally()
    tally.add(_record(CellKey("g", 1), 0, True))
    tally.add(_record(CellKey("g", 0), 0, False))
    lines = chart_lines(tally.summaries(), width=10)
    assert lines == ["g", "  0-shot ▕          ▏   0%", "  1-shot ▕██████████▏ 100%"]
