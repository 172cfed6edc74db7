"""Hand-edited history rows never crash ``history show/export/list`` or a resume; imports refuse such values."""

from __future__ import annotations

import argparse
import io
import json
import sqlite3

import pytest

from tui.commands.history import register, run_history
from tui.core.chat.conversation import FinishReason, ReplyStats
from tui.core.history.journal import load_saved_chat
from tui.core.history.store import HistoryError, HistoryStore
from tui.core.paths import AppPaths

STATS = ReplyStats("greedy-factual", 3, FinishReason.END_OF_SEQUENCE, 20, 2, 20, 0.04, 65.0)
YEAR_10000 = 253402300800.0 + 86400 * 400  # well into the year 10000
EDITS = {
    "finish_reason": "UPDATE messages SET finish_reason = 'exploded' WHERE role = 'assistant'",
    "pins_json": "UPDATE conversations SET pins_json = '{\"examples\": [oops'",
    "pins_not_pins": "UPDATE conversations SET pins_json = '[1, 2, 3]'",
    "year_10000": f"UPDATE messages SET created_at = {YEAR_10000}, updated_at = {YEAR_10000}",
    "conversation_year_10000": f"UPDATE conversations SET created_at = {YEAR_10000}, updated_at = 1e300",
    "seed_2_70": f"UPDATE messages SET seed = {float(2**70)} WHERE role = 'assistant'",  # SQLite keeps it as REAL
    "text_in_numbers": "UPDATE messages SET seed = 'x', prompt_tokens = 'many', ttft_s = 'soon' "
    "WHERE role = 'assistant'",
    "blob_text": "UPDATE messages SET text = CAST('bytes \xff' AS BLOB), profile = 7 WHERE role = 'assistant'",
}


def _run(paths: AppPaths, *argv: str) -> tuple[int, str, str]:
    root = argparse.ArgumentParser(prog="shotglass")
    register(root.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    return run_history(root.parse_args(["history", *argv]), paths, out=out, err=err), out.getvalue(), err.getvalue()


def _hand_edited(paths: AppPaths, statement: str) -> int:
    with HistoryStore.for_paths(paths) as store:
        chat = store.create_conversation(system_prompt="Answer in one word.")
        store.add_user_message(chat, "What is the capital of France?")
        reply = store.start_reply(chat, "greedy-factual")
        store.finish_reply(reply, "Paris.", STATS)
        path = store.path
    db = sqlite3.connect(path)
    db.execute(statement)
    db.commit()
    db.close()
    return chat


@pytest.mark.parametrize("edit", EDITS)
def test_a_hand_edited_value_never_crashes_show_export_list_or_resume(isolated_dirs: AppPaths, edit: str) -> None:
    chat = _hand_edited(isolated_dirs, EDITS[edit])
    code, out, err = _run(isolated_dirs, "show", str(chat))
    assert code == 0 and out.startswith("# What is the capital of France?") and "### Assistant" in out, err
    code, out, err = _run(isolated_dirs, "export", str(chat), "--format", "json")
    assert code == 0, err
    exported = json.loads(out)
    assert exported["messages"][1]["content"] == "What is the capital of France?"
    code, out, _ = _run(isolated_dirs, "list")
    assert code == 0 and "What is the capital of France?" in out
    with HistoryStore.for_paths(isolated_dirs) as store:
        assert len(load_saved_chat(store, chat).turns) == 2  # the TUI resumes it too
        assert store.import_json(exported, "re-import") > chat  # what export writes, import takes back


def test_what_a_bad_value_reads_as(isolated_dirs: AppPaths) -> None:
    chat = _hand_edited(isolated_dirs, EDITS["seed_2_70"])
    with HistoryStore.for_paths(isolated_dirs) as store:
        reply = store.active_messages(chat)[1]
        assert reply.stats is not None and reply.stats.seed is None  # unknown, not a seed no engine could use
        assert reply.stats.prompt_tokens == 20
    chat = _hand_edited(isolated_dirs, EDITS["finish_reason"])
    with HistoryStore.for_paths(isolated_dirs) as store:
        assert store.active_messages(chat)[1].stats is None  # a reason no shotglass wrote: no stats to trust
    chat = _hand_edited(isolated_dirs, EDITS["pins_json"])
    _code, out, _ = _run(isolated_dirs, "show", str(chat))
    assert "**Unreadable:** conversation" in out and "pins: not valid JSON" in out
    chat = _hand_edited(isolated_dirs, EDITS["conversation_year_10000"])
    _code, out, _ = _run(isolated_dirs, "show", str(chat))
    assert "**Created:** 9999-12-29T00:00:00+00:00" in out  # clamped to the last time datetime can show


def _export(paths: AppPaths) -> dict:
    chat = _hand_edited(paths, "SELECT 1")
    with HistoryStore.for_paths(paths) as store:
        return store.export_json(chat)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "seed",
            2**70,
            r"seed must be null \(greedy\) or a whole number from 0 to 4294967295, got 1180591620717411303424",
        ),
        ("seed", -1, "seed must be null"),
        ("seed", 10**4000, "got a 4001-digit number"),
        ("prompt_tokens", 2**70, "prompt_tokens must be a whole number from 0 to 2147483647"),
        ("ttft_s", 1e300, "ttft_s must be a number from 0 to 1e"),
        ("created_at", "10000-01-01T00:00:00+00:00", "created_at must be an ISO 8601 time"),
        ("created_at", "9999-12-31T23:00:00-12:00", "created_at must be a time between the years 1 and 9999"),
        ("finish_reason", "exploded", "finish_reason must be one of"),
    ],
)
def test_imports_bound_every_value(isolated_dirs: AppPaths, key: str, value: object, expected: str) -> None:
    data = _export(isolated_dirs)
    data["metadata"]["messages"][2][key] = value
    with HistoryStore.for_paths(isolated_dirs) as store:
        before = len(store.list_conversations())
        with pytest.raises(HistoryError, match=expected) as caught:
            store.import_json(data, "edited.json")
        assert "\n" not in str(caught.value) and len(str(caught.value)) < 200  # one short line
        assert len(store.list_conversations()) == before  # nothing written


def test_an_import_of_a_year_10000_conversation_time_is_refused(isolated_dirs: AppPaths) -> None:
    data = _export(isolated_dirs)
    data["metadata"]["created_at"] = "9999-12-31T23:59:59-11:00"
    with HistoryStore.for_paths(isolated_dirs) as store, pytest.raises(HistoryError, match="metadata.created_at"):
        store.import_json(data, "edited.json")
