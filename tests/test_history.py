"""Conversation history: the API, branches on edit, search, export/import, and the reliability promises.

The reliability tests use real processes: one killed with SIGKILL mid-reply, two writing the same file at
once. Each asserts on the database afterwards with SQLite's own integrity checks.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tui.core.chat.conversation import FinishReason, Message, ReplyStats, Role
from tui.core.fewshot.examples import Example, ExampleSet
from tui.core.history.schema import MIGRATIONS
from tui.core.history.store import HistoryError, HistoryStore, fts_query, history_path, model_fingerprint
from tui.core.paths import AppPaths

STATS = ReplyStats(
    profile="greedy-factual",
    seed=7,
    finish_reason=FinishReason.STOP_STRING,
    prompt_tokens=30,
    completion_tokens=4,
    evaluated_prompt_tokens=12,
    ttft_s=0.05,
    tokens_per_s=71.5,
)
PINS = ExampleSet(
    name="sentiment",
    instruction="Classify.",
    input_label="Review",
    output_label="Sentiment",
    examples=(Example("Great film.", "positive"), Example("Dull.", "negative", enabled=False)),
)


@pytest.fixture
def history(isolated_dirs: AppPaths):
    with HistoryStore.for_paths(isolated_dirs) as store:
        yield store


def _chat(store: HistoryStore, *turns: str, **settings) -> tuple[int, list[int]]:
    """A conversation of finished user/assistant exchanges; returns its id and the message ids."""
    chat = store.create_conversation(**settings)
    ids = []
    for question in turns:
        ids.append(store.add_user_message(chat, question))
        ids.append(store.start_reply(chat, STATS.profile))
        store.finish_reply(ids[-1], f"answer to {question}", STATS)
    return chat, ids


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=10)


def _assert_sound(path: Path) -> None:
    db = _raw(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")  # index == content
    finally:
        db.close()


# The store and its file


def test_lives_in_the_data_dir_in_wal_mode_at_the_latest_schema(history: HistoryStore, isolated_dirs) -> None:
    assert history.path == history_path(isolated_dirs) == isolated_dirs.data_dir / "history.sqlite3"
    assert history.notice is None
    db = _raw(history.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_conversation_round_trip_with_stats_pins_and_settings(history: HistoryStore) -> None:
    chat = history.create_conversation(
        model_path=Path("/models/g.gguf"),
        model_fingerprint="fp",
        system_prompt="Be brief.",
        pins=PINS,
        profile="balanced",
    )
    user = history.add_user_message(chat, "What is the capital of France?\nAnswer briefly.")
    reply = history.start_reply(chat, "greedy-factual")
    history.update_reply_text(reply, "Par")
    assert history.get_conversation(chat).messages[-1] == Message(Role.ASSISTANT, "Par")
    history.finish_reply(reply, "Paris.", STATS)
    loaded = history.get_conversation(chat)
    assert loaded.messages == (
        Message(Role.USER, "What is the capital of France?\nAnswer briefly."),
        Message(Role.ASSISTANT, "Paris.", STATS),
    )
    assert loaded.message_ids == (user, reply)
    info = loaded.info
    assert (info.model_path, info.model_fingerprint, info.system_prompt, info.pins) == (
        "/models/g.gguf",
        "fp",
        "Be brief.",
        PINS,
    )
    assert info.title == "What is the capital of France? Answer briefly."  # from the first message
    assert info.profile == "greedy-factual"  # the profile of the last reply, to resume with
    history.update_conversation(chat, system_prompt="Be verbose.", pins=ExampleSet(), profile="balanced")
    info = history.conversation_info(chat)
    assert (info.system_prompt, info.pins, info.profile) == ("Be verbose.", ExampleSet(), "balanced")
    with pytest.raises(HistoryError, match="no conversation with id 99"):
        history.get_conversation(99)
    with pytest.raises(HistoryError, match="not a reply in progress"):
        history.update_reply_text(reply, "late token")  # finished replies are not streamed into


def test_list_newest_first_rename_delete_and_last(history: HistoryStore) -> None:
    assert history.last_conversation_id() is None and history.list_conversations() == []
    first, _ = _chat(history, "one")
    second, _ = _chat(history, "two", "three")
    assert [c.id for c in history.list_conversations()] == [second, first]
    history.add_user_message(first, "back to the first")
    assert [(c.id, c.message_count) for c in history.list_conversations()] == [(first, 3), (second, 4)]
    assert history.last_conversation_id() == first
    assert [c.id for c in history.list_conversations(limit=1, offset=1)] == [second]
    history.rename(second, "  Renamed\n chat ")
    assert history.conversation_info(second).title == "Renamed chat"
    with pytest.raises(HistoryError, match="cannot be empty"):
        history.rename(second, "  ")
    history.delete(first)
    assert [c.id for c in history.list_conversations()] == [second]
    assert history.search("first") == []
    assert _raw(history.path).execute(
        "SELECT count(*) FROM messages WHERE conversation_id = ?", (first,)
    ).fetchone() == (0,)
    with pytest.raises(HistoryError, match=f"no conversation with id {first}"):
        history.delete(first)


def test_model_fingerprint_is_the_head_and_the_size(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.gguf", tmp_path / "b.gguf", tmp_path / "c.gguf"
    head = os.urandom(1024 * 1024)
    a.write_bytes(head + b"x" * 10)
    b.write_bytes(head + b"y" * 10)  # differs after the first MiB, same size: same cheap fingerprint
    c.write_bytes(head + b"x" * 11)
    assert model_fingerprint(a) == model_fingerprint(b) != model_fingerprint(c)
    assert model_fingerprint(a).endswith(f":{len(head) + 10}")
    with pytest.raises(HistoryError, match="cannot fingerprint model"):
        model_fingerprint(tmp_path / "missing.gguf")


# Branches: edit and regenerate keep what they replace


def test_edit_and_resend_keeps_the_old_branch(history: HistoryStore) -> None:
    chat, (q1, a1, q2, a2) = _chat(history, "What is 2+2?", "And 3+3?")
    edited = history.edit_user_message(q1, "What is 5+5?")
    loaded = history.get_conversation(chat)
    assert loaded.messages == (Message(Role.USER, "What is 5+5?"),) and loaded.message_ids == (edited,)
    assert history.conversation_info(chat).title == "What is 5+5?"  # the derived title follows the edit
    reply = history.start_reply(chat, "balanced")
    history.finish_reply(reply, "10", STATS)
    assert [m.text for m in history.get_conversation(chat).messages] == ["What is 5+5?", "10"]
    (branch,) = history.old_branches(chat)
    assert branch.replaced_by == edited
    assert [(m.id, m.text) for m in branch.messages] == [
        (q1, "What is 2+2?"),
        (a1, "answer to What is 2+2?"),
        (q2, "And 3+3?"),
        (a2, "answer to And 3+3?"),
    ]
    assert branch.messages[1].stats == STATS
    with pytest.raises(HistoryError, match="already replaced"):
        history.edit_user_message(q1, "again")
    with pytest.raises(HistoryError, match="only your own messages"):
        history.edit_user_message(reply, "no")
    history.rename(chat, "Sums")
    history.edit_user_message(edited, "What is 6+6?")
    assert history.conversation_info(chat).title == "Sums"  # a chosen title stays
    assert len(history.old_branches(chat)) == 2


def test_regenerate_keeps_the_old_reply(history: HistoryStore) -> None:
    chat, (question, old) = _chat(history, "Name a colour.")
    new = history.replace_last_reply(chat, "creative-sampling")
    assert history.get_conversation(chat).message_ids == (question,)  # empty new reply: not shown yet
    history.update_reply_text(new, "Bl")
    history.finish_reply(new, "Blue.", STATS)
    assert history.get_conversation(chat).message_ids == (question, new)
    assert [b.messages[0].id for b in history.old_branches(chat)] == [old]
    assert history.get_message(old).superseded_by == new
    empty = history.create_conversation()
    with pytest.raises(HistoryError, match="no reply to regenerate"):
        history.replace_last_reply(empty, "balanced")
    history.add_user_message(empty, "unanswered")
    reply = history.replace_last_reply(empty, "balanced")  # nothing to replace: starts the reply
    assert history.get_message(reply).position == 1 and history.old_branches(empty) == ()


def test_a_reply_killed_before_its_first_token_is_left_out_but_kept(history: HistoryStore) -> None:
    chat = history.create_conversation()
    history.add_user_message(chat, "hello")
    dead = history.start_reply(chat, "balanced")
    history.add_user_message(chat, "anyone there?")
    assert [m.text for m in history.get_conversation(chat).messages] == ["hello", "anyone there?"]
    assert [m.id for m in history.active_messages(chat)][1] == dead


# Search


def test_search_finds_active_messages_with_snippets(history: HistoryStore) -> None:
    chat, (q1, *_rest) = _chat(history, "Tell me about the café on the river", "Where is the capital of Peru?")
    other, _ = _chat(history, "Something else entirely")
    hits = history.search("capital of")
    assert [(h.conversation_id, h.role) for h in hits] == [(chat, Role.USER), (chat, Role.ASSISTANT)]
    assert "**capital**" in hits[0].snippet and hits[0].title == "Tell me about the café on the river"
    assert {h.message_id for h in history.search("cafe")} >= {q1}  # diacritics folded
    assert history.search("capi") and not history.search("ca")  # prefix from the third letter
    assert history.search('"the capital"') and not history.search('"capital the"')  # quoted phrase
    assert [h.conversation_id for h in history.search("entirely")] == [other, other]
    assert len(history.search("capital", limit=1)) == 1
    history.edit_user_message(q1, "Tell me about mountains")
    assert history.search("café") == [] and history.search("capital") == []  # superseded: not offered as hits
    assert len(history.search("river OR mountains")) == 0  # OR is a word here, not an operator


@pytest.mark.parametrize(
    "query",
    [
        'foo"bar',
        "AND",
        "OR",
        "NOT",
        "NEAR(a b)",
        "NEAR",
        '"',
        '""',
        "'",
        "*",
        "a*",
        "(",
        ")",
        "-",
        "-x",
        "col:x",
        "text:hello",
        "^start",
        "a + b",
        "\\",
        "%",
        "_",
        '"unbalanced',
        'x" OR "y',
        "",
        "   ",
        "{text}: x",
        "日本語",
        "\x00",
        "é*",
    ],
)
def test_awkward_queries_never_raise(history: HistoryStore, query: str) -> None:
    _chat(history, "AND the NEAR foo bar text hello")
    assert isinstance(history.search(query), list)


def test_fts_query_quotes_every_term() -> None:
    assert fts_query("capital of peru") == '"capital" "of" "peru"*'
    assert fts_query('foo"bar') == '"foo""bar"*'
    assert fts_query('"new york" ci') == '"new york" "ci"'
    assert fts_query('" * - ( ') is None and fts_query("") is None


# Export and import


def test_export_markdown_is_readable_with_stats_per_reply(history: HistoryStore) -> None:
    chat, _ = _chat(history, "Is it good?", model_path="/m/gemma.gguf", system_prompt="Answer in one word.", pins=PINS)
    unfinished = history.start_reply(chat, "balanced")
    history.update_reply_text(unfinished, "Half a rep")
    text = history.export_markdown(chat)
    assert text.startswith("# Is it good?\n")
    for fragment in (
        "`/m/gemma.gguf`",
        "> Answer in one word.",
        "## Pinned examples: sentiment (1 of 2 enabled)",
        "**Review:** Great film. → **Sentiment:** positive",
        "Dull. → **Sentiment:** negative (disabled)",
        "### User\n\nIs it good?",
        "### Assistant\n\nanswer to Is it good?",
        STATS.summary(),
        "Half a rep",
        "unfinished",
    ):
        assert fragment in text, fragment


def test_export_json_is_openai_messages_and_round_trips(history: HistoryStore) -> None:
    chat, _ = _chat(
        history,
        "Q1",
        "Q2",
        model_path="/m.gguf",
        model_fingerprint="fp",
        system_prompt="Sys",
        pins=PINS,
        profile="balanced",
    )
    data = history.export_json(chat)
    assert data["messages"][:3] == [
        {"role": "system", "content": "Sys"},
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "answer to Q1"},
    ]
    meta = data["metadata"]
    assert len(meta["messages"]) == len(data["messages"]) == 5
    assert meta["messages"][2]["seed"] == 7 and meta["messages"][2]["finish_reason"] == "stop_string"
    assert meta["model"] == {"path": "/m.gguf", "fingerprint": "fp"} and meta["pins"]["name"] == "sentiment"
    copy = history.import_json(json.loads(json.dumps(data)))
    original, imported = history.get_conversation(chat), history.get_conversation(copy)
    assert imported.messages == original.messages
    assert imported.info.pins == PINS and imported.info.system_prompt == "Sys"
    assert imported.info.title == original.info.title
    assert history.import_json({"messages": [{"role": "user", "content": "bare OpenAI"}]}) > copy


def _count(path: Path) -> tuple[int, int]:
    db = _raw(path)
    return db.execute("SELECT (SELECT count(*) FROM conversations), (SELECT count(*) FROM messages)").fetchone()


GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([1, 2], "expected a JSON object with 'messages', got an array"),
        ({"msgs": []}, "the top level has unknown key 'msgs'"),
        ({}, "'messages' is missing"),
        ({"messages": {}}, "'messages' must be an array"),
        ({"messages": []}, "nothing to import"),
        ({"messages": ["hi"]}, "messages[0] must be an object, got a string"),
        ({"messages": [{"role": "user"}]}, "messages[0] lacks 'content'"),
        ({"messages": [{"role": "tool", "content": "x"}]}, 'messages[0].role "tool" is not one of: system, user'),
        ({"messages": [{"role": "user", "content": ["parts"]}]}, "messages[0].content must be a string"),
        ({"messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "s"}]}, "only the first"),
        (
            {**GOOD, "metadata": {"messages": [{}]}},
            "metadata.messages must be an array as long as 'messages' (2 items)",
        ),
        ({**GOOD, "metadata": {"messages": [{}, {"profile": "p", "seed": 1}]}}, "lacks 'finish_reason'"),
        (
            {
                **GOOD,
                "metadata": {
                    "messages": [
                        {},
                        {
                            "profile": "p",
                            "seed": 1,
                            "finish_reason": "done",
                            "prompt_tokens": 1,
                            "completion_tokens": 1,
                            "evaluated_prompt_tokens": 1,
                            "ttft_s": 0.1,
                            "tokens_per_s": 1,
                        },
                    ]
                },
            },
            "metadata.messages[1].finish_reason must be one of",
        ),
        ({**GOOD, "metadata": {"messages": [{}, {"created_at": "yesterday"}]}}, "created_at must be an ISO 8601 time"),
        ({**GOOD, "metadata": {"messages": [{"profile": "p"}, {}]}}, "belongs to a user message"),
        ({**GOOD, "metadata": {"version": 3}}, "metadata.version must be 1 to 2"),
        ({**GOOD, "metadata": {"pins": {"examples": [{"input": "x"}]}}}, "example 1: missing key 'output'"),
        ({**GOOD, "metadata": {"model": "gemma"}}, "metadata.model must be an object"),
    ],
)
def test_malformed_import_names_the_problem_in_one_line_and_writes_nothing(
    history: HistoryStore, data, fragment: str
) -> None:
    _chat(history, "existing")
    before = _count(history.path)
    with pytest.raises(HistoryError) as caught:
        history.import_json(data, "chat.json")
    message = str(caught.value)
    assert message.startswith("chat.json: ") and fragment in message and "\n" not in message, message
    assert _count(history.path) == before


def test_a_failure_inside_the_import_transaction_leaves_no_trace(history: HistoryStore, monkeypatch) -> None:
    import tui.core.history.store as module

    def broken(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(module, "message_row", broken)  # fails after the conversation row is inserted
    with pytest.raises(OSError):
        history.import_json(GOOD)
    assert _count(history.path) == (0, 0)


def test_import_file_that_is_not_json(history: HistoryStore, tmp_path: Path) -> None:
    bad = tmp_path / "chat.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(HistoryError, match=r"chat.json: not valid JSON: .* at line 1 column 2"):
        history.import_file(bad)
    with pytest.raises(HistoryError, match="no such file"):
        history.import_file(tmp_path / "missing.json")
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(HistoryError, match="not UTF-8"):
        history.import_file(bad)
    assert _count(history.path) == (0, 0)


# Reliability


def test_a_corrupt_file_is_moved_aside_unchanged_and_a_fresh_one_started(isolated_dirs: AppPaths) -> None:
    path = history_path(isolated_dirs)
    path.parent.mkdir(parents=True)
    junk = os.urandom(64 * 1024)
    path.write_bytes(junk)
    with HistoryStore(path) as store:
        assert store.notice and "unreadable" in store.notice and "moved it to" in store.notice
        (aside,) = path.parent.glob("history.sqlite3.corrupt-*")
        assert str(aside) in store.notice
        assert aside.read_bytes() == junk
        _chat(store, "a fresh start")
    with HistoryStore(path) as store:
        assert store.notice is None and len(store.list_conversations()) == 1


def test_a_truncated_database_is_detected_and_moved_aside(isolated_dirs: AppPaths) -> None:
    path = history_path(isolated_dirs)
    with HistoryStore(path) as store:
        chat = store.create_conversation()
        for n in range(200):
            store.add_user_message(chat, f"message {n} " + "padding " * 100)
    data = path.read_bytes()
    assert not Path(f"{path}-wal").exists()  # the clean close checkpointed everything into the file
    path.write_bytes(data[: len(data) // 2])
    with HistoryStore(path) as store:
        assert store.notice is not None and store.list_conversations() == []
    (aside,) = path.parent.glob("history.sqlite3.corrupt-*")
    assert aside.read_bytes() == data[: len(data) // 2]


def test_a_newer_schema_is_refused_and_left_alone(isolated_dirs: AppPaths) -> None:
    path = history_path(isolated_dirs)
    HistoryStore(path).close()
    db = _raw(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(
        HistoryError, match=f"has history schema 99; this shotglass knows up to {len(MIGRATIONS)}: upgrade"
    ):
        HistoryStore(path)
    assert list(path.parent.glob("*.corrupt-*")) == []


def test_a_writer_waits_for_another_instead_of_failing(history: HistoryStore) -> None:
    chat = history.create_conversation()
    other = sqlite3.connect(history.path, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another shotglass in the middle of a write
    threading.Timer(0.3, other.commit).start()
    start = time.monotonic()
    history.add_user_message(chat, "waited")
    assert time.monotonic() - start >= 0.25
    assert history.get_conversation(chat).messages == (Message(Role.USER, "waited"),)


WRITER = r"""
import sys, time
from pathlib import Path
from tui.core.chat.conversation import FinishReason, ReplyStats
from tui.core.history.store import HistoryStore
path, chat, name, turns, go = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
stats = ReplyStats("p", 1, FinishReason.LENGTH, 10, 5, 10, 0.1, 50.0)
store = HistoryStore(path)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
for n in range(turns):
    if n == turns // 2:
        # Halfway, wait (bounded) until the other writer has written too: the writes interleave by
        # construction, not by the luck of the scheduler on a loaded machine.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
                not m.text.startswith(name) for m in store.active_messages(chat)):
            time.sleep(0.005)
    store.add_user_message(chat, f"{name} question {n}")
    reply = store.start_reply(chat, "p")
    time.sleep(0.001)  # generation: the other process gets its turn at the lock
    store.update_reply_text(reply, f"{name} partial {n}")
    store.finish_reply(reply, f"{name} answer {n}", stats)
