"""What the chat keeps about each reply it generated, so replay can reproduce it, the inspector can re-score
it exactly and "fork from here" can continue it: the prompt, the sampling parameters, the tokens and the model.

The record is stored with the reply (zlib-compressed JSON in the history), so a resumed chat can still be
replayed and inspected. A record that cannot be read back only disables those two actions for that reply.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass
from typing import Any

from tui.core.chat.conversation import FinishReason
from tui.core.contract import GenerationResult, SamplingParams
from tui.core.errors import UserError
from tui.core.profiles.profile import DecodingProfile, parse_profile

RECORD_VERSION = 1
MAX_RECORD_BYTES = 64 * 1024 * 1024
"""A stored record inflates to at most this much: a damaged or hostile row cannot exhaust memory."""


@dataclass(frozen=True)
class ReplyRecord:
    prompt: str
    params: SamplingParams
    profile: DecodingProfile
    result: GenerationResult
    model_path: str
    forced: tuple[int, ...] = ()
    """Tokens a fork forced at the start of the reply: a replay forces them again."""

    @property
    def reused_prefix(self) -> int:
        """Prompt tokens the original took from the KV cache (forced tokens are always evaluated)."""
        return max(0, self.result.prompt_tokens + len(self.forced) - self.result.evaluated_prompt_tokens)


def record_to_bytes(record: ReplyRecord) -> bytes:
    result = asdict(record.result)
    result["finish_reason"] = record.result.finish_reason.value
    data = {
        "version": RECORD_VERSION,
        "prompt": record.prompt,
        "params": asdict(record.params),
        "profile": record.profile.to_dict(),
        "result": result,
        "model_path": record.model_path,
        "forced": list(record.forced),
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), level=6)


def record_from_bytes(blob: bytes) -> ReplyRecord | None:
    """The stored record, or None if it is missing, from a newer shotglass, or damaged."""
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(blob, MAX_RECORD_BYTES)
        if inflater.unconsumed_tail:
            return None
        data: Any = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            return None
        params = data["params"]
        params["stop"] = tuple(params["stop"])
        result = data["result"]
        result["finish_reason"] = FinishReason(result["finish_reason"])
        result["tokens"] = tuple(int(token) for token in result["tokens"])
        return ReplyRecord(
            prompt=str(data["prompt"]),
            params=SamplingParams(**params),
            profile=parse_profile(data["profile"], "stored reply"),
            result=GenerationResult(**result),
            model_path=str(data["model_path"]),
            forced=tuple(int(token) for token in data["forced"]),
        )
    except (zlib.error, UnicodeDecodeError, ValueError, KeyError, TypeError, UserError):
        return None
