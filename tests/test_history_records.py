"""Schema 2: reply records stored with the reply, and conversation ids that are never reused."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

from tui.core.chat.conversation import FinishReason
from tui.core.chat.record import ReplyRecord, record_from_bytes, record_to_bytes
from tui.core.contract import GenerationResult, SamplingParams
from tui.core.history.schema import MIGRATIONS
from tui.core.history.store import HistoryStore
from tui.core.profiles.profile import DecodingProfile

RECORD = ReplyRecord(
    prompt="User: hi\nAssistant:",
    params=SamplingParams(
        max_new_tokens=8,
        temperature=0.7,
        top_k=40,
        top_p=0.9,
        min_p=0.05,
        repeat_penalty=1.1,
        seed=42,
        stop=("\nUser:",),
    ),
    profile=DecodingProfile(name="creative-sampling", temperature=0.7, stop=("###",)),
    result=GenerationResult(
        text=" Hello!",
        finish_reason=FinishReason.CANCELLED,
        prompt_tokens=6,
        evaluated_prompt_tokens=2,
        completion_tokens=2,
        ttft_s=0.1,
        tokens_per_s=40.0,
        seed=42,
        tokens=(9, 10),
    ),
    model_path="/models/gemma.gguf",
    forced=(9,),
)


def test_a_record_survives_the_round_trip() -> None:
    assert record_from_bytes(record_to_bytes(RECORD)) == RECORD


def test_a_damaged_or_foreign_record_only_disables_replay() -> None:
    blob = record_to_bytes(RECORD)
    assert record_from_bytes(blob[: len(blob) // 2]) is None
    assert record_from_bytes(b"not zlib at all") is None
    assert record_from_bytes(zlib.compress(b'{"version": 99}')) is None
    assert record_from_bytes(zlib.compress(b"[1, 2, 3]")) is None


def test_a_zip_bomb_record_is_refused_without_inflating_it() -> None:
    bomb = zlib.compress(b" " * (80 * 1024 * 1024))
    assert len(bomb) < 200_000
    assert record_from_bytes(bomb) is None


def test_the_newest_conversation_s_id_is_not_reused_after_it_is_deleted(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as history:
        first = history.create_conversation()
        second = history.create_conversation()
        history.delete(second)
        third = history.create_conversation()
        assert len({first, second, third}) == 3 and third > second


def test_a_schema_1_database_is_migrated_with_its_conversations_kept(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    db = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    db.execute("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (7, 'old chat', 1, 1)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with HistoryStore(path) as history:
        assert [summary.id for summary in history.list_conversations()] == [7]
        history.delete(7)
        assert history.create_conversation() == 8
        reply_owner = history.create_conversation()
        history.add_user_message(reply_owner, "hi")
        reply = history.start_reply(reply_owner, "greedy")
        stats = RECORD.result
        from tui.core.chat.request import reply_stats

        history.finish_reply(reply, stats.text, reply_stats(RECORD.profile, stats), record_to_bytes(RECORD))
        loaded = history.get_conversation(reply_owner)
        assert loaded.records[0] is None and record_from_bytes(loaded.records[1] or b"") == RECORD
