"""Streamed tokens reach the screen at display rate, none lost, the first at once."""

from __future__ import annotations

from tui.core.chat.batching import TokenBatcher


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_first_piece_goes_at_once_then_pieces_are_joined_per_interval() -> None:
    clock, sent = Clock(), []
    batcher = TokenBatcher(lambda text, count: sent.append((text, count)), interval=0.05, clock=clock)
    batcher.add("Hello", 1)
    assert sent == [("Hello", 1)]
    for count, piece in enumerate([" wor", "ld", ",", " again"], start=2):
        clock.now += 0.0125
        batcher.add(piece, count)
    assert sent == [("Hello", 1), (" world, again", 5)]  # 0.05 s after the first flush
    clock.now += 0.01
    batcher.add("!", 6)
    batcher.flush()
    assert sent[-1] == ("!", 6)
    assert "".join(text for text, _count in sent) == "Hello world, again!"


def test_tokens_with_no_visible_text_still_move_the_count_and_flush_is_idempotent() -> None:
    clock, sent = Clock(), []
    batcher = TokenBatcher(lambda text, count: sent.append((text, count)), interval=0.05, clock=clock)
    batcher.add("", 1)  # a stop string may be starting: no text yet, but the gauge should rise
    clock.now += 0.01
    batcher.add("", 2)
    batcher.flush()
    batcher.flush()
    assert sent == [("", 1), ("", 2)]
