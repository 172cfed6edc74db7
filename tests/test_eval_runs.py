"""Prompt-lab runs in the history database: saved by eval (and the eval screen), listed, shown, compared,
exported; hand-edited rows never crash the list."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tui.core.eval.compare import cell_text, compare_results
from tui.core.eval.plan import EvalRequest
from tui.core.eval.records import CellKey, ItemRecord
from tui.core.eval.tally import EvalTally
from tui.core.fewshot.evaluation import EvalItem
from tui.core.fewshot.examples import Example, ExampleSet
from tui.core.history.eval_runs import dataset_digest, get_run, list_runs, save_run
from tui.core.history.store import HistoryStore
from tui.core.paths import AppPaths
from tui.core.profiles.store import ProfileStore

PINS = ExampleSet(name="s", examples=(Example("fun", "positive"),))
ITEMS = (EvalItem("great", "positive"), EvalItem("awful", "negative"))


def _tally(*marks: tuple[int, bool]) -> EvalTally:
    tally = EvalTally()
    for index, (shots, correct) in enumerate(marks):
        key = CellKey("greedy-factual", shots)
        tally.add(ItemRecord(key, 0, None, index, "in", "positive", "x", correct, "p", 5, 0.1))
    return tally


def test_save_list_get_and_compare(isolated_dirs: AppPaths, store: ProfileStore) -> None:
    request = EvalRequest(PINS, ITEMS, (0, 1), (store.get("greedy-factual"),))
    with HistoryStore.for_paths(isolated_dirs) as history:
        first = save_run(
            history,
            request,
            _tally((0, False), (0, True), (1, True), (1, True)).summaries(),
            dataset="d.jsonl",
            model_name="M",
            model_path="/m.gguf",
            stopped=False,
        )
        second = save_run(
            history,
            request,
            _tally((0, True), (0, True)).summaries(),
            dataset="d.jsonl",
            model_name="M",
            model_path="/m.gguf",
            stopped=True,
        )
        runs = list_runs(history)
        assert [run.id for run in runs] == [second, first]
        run = get_run(history, first)
        assert run.dataset_sha256 == dataset_digest(ITEMS) and run.items == 2 and run.profiles == ("greedy-factual",)
        assert [(row["shots"], row["correct"]) for row in run.results] == [(0, 1), (1, 2)] and runs[0].stopped
        history.connection.execute("UPDATE eval_runs SET results_json = 'garbage', items = 'x' WHERE id = ?", (second,))
        assert get_run(history, second).results == () and get_run(history, second).items == 0
    cells = compare_results(
        run.results, [{"profile": "greedy-factual", "shots": 0, "correct": 2, "total": 2, "accuracy": 1.0}]
    )
    assert [(c.shots, c.delta) for c in cells] == [(0, 0.5), (1, None)]
    assert cell_text(cells[0].left) == "1/2 50%" and cell_text(None) == "-"
    assert dataset_digest(ITEMS) != dataset_digest(ITEMS[:1])


def test_eval_saves_the_run_and_runs_lists_shows_and_compares(
    shotglass_cmd, model_path: Path, cli_env: dict[str, str]
) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples"
    base = [*shotglass_cmd, "eval", str(examples / "antonyms.jsonl"), "--examples", str(examples / "antonyms.toml")]
    model = ["--model", str(model_path), "--ctx", "1024"]
    for shots in ("0", "0,1"):
        result = subprocess.run(
            [*base, "--shots", shots, *model, "--json"], capture_output=True, text=True, timeout=600, env=cli_env
        )
        assert result.returncode == 0, result.stderr
        assert "saved as eval run" in result.stderr
    listing = subprocess.run([*shotglass_cmd, "runs", "list", "--json"], capture_output=True, text=True, env=cli_env)
    runs = json.loads(listing.stdout)["runs"]
    assert len(runs) == 2 and runs[0]["dataset_sha256"] == runs[1]["dataset_sha256"]
    newer, older = runs[0]["id"], runs[1]["id"]
    compare = subprocess.run(
        [*shotglass_cmd, "runs", "compare", str(older), str(newer)], capture_output=True, text=True, env=cli_env
    )
    assert compare.returncode == 0 and "greedy-factual" in compare.stdout and "different datasets" not in compare.stdout
    shown = subprocess.run(
        [*shotglass_cmd, "runs", "show", str(newer), "--csv"], capture_output=True, text=True, env=cli_env
    )
    assert shown.stdout.splitlines()[0].startswith("profile,render,shots") and len(shown.stdout.splitlines()) == 3
    missing = subprocess.run([*shotglass_cmd, "runs", "show", "999"], capture_output=True, text=True, env=cli_env)
    assert missing.returncode == 2 and "no saved eval run 999" in missing.stderr
    kept_out = subprocess.run(
        [*shotglass_cmd, "--no-history", *base[1:], "--shots", "0", *model],
        capture_output=True,
        text=True,
        timeout=600,
        env=cli_env,
    )
    assert kept_out.returncode == 0 and "saved as eval run" not in kept_out.stderr
