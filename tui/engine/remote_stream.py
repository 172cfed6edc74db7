"""One streamed completion from a server, read event by event within limits the client sets.

A server is not trusted to stop: it may ignore ``max_tokens`` (one did, for 1.2 million tokens), stream
forever, trickle a byte at a time, or stop answering. So the reply ends here at ``max_new_tokens`` chunks
of text, or at a text budget, as ``length``; and a ``Watchdog`` hangs up at a deadline that moves with the
reply: the first token may take the idle timeout plus time for the prompt (a server evaluates it before
answering), each next token the idle timeout, the whole reply a bound from ``max_new_tokens``. Deadlines
count tokens, not bytes, so keep-alive comments or a trickle of bytes do not keep a stalled reply alive.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass

from tui.core.chat.stops import StopScanner
from tui.core.contract import TextCallback
from tui.core.errors import ModelError
from tui.engine.remote_http import MAX_JSON_BYTES, Watchdog, iter_sse, parse_json, read_bounded

PROMPT_EVAL_FLOOR_TOK_S = 100.0
"""Before the first token a server evaluates the prompt: allowed at least this slow, on top of the idle
timeout (an 8k-token prompt gets 82 s more)."""
GENERATION_FLOOR_TOK_S = 1.0
"""The whole reply may take the first token's allowance plus one second per token asked for."""
TRAILER_WAIT_S = 2.0
"""Once ``max_new_tokens`` arrived, how long to wait for the server's finish reason and usage."""
TEXT_PER_TOKEN = 1024
TEXT_BASE = 64 * 1024
"""A reply's text is bounded too: a token is a few bytes, a chunk of a megabyte is not one token."""
MAX_COUNT = 1 << 31
"""Token counts a server reports are believed up to this; a 2^70 ``completion_tokens`` is ignored."""


@dataclass(frozen=True)
class Deadlines:
    idle_s: float
    first_token_s: float
    overall_s: float

    @classmethod
    def for_reply(
        cls, idle_s: float, prompt_tokens: int, max_new_tokens: int, overall_s: float | None = None
    ) -> "Deadlines":
        first = idle_s + prompt_tokens / PROMPT_EVAL_FLOOR_TOK_S
        overall = overall_s if overall_s is not None else first + max_new_tokens / GENERATION_FLOOR_TOK_S
        return cls(idle_s=idle_s, first_token_s=min(first, overall), overall_s=overall)