store.close()
"""


def test_two_processes_writing_one_conversation_at_once(history: HistoryStore, tmp_path: Path) -> None:
    chat, turns, go = history.create_conversation(), 100, tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(history.path), str(chat), name, str(turns), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("alpha", "beta")
    ]
    assert [writer.stdout.readline() for writer in writers] == ["ready\n"] * 2
    go.touch()  # both start writing at the same moment
    for writer in writers:
        assert writer.wait(timeout=60) == 0, writer.stderr.read()
    stored = history.active_messages(chat)
    assert [m.position for m in stored] == list(range(4 * turns))
    writer_of = [m.text.split()[0] for m in stored]
    assert sum(a != b for a, b in zip(writer_of, writer_of[1:])) >= 2  # they really took turns
    for name in ("alpha", "beta"):
        assert sum(m.text.startswith(f"{name} answer") and m.stats is not None for m in stored) == turns
        assert sum(m.text.startswith(f"{name} question") for m in stored) == turns
    assert len(history.search("alpha answer", limit=500)) == turns
    _assert_sound(history.path)


STREAMER = r"""
import sys, time
from pathlib import Path
from tui.core.history.store import HistoryStore
store = HistoryStore(Path(sys.argv[1]))
chat = store.create_conversation()
store.add_user_message(chat, "Tell me a long story.")
reply = store.start_reply(chat, "creative-sampling")
print(chat, reply, flush=True)
text, last = "", time.monotonic()
for n in range(1_000_000):
    text += f"w{n} "
    time.sleep(0.005)  # a token every 5 ms
    if time.monotonic() - last >= 0.2:  # the UI's throttle, tighter than the promised second
        store.update_reply_text(reply, text)
        last = time.monotonic()
        print(len(text), flush=True)
"""


def test_kill_9_mid_reply_loses_at_most_the_last_moment(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    child = subprocess.Popen([sys.executable, "-c", STREAMER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        chat, reply = map(int, child.stdout.readline().split())
        acknowledged = [int(child.stdout.readline()) for _ in range(6)]
        time.sleep(0.13)  # somewhere between two commits, mid-stream
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    acknowledged += [int(line) for line in child.stdout.read().split()]
    assert child.returncode == -signal.SIGKILL
    _assert_sound(path)
    with HistoryStore(path) as store:
        assert store.notice is None
        loaded = store.get_conversation(chat)
        text = store.get_message(reply).text
    assert loaded.messages[0] == Message(Role.USER, "Tell me a long story.")
    words = text.split()
    assert words == [f"w{n}" for n in range(len(words))]  # a clean prefix of what was streamed
    assert len(text) >= acknowledged[-1]  # every commit the child saw finish survived
    assert loaded.messages[1] == Message(Role.ASSISTANT, text)  # no stats: it never finished
    assert loaded.message_ids[1] == reply
