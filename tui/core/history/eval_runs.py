"""Prompt-lab runs kept in the history database: what was measured (dataset and its hash, example set,
profiles, model, scoring) and the per-cell scores, so a later run can be compared with this one.

The dataset hash is over the items themselves (canonical JSON of input/output pairs), not the file bytes, so
re-saving a file with other whitespace or line endings is still the same dataset. Rows edited by hand never
crash the list: unreadable JSON reads as no results.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tui.core.eval.plan import EvalRequest
from tui.core.eval.tally import CellSummary
from tui.core.fewshot.evaluation import EvalItem
from tui.core.history.model import HistoryError, pins_to_dict
from tui.core.history.store import HistoryStore

MAX_RESULTS_JSON = 1024 * 1024


@dataclass(frozen=True)
class SavedRun:
    id: int
    created_at: float
    dataset: str
    dataset_sha256: str
    items: int
    example_set: str
    profiles: tuple[str, ...]
    model_name: str
    model_path: str
    score: str
    stopped: bool
    results: tuple[dict[str, Any], ...]
    """The ``eval --json`` rows: shots, correct, total, accuracy, profile (and spread, repeats, render)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "dataset": self.dataset,
            "dataset_sha256": self.dataset_sha256,
            "items": self.items,
            "example_set": self.example_set,
            "profiles": list(self.profiles),
            "model": self.model_name,
            "model_path": self.model_path,
            "score": self.score,
            "stopped": self.stopped,
            "results": list(self.results),
        }


def dataset_digest(items: Sequence[EvalItem]) -> str:
    canonical = json.dumps([[item.input, item.output] for item in items], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save_run(
    store: HistoryStore,
    request: EvalRequest,
    summaries: Sequence[CellSummary],
    *,
    dataset: str,
    model_name: str,
    model_path: str,
    stopped: bool,
) -> int:
    with store.connection.write() as db:
        cursor = db.execute(
            "INSERT INTO eval_runs (created_at, dataset, dataset_sha256, items, example_set, example_set_json, "
            "profiles, model_path, model_name, score, stopped, results_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                time.time(),
                dataset,
                dataset_digest(request.items),
                len(request.items),
                request.examples.name,
                json.dumps(pins_to_dict(request.examples), ensure_ascii=False),
                json.dumps([profile.name for profile in request.profiles]),
                model_path,
                model_name,
                request.scoring.name,
                int(stopped),
                json.dumps([summary.to_json() for summary in summaries]),
            ),
        )
        return int(cursor.lastrowid or 0)


_COLUMNS = (
    "id, created_at, dataset, dataset_sha256, items, example_set, profiles, model_name, model_path, score, "
    "stopped, results_json"
)


def list_runs(store: HistoryStore, limit: int = 50) -> list[SavedRun]:
    rows = store.connection.read(
        f"SELECT {_COLUMNS} FROM eval_runs ORDER BY created_at DESC, id DESC LIMIT ?", (limit,)
    )
    return [_run(row) for row in rows]


def get_run(store: HistoryStore, run_id: int) -> SavedRun:
    rows = store.connection.read(f"SELECT {_COLUMNS} FROM eval_runs WHERE id = ?", (run_id,))
    if not rows:
        raise HistoryError(f"no saved eval run {run_id} (see 'shotglass runs list')")
    return _run(rows[0])


def _json_list(text: object) -> list[Any]:
    if not isinstance(text, str) or len(text) > MAX_RESULTS_JSON:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _run(row: tuple) -> SavedRun:
    run_id, created, dataset, digest, items, example_set, profiles, name, path, score, stopped, results = row
    return SavedRun(
        id=int(run_id),
        created_at=float(created) if isinstance(created, (int, float)) else 0.0,
        dataset=str(dataset),
        dataset_sha256=str(digest),
        items=items if isinstance(items, int) else 0,
        example_set=str(example_set),
        profiles=tuple(str(profile) for profile in _json_list(profiles)),
        model_name=str(name),
        model_path=str(path),
        score=str(score),
        stopped=bool(stopped),
        results=tuple(row for row in _json_list(results) if isinstance(row, dict)),
    )
