"""Streamed tokens reach the screen at display rate, none lost, the first at once."""

from __future__ import annotations

from tui.core.chat.batching import TokenBatcher
from tui.core.chat.display_pace import DisplayPace


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_first_piece_goes_at_once_then_pieces_are_joined_per_interval() -> None:
    clock, sent = Clock(), []
    batcher = TokenBatcher(lambda text, count: sent.append((text, count)), pace=DisplayPace(fastest=0.05), clock=clock)
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
    batcher = TokenBatcher(lambda text, count: sent.append((text, count)), pace=DisplayPace(fastest=0.05), clock=clock)
    batcher.add("", 1)  # a stop string may be starting: no text yet, but the gauge should rise
    clock.now += 0.01
    batcher.add("", 2)
    batcher.flush()
    batcher.flush()
    assert sent == [("", 1), ("", 2)]


def test_the_batcher_follows_an_interval_the_ui_lengthens_while_it_streams() -> None:
    clock, sent, pace = Clock(), [], DisplayPace(fastest=0.1, slowest=0.25)
    batcher = TokenBatcher(lambda text, count: sent.append((text, count)), pace=pace, clock=clock)
    batcher.add("a", 1)
    pace.interval = 0.2  # what the UI thread writes when its frames cost too much
    for count in range(2, 8):
        clock.now += 0.05
        batcher.add("b", count)
    assert [count for _text, count in sent] == [1, 5]  # 0.2 s after the first, not 0.1


class UiThread:
    """The UI thread's CPU clock and the wall clock, its cost per frame fixed (as a frame's is, whatever the
    rate): ``run`` reports to ``pace`` once a second (two windows), as batches would."""

    def __init__(self, pace: DisplayPace) -> None:
        self.pace, self.cpu, self.wall = pace, 0.0, 0.0
        pace.begin()
        pace.observe(self.cpu, self.wall)

    def run(self, seconds: int, cpu_per_s_at_fastest: float) -> list[float]:
        per_frame = cpu_per_s_at_fastest * self.pace.fastest
        intervals = []
        for _ in range(seconds):
            self.cpu += per_frame / self.pace.interval
            self.wall += 1.0
            self.pace.observe(self.cpu, self.wall)
            intervals.append(self.pace.interval)
        return intervals


def test_cheap_frames_stay_at_ten_a_second() -> None:
    pace = DisplayPace(budget=0.03)
    assert UiThread(pace).run(10, cpu_per_s_at_fastest=0.02) == [0.1] * 10


def test_costly_frames_slow_the_display_until_the_ui_meets_its_budget() -> None:
    pace = DisplayPace(budget=0.03)
    intervals = UiThread(pace).run(12, cpu_per_s_at_fastest=0.06)
    assert intervals[0] > 0.1
    share = 0.06 * 0.1 / intervals[-1]  # the UI's share at the interval reached
    assert abs(share - 0.03) < 0.002
    assert all(later >= earlier - 1e-9 for earlier, later in zip(intervals, intervals[1:]))


def test_the_display_never_slows_past_four_a_second_and_speeds_up_again() -> None:
    pace = DisplayPace(budget=0.03)
    ui = UiThread(pace)
    assert ui.run(6, cpu_per_s_at_fastest=0.5)[-1] == 0.25
    assert ui.run(8, cpu_per_s_at_fastest=0.01)[-1] == 0.1  # the chat got cheap again (e.g. Ctrl+N)


def test_the_next_reply_starts_at_the_rate_reached_and_the_pause_between_is_no_window() -> None:
    pace = DisplayPace(budget=0.03)
    reached = UiThread(pace).run(8, cpu_per_s_at_fastest=0.06)[-1]
    pace.begin()
    pace.observe(5.0, 100.0)  # the next reply, long after: an idle minute would have read as a cheap window
    assert pace.interval == reached
    pace.observe(5.0 + 0.06 * 0.1 / reached, 101.0)
    assert abs(pace.interval - reached) < 0.005


def test_less_than_a_window_changes_nothing() -> None:
    pace = DisplayPace(window=0.5)
    pace.observe(0.0, 0.0)
    pace.observe(0.4, 0.4)  # all UI, but not yet a window
    assert pace.interval == pace.fastest