class ReplyStream:
    """The state of one streamed reply, filled event by event."""

    def __init__(
        self, scanner: StopScanner, on_text: TextCallback, *, max_tokens: int, url: str, deadlines: Deadlines
    ) -> None:
        self.scanner = scanner
        self.on_text = on_text
        self.max_tokens = max_tokens
        self.url = url
        self.deadlines = deadlines
        self.started = time.monotonic()
        self.completion = 0
        self.first_at: float | None = None
        self.server_finish: str | None = None
        self.done = False
        self.length_reached = False
        """``max_new_tokens`` chunks of text arrived, or the text budget ran out: the reply is ``length``."""
        self.overflowed = False
        """The server sent text past that (it ignores ``max_tokens``): reading stopped there."""
        self.stop_type: str | None = None
        """Why llama-server ended the reply (``eos``, ``word``: a stop string it cut, ``limit``), from its
        native stream; ``None`` where the server only says ``stop`` or ``length``."""
        self.usage: dict = {}
        self.timings: dict = {}
        self._pending = 0
        """Native-stream tokens whose text the server is holding back (a stop string may be starting)."""
        self.error: ModelError | None = None
        self._text_left = TEXT_BASE + max_tokens * TEXT_PER_TOKEN
        self._watchdog: Watchdog | None = None

    @property
    def first_deadline(self) -> float:
        return self.started + self.deadlines.first_token_s

    def read(
        self, response: http.client.HTTPResponse, cancel: threading.Event, *, is_sse: bool, watchdog: Watchdog | None
    ) -> None:
        """Read until the reply ends, a limit is hit or the watchdog hangs up; errors land in ``error``."""
        self._watchdog = watchdog
        try:
            self._read(response, cancel, is_sse)
        except ModelError as error:
            self.error = error
        except (OSError, http.client.HTTPException):
            if not self._expired():
                raise
        if self._expired() and not cancel.is_set():
            self._deadline_passed()

    def _read(self, response: http.client.HTTPResponse, cancel: threading.Event, is_sse: bool) -> None:
        if not is_sse:  # a server that ignored stream=true and answered with one JSON completion
            raw = read_bounded(response, MAX_JSON_BYTES, "a completion")
            self._event("message", raw.decode("utf-8", errors="replace"))
            self.done = self.error is None
            return
        for event, data in iter_sse(response):
            if cancel.is_set():
                return
            if event != "error" and data.strip() == "[DONE]":
                self.done = True
                return
            self._event(event, data)
            if self.error is not None or self.scanner.stopped or self.overflowed:
                return

    def _expired(self) -> bool:
        return self._watchdog is not None and self._watchdog.expired

    def _deadline_passed(self) -> None:
        if self.length_reached:
            return  # only the trailer (finish reason, usage) was still due
        now = time.monotonic()
        if now - self.started >= self.deadlines.overall_s - 0.05:
            self.error = ModelError(f"{self.url} did not finish the reply within {self.deadlines.overall_s:.3g} s")
        else:
            wait = self.deadlines.first_token_s if self.first_at is None else self.deadlines.idle_s
            self.error = ModelError(f"{self.url} did not answer within {wait:.3g} s")

    def _progress(self) -> None:
        """A token arrived: the next may take the idle timeout, within the whole reply's deadline."""
        if self._watchdog is None:
            return
        wait = TRAILER_WAIT_S if self.length_reached else self.deadlines.idle_s
        self._watchdog.deadline = min(self.started + self.deadlines.overall_s, time.monotonic() + wait)

    def _event(self, event: str, data: str) -> None:
        try:
            payload = parse_json(data)
        except ValueError:
            snippet = " ".join(data[:200].split())[:60]
            self.error = ModelError(f"the server sent malformed JSON in the stream: {snippet!r}")
            return
        if event == "error" or (isinstance(payload, dict) and "error" in payload):
            detail = payload.get("error", payload) if isinstance(payload, dict) else payload
            if isinstance(detail, dict):
                detail = detail.get("message") or detail
            self.error = ModelError(f"the server reported an error mid-reply: {' '.join(str(detail).split())[:300]}")
            return
        if not isinstance(payload, dict):
            self.error = ModelError("the server sent an unexpected event in the stream (not a JSON object)")
            return
        if isinstance(payload.get("usage"), dict):
            self.usage = payload["usage"]
        if isinstance(payload.get("timings"), dict):
            self.timings = payload["timings"]
        if "choices" not in payload and "content" in payload:
            self._native(payload)
            return
        choices = payload.get("choices")
        if not isinstance(choices, list) or not choices:
            return
        choice = choices[0] if isinstance(choices[0], dict) else {}
        text = choice.get("text")
        if isinstance(text, str) and text:
            self._text(text)
        if isinstance(choice.get("finish_reason"), str):
            self.server_finish = choice["finish_reason"]

    def _native(self, payload: dict) -> None:
        """llama-server's own ``/completion`` stream: one event per token (its text may be empty while a stop
        string might be starting), then a final event with ``stop: true``, why it stopped and the counts."""
        content = payload.get("content")
        content = content if isinstance(content, str) else ""
        if payload.get("stop") is not True:
            self._pending += 1
            if content:
                self._text(content, tokens=self._pending)
                self._pending = 0
            else:
                if self.first_at is None:
                    self.first_at = time.perf_counter()
                if self.completion + self._pending >= self.max_tokens:
                    self.length_reached = True
                self._progress()
            return
        if content:  # not sent when streaming; kept if a server does
            self._text(content, tokens=0)
        stop_type = payload.get("stop_type")
        self.stop_type = stop_type if stop_type in ("eos", "word", "limit") else None
        self.server_finish = "length" if stop_type == "limit" else "stop"
        if isinstance(payload.get("timings"), dict):
            self.timings = payload["timings"]
        predicted = positive(payload.get("tokens_predicted"))
        if predicted is not None and stop_type == "eos":
            predicted -= 1  # the end-of-sequence token is counted there; it is not part of the reply
        self.usage = {"prompt_tokens": payload.get("tokens_evaluated"), "completion_tokens": predicted}

    def _text(self, text: str, tokens: int = 1) -> None:
        if self.length_reached:
            self.overflowed = True  # past max_new_tokens: a server that ignores max_tokens; dropped
            return
        if len(text) > self._text_left:
            text = text[: self._text_left]
            self.length_reached = self.overflowed = True
        self._text_left -= len(text)
        if self.first_at is None:
            self.first_at = time.perf_counter()
        self.completion += tokens
        self.on_text(self.scanner.feed(text), self.completion)
        if self.completion >= self.max_tokens:
            self.length_reached = True
        self._progress()


def positive(value: object) -> int | None:
    """A count a server reported, if it is a plausible one."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_COUNT:
        return value
    return None
