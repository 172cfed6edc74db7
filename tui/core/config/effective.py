"""Which layer each setting comes from: the first layer that sets a key wins.

The command line passes its layers in precedence order (flags, then the environment where a variable exists,
then ``config.toml``, then the built-in defaults), so ``shotglass config show`` can say where each value came
from and the chat gets the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Resolved:
    key: str
    value: Any
    source: str
    """The layer's name: "flag --ctx", "config /path/config.toml", "built-in"."""


@dataclass(frozen=True)
class Layer:
    name: str
    values: Mapping[str, Any]
    """None (or a missing key) = this layer does not set it."""


def resolve(keys: Sequence[str], layers: Sequence[Layer]) -> tuple[Resolved, ...]:
    out = []
    for key in keys:
        for layer in layers:
            value = layer.values.get(key)
            if value is not None:
                out.append(Resolved(key, value, layer.name))
                break
        else:
            out.append(Resolved(key, None, "unset"))
    return tuple(out)
