"""While a reply streams the gauge is redrawn at most twice a second, and always shows the first batch."""

from __future__ import annotations

from types import SimpleNamespace

from tui.ui.chat.gauge_meter import STREAM_REDRAW_S, GaugeMeter


def test_the_streaming_gauge_redraws_at_most_every_half_second() -> None:
    now = [100.0]
    gauge = SimpleNamespace(counts=None, problem="old")
    meter = GaugeMeter(host=None, gauge=gauge, source=lambda: None, clock=lambda: now[0])  # type: ignore[arg-type]
    meter.start_stream(prompt_tokens=40, reserve=256, n_ctx=2048)
    assert gauge.counts.history == 40 and gauge.problem is None
    meter.streamed(3)
    assert gauge.counts.history == 43 and gauge.counts.reserve == 253  # the first batch is shown at once
    now[0] += STREAM_REDRAW_S / 5
    meter.streamed(8)
    assert gauge.counts.history == 43  # too soon: not redrawn
    now[0] += STREAM_REDRAW_S
    meter.streamed(20)
    assert gauge.counts.history == 60
    meter.end_stream()
    now[0] += STREAM_REDRAW_S
    meter.streamed(21)  # a batch that arrives after the reply ended changes nothing
    assert gauge.counts.history == 60
