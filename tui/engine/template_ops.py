"""The operations a chat template can make expensive, each checked against the running ``Meter`` first.

Every check estimates the size of what is about to be built (``"x" * n``, ``"%*s"``, ``center(n)``,
``join`` with a long separator, ``replace("", ...)``) from the operands, before Python allocates it, so a
refusal costs microseconds and no memory. What comes out is what the unchecked operation gives.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import wraps
from typing import Any

from jinja2.defaults import DEFAULT_FILTERS

from tui.engine.template_meter import LimitExceeded, Meter, RenderLimits, current, weight

_SEQUENCES = (str, bytes, bytearray, list, tuple)
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_MAX_POW_BITS = 65_536
"""The largest integer ``**`` or ``*`` may produce (about 20,000 digits: more than any template needs)."""


def _size_of(meter: Meter, value: Any) -> int:
    return weight(value, meter.limits.max_size)


def check_binop(meter: Meter, operator: str, left: Any, right: Any) -> None:
    """Refuse ``left <operator> right`` when its result would be over the limits."""
    meter.step()
    if operator == "*":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, _SEQUENCES) and isinstance(count, int):
                meter.will_build(_size_of(meter, seq) * max(count, 0))
                return
        if isinstance(left, int) and isinstance(right, int):
            _check_bits(meter, abs(left).bit_length() + abs(right).bit_length())
    elif operator == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            meter.will_build(_size_of(meter, left) + _size_of(meter, right))
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            _check_bits(meter, math.ceil(right * math.log2(abs(left))))
    elif operator == "%" and isinstance(left, str):
        check_percent(meter, left, right)


def _check_bits(meter: Meter, bits: int) -> None:
    if bits > _MAX_POW_BITS:
        raise LimitExceeded(f"it tried to compute a number of {bits:,} bits")


def check_percent(meter: Meter, template: str, args: Any) -> None:
    """``template % args``: every width and precision, and every argument, is bounded before formatting."""
    values = list(args.values()) if isinstance(args, Mapping) else list(args) if isinstance(args, tuple) else [args]
    widths = 0
    for spec in _PERCENT_SPEC.finditer(template):
        for part in spec.groups():
            if part == "*":
                widths += max((abs(v) for v in values if isinstance(v, int)), default=0)
            elif part:
                widths += int(part) if len(part) < 12 else meter.limits.max_size + 1
    meter.will_build(len(template) + widths + sum(_size_of(meter, value) for value in values))


def check_format(meter: Meter, template: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """``template.format(...)``: the digits in its specs (``{:>999999}``), the widths its nested fields take
    from the arguments (``{:>{w}}``) and the arguments themselves are bounded."""
    values = [*args, *kwargs.values()]
    too_long = meter.limits.max_size + 1
    widths = 0
    for _text, _field, spec, _conversion in string.Formatter().parse(template):
        if not spec:
            continue
        widths += sum(int(digits) if len(digits) < 12 else too_long for digits in re.findall(r"\d+", spec))
        if "{" in spec:
            widths += sum(abs(value) for value in values if isinstance(value, int))
    meter.will_build(len(template) + widths + sum(_size_of(meter, value) for value in values))


def check_method(meter: Meter, method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
    """Bound the string methods that can grow a string (``center``, ``ljust``, ``join``, ``replace``...);
    returns the arguments to call with (an iterator given to ``join`` is read once, here)."""
    owner = getattr(method, "__self__", None)
    if not isinstance(owner, (str, bytes, bytearray)):
        return args
    name = getattr(method, "__name__", "")
    if name in ("center", "ljust", "rjust", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int):
            meter.will_build(max(width, len(owner)))
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tabsize, int):
            tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
            meter.will_build(len(owner) + max(tabsize, 0) * tabs)
    elif name == "join" and args:
        items = materialize(meter, args[0])
        meter.will_build(sum(_size_of(meter, item) for item in items) + len(owner) * max(len(items) - 1, 0))
        return (items, *args[1:])
    elif name == "replace" and len(args) >= 2:
        check_replace(meter, owner, args[0], args[1], args[2] if len(args) > 2 else -1)
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((len(v) for v in args[0].values() if isinstance(v, (str, bytes))), default=1)
        meter.will_build(len(owner) * max(longest, 1))
    return args


def check_replace(meter: Meter, text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if not isinstance(text, (str, bytes, bytearray)) or not isinstance(old, type(text)):
        return
    found = len(text) + 1 if not old else text.count(old)  # type: ignore[arg-type]
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    meter.will_build(len(text) + found * max(_size_of(meter, new) - len(old), 0))


def materialize(meter: Meter, iterable: Any) -> list[Any]:
    """The items of ``iterable`` as a list, counted as they are read (a lazy ``map`` is read only once)."""
    if isinstance(iterable, (list, tuple)):
        return list(iterable)
    items = []
    for item in iterable:
        meter.step()
        items.append(item)
    return items


# -- filters -------------------------------------------------------------------------------------------


def _bounded(
    name: str, check: Callable[..., tuple[tuple[Any, ...], dict[str, Any]] | None], limits: RenderLimits
) -> Callable[..., Any]:
    """Jinja's filter ``name`` with ``check`` run on its arguments first (after the context argument that
    ``pass_eval_context`` / ``pass_environment`` filters take). ``check`` may return replaced arguments."""
    original = DEFAULT_FILTERS[name]
    skip = 1 if getattr(original, "jinja_pass_arg", None) is not None else 0

    @wraps(original)
    def filtered(*args: Any, **kwargs: Any) -> Any:
        head, rest = args[:skip], args[skip:]
        replaced = check(current(limits), *rest, **kwargs)
        if replaced is not None:
            rest, kwargs = replaced
        return original(*head, *rest, **kwargs)

    return filtered


def _arg(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str, default: Any) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _center(meter: Meter, *args: Any, **kwargs: Any) -> None:
    width = _arg(args, kwargs, 1, "width", 80)
    meter.will_build(max(_size_of(meter, args[0]) if args else 0, width if isinstance(width, int) else 0))


def _indent(meter: Meter, *args: Any, **kwargs: Any) -> None:
    text = str(args[0]) if args and _size_of(meter, args[0]) <= meter.limits.max_size else ""
    width = _arg(args, kwargs, 1, "width", 4)
    pad = width if isinstance(width, int) else _size_of(meter, width)
    meter.will_build(len(text) + (text.count("\n") + 1) * max(pad, 0))


def _format(meter: Meter, *args: Any, **kwargs: Any) -> None:
    if args and isinstance(args[0], str):
        check_percent(meter, args[0], kwargs or tuple(args[1:]))


def _join(meter: Meter, *args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    items = materialize(meter, args[0]) if args else []
    separator = _arg(args, kwargs, 1, "d", "")
    meter.will_build(sum(_size_of(meter, item) for item in items) + _size_of(meter, separator) * max(len(items) - 1, 0))
    return (items, *args[1:]), kwargs


def _replace(meter: Meter, *args: Any, **kwargs: Any) -> None:
    if len(args) >= 3:
        check_replace(
            meter,
            str(args[0]) if isinstance(args[0], str) else args[0],
            str(args[1]),
            args[2],
            _arg(args, kwargs, 3, "count", -1),
        )


def _sum(meter: Meter, *args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    start = _arg(args, kwargs, 2, "start", 0)
    if not isinstance(start, _SEQUENCES) or not args:
        return None
    items = materialize(meter, args[0])
    meter.will_build(_size_of(meter, start) + sum(_size_of(meter, item) for item in items))
    return (items, *args[1:]), kwargs


def _count_arg(index: int, name: str, limit: Callable[[RenderLimits], int]) -> Callable[..., None]:
    def check(meter: Meter, *args: Any, **kwargs: Any) -> None:
        count = _arg(args, kwargs, index, name, 0)
        if isinstance(count, int) and count > limit(meter.limits):
            raise LimitExceeded(f"it asked for {count:,} pieces (the limit is {limit(meter.limits):,})")

    return check


def _wordwrap(meter: Meter, *args: Any, **kwargs: Any) -> None:
    wrap = _arg(args, kwargs, 4, "wrapstring", None)
    size = _size_of(meter, args[0]) if args else 0
    meter.will_build(size * (1 + (_size_of(meter, wrap) if wrap is not None else 1)))


def _whole(meter: Meter, *args: Any, **kwargs: Any) -> None:
    """Filters that turn their whole input into text (``string``, ``pprint``, ``list``)."""
    if args:
        meter.will_build(_size_of(meter, args[0]))


SLOW_SHARE = 10
"""Filters that spend Python code per item or word (``sort`` and ``unique`` with their key functions,
``urlize``, ``title``) take a tenth of ``max_size``: one call on a full-size input would take about a second,
and a single call cannot be stopped midway."""


def _slow(meter: Meter, *args: Any, **kwargs: Any) -> None:
    if args:
        size, limit = _size_of(meter, args[0]), meter.limits.max_size // SLOW_SHARE
        if size > limit:
            raise LimitExceeded(f"it gave a filter {size:,} items to sort or scan (the limit is {limit:,})")
        meter.will_build(size)


def bounded_filters(limits: RenderLimits) -> dict[str, Callable[..., Any]]:
    """The default filters whose cost grows with an argument, each checked first."""
    checks: dict[str, Callable[..., Any]] = {
        "center": _center,
        "indent": _indent,
        "format": _format,
        "join": _join,
        "replace": _replace,
        "sum": _sum,
        "batch": _count_arg(1, "linecount", lambda limits: limits.max_size),
        "slice": _count_arg(1, "slices", lambda limits: limits.max_range),
        "wordwrap": _wordwrap,
    }
    for name in ("string", "pprint", "list", "escape", "e", "forceescape"):
        checks[name] = _whole
    for name in ("sort", "unique", "dictsort", "groupby", "urlize", "striptags", "title", "wordcount"):
        checks[name] = _slow
    return {name: _bounded(name, check, limits) for name, check in checks.items()}


def tojson(limits: RenderLimits) -> Callable[..., str]:
    """transformers' ``tojson`` filter (no HTML escaping, ``ensure_ascii=False``, indent, separators,
    sort_keys), with its input and its indent bounded."""

    def to_json(
        value: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None, sort_keys: bool = False
    ) -> str:
        meter = current(limits)
        size = _size_of(meter, value)
        pad = indent if isinstance(indent, int) else _size_of(meter, indent) if indent is not None else 0
        spread = _size_of(meter, separators) if separators is not None else 2
        meter.will_build(size * (1 + max(pad, 0) + spread))
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    return to_json


def strftime_now(limits: RenderLimits, clock: Callable[[], datetime]) -> Callable[[str], str]:
    """transformers' ``strftime_now(format)``: the clock's time, formatted; the clock is injectable so tests
    pin the date."""

    def now(format: str) -> str:
        current(limits).will_build(_size_of(current(limits), format) * 8)
        return clock().strftime(format)

    return now


def lipsum(limits: RenderLimits) -> Callable[..., str]:
    """Jinja's ``lipsum`` with its paragraph and word counts bounded (no real template uses it)."""
    from jinja2.utils import generate_lorem_ipsum

    def bounded(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        current(limits).will_build(abs(n) * abs(max) * 12)
        return generate_lorem_ipsum(n=n, html=html, min=min, max=max)

    return bounded
