"""Chat templates compiled and rendered exactly as Hugging Face transformers does, in a bounded sandbox.

transformers' ``apply_chat_template`` renders a model's ``chat_template`` in Jinja's
``ImmutableSandboxedEnvironment`` with ``trim_blocks`` and ``lstrip_blocks``, the loop controls
(``{% break %}``, ``{% continue %}``), a pass-through ``{% generation %}`` tag, its own ``tojson`` (no HTML
escaping, ``ensure_ascii=False``), ``raise_exception``, ``strftime_now``, a ``dict`` without class access and a
``namespace`` that refuses underscore names; it passes ``tools`` and ``documents`` as ``None`` when there are
none. This module builds the same environment, so what a model was trained on is what it sees here (tested
against transformers on llama.cpp's template corpus, ``tests/test_template_corpus.py``).

The template is code from a downloaded file, so the sandbox is also bounded: every loop, call, operator on
strings and lists and every piece of output is counted against ``RenderLimits`` (``template_meter.py``,
``template_ops.py``), and the source is checked for size and nesting before Jinja parses it. Whatever the
template does wrong (``raise_exception``, an undefined name, ``1/0``, a ``__class__`` walk, a limit crossed)
comes out as one ``TemplateError`` line; nothing it does reaches Python beyond the sandbox.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

from tui.core.errors import UserError
from tui.engine import template_ops as ops
from tui.engine.template_meter import CURRENT, LimitExceeded, Meter, RenderLimits, current, weight

__all__ = ["CompiledTemplate", "RenderLimits", "TemplateError", "TemplateStopped", "compile_template"]

DEFAULT_LIMITS = RenderLimits()
_OPENERS = {"for", "if", "macro", "call", "filter", "block", "generation", "with", "autoescape", "trans"}


class TemplateError(UserError):
    """The model's chat template refused the conversation, is broken, or was stopped by its limits."""


class TemplateStopped(TemplateError):
    """The template was stopped: it crossed a limit or reached for Python internals. No honest template
    does either, whatever the conversation (unlike ``raise_exception`` on roles it does not take)."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split()) or "(no message)"


def _raise_exception(message: object) -> None:
    raise jinja2.exceptions.TemplateError(str(message))


class _GenerationTag(jinja2.ext.Extension):
    """``{% generation %}...{% endgeneration %}``: transformers marks the assistant's text with it to build
    training masks; rendering, it writes its body unchanged."""

    tags = {"generation"}

    def parse(self, parser: jinja2.parser.Parser) -> list[nodes.Node]:
        next(parser.stream)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


class _TemplateDict:
    """transformers' ``dict`` global: builds dicts, offers ``fromkeys``, and is no class to walk from."""

    def __call__(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return dict(*args, **kwargs)

    def fromkeys(self, *args: Any) -> dict[Any, Any]:
        return dict.fromkeys(*args)


class _TemplateNamespace(Namespace):
    """transformers' ``namespace``: names starting with ``_`` are refused, so no attribute of CPython's can
    be stored or shadowed."""

    def __init__(*args: Any, **kwargs: Any) -> None:  # noqa: N805 - Jinja's own signature trick
        self, rest = args[0], args[1:]
        attrs = dict(*rest, **kwargs)
        for name in attrs:
            _TemplateNamespace._check(name)
        Namespace.__init__(self, attrs)

    def __setitem__(self, name: str, value: Any) -> None:
        _TemplateNamespace._check(name)
        Namespace.__setitem__(self, name, value)

    @staticmethod
    def _check(name: object) -> None:
        if isinstance(name, str) and name.startswith("_"):
            raise SecurityError(f"a chat template may not store {name!r} on a namespace")


class _MeteredCodeGenerator(CodeGenerator):
    """Jinja's code generator with every output piece, and every ``~`` concatenation, sent through the
    environment's meter (the template cannot name ``environment``)."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        self.write("environment.metered_str(")
        if finalize.src is not None:
            self.write(finalize.src)

    def _output_const_repr(self, group: Any) -> str:
        return f"environment.metered_const({super()._output_const_repr(group)})"

    def start_write(self, frame: Frame, node: nodes.Node | None = None) -> None:
        super().start_write(frame, node)
        self.write("environment.metered_str(")

    def end_write(self, frame: Frame) -> None:
        self.write(")")
        super().end_write(frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.metered_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox transformers uses, with every place a template can spend routed through the meter."""

    code_generator_class = _MeteredCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, limits: RenderLimits, clock: Callable[[], datetime]) -> None:
        super().__init__(trim_blocks=True, lstrip_blocks=True, extensions=[_GenerationTag, jinja2.ext.loopcontrols])
        self.limits = limits
        self.filters.update(ops.bounded_filters(limits))
        self.filters["tojson"] = ops.tojson(limits)
        self.globals.update(
            raise_exception=_raise_exception,
            strftime_now=ops.strftime_now(limits, clock),
            dict=_TemplateDict(),
            namespace=_TemplateNamespace,
            range=self.metered_range,
            lipsum=ops.lipsum(limits),
        )

    def meter(self) -> Meter:
        return current(self.limits)

    # -- what the generated code calls ---------------------------------------------------------------

    def metered_str(self, value: Any) -> str:
        meter = self.meter()
        if not isinstance(value, str):
            meter.will_build(weight(value, self.limits.max_size))
            value = str(value)
        meter.wrote(len(value))
        return value

    def metered_const(self, value: str) -> str:
        self.meter().wrote(len(value))
        return value

    def metered_concat(self, values: tuple[Any, ...]) -> str:
        meter = self.meter()
        meter.will_build(sum(weight(value, self.limits.max_size) for value in values))
        return "".join(str(value) for value in values)

    def metered_iter(self, iterable: Any) -> Any:
        meter = self.meter()
        for item in iterable:
            meter.step()
            yield item

    def metered_range(self, *args: int) -> range:
        values = range(*args)
        if len(values) > self.limits.max_range:
            raise LimitExceeded(
                f"it asked for a range of {len(values):,} numbers (the limit is {self.limits.max_range:,})"
            )
        return values

    # -- the sandbox's own hooks -----------------------------------------------------------------------

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        """Jinja returns an undefined value that fails only when used; printed, it would be empty. No real
        template reads an underscore attribute, so the first attempt stops the template."""
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        ops.check_binop(self.meter(), operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        meter = __self.meter()
        meter.step()
        args = ops.check_method(meter, __obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, (str, bytes, list, tuple)):  # what methods and macros build counts as built
            meter.will_build(len(result))
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template: str = value.__self__
        is_map = value.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            mapping = args[0] if is_map and args and isinstance(args[0], dict) else kwargs
            ops.check_format(self.meter(), template, () if is_map else args, mapping)
            return wrapped(*args, **kwargs)

        return bounded

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Parse, then route every ``{% for %}`` through ``metered_iter`` (the only loop that runs without
        calling anything the sandbox sees)."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(nodes.EnvironmentAttribute("metered_iter"), [loop.iter], [], None, None)
        return tree


def _check_source(env: _BoundedEnvironment, source: str, limits: RenderLimits) -> None:
    """Refuse sources too long or too deeply nested before Jinja's recursive parser and Python's compiler
    see them (both would fail deep inside, or take long)."""
    if len(source) > limits.max_source_chars:
        raise TemplateError(
            f"the model's chat template does not compile: it is {len(source):,} characters long "
            f"(the limit is {limits.max_source_chars:,})"
        )
    depth = 0
    after_block_start = False
    for _line, kind, value in env.lex(source):
        if kind == "whitespace":
            continue
        if kind == "operator" and value in "([{":
            depth += 1
        elif kind == "operator" and value in ")]}":
            depth -= 1
        elif after_block_start and kind == "name":
            if value in _OPENERS:
                depth += 1
            elif value.startswith("end") and value[3:] in _OPENERS:
                depth -= 1
        after_block_start = kind == "block_begin"
        if depth > limits.max_nesting:
            raise TemplateError(
                f"the model's chat template does not compile: it nests blocks or brackets more than "
                f"{limits.max_nesting} deep"
            )


class CompiledTemplate:
    """A chat template compiled once; ``render`` takes the messages and the template's variables."""

    def __init__(self, template: jinja2.Template, limits: RenderLimits) -> None:
        self._template = template
        self.limits = limits

    def render(
        self,
        messages: list[dict[str, Any]],
        *,
        add_generation_prompt: bool,
        bos_token: str = "",
        eos_token: str = "",
        **extra: Any,
    ) -> str:
        """The prompt, as transformers' ``apply_chat_template(..., tokenize=False)`` gives it; any failure of
        the template's is one ``TemplateError`` line."""
        variables: dict[str, Any] = {"tools": None, "documents": None, **extra}
        variables.update(
            messages=messages, add_generation_prompt=add_generation_prompt, bos_token=bos_token, eos_token=eos_token
        )
        token = CURRENT.set(Meter(self.limits, time.monotonic() + self.limits.seconds))
        try:
            return self._template.render(**variables)
        except LimitExceeded as error:
            raise TemplateStopped(f"the model's chat template was stopped: {error}") from None
        except SecurityError as error:
            raise TemplateStopped(
                f"the model's chat template was stopped: it tried to reach Python internals ({_one_line(error)})"
            ) from None
        except RecursionError:
            raise TemplateStopped("the model's chat template was stopped: it recursed too deeply") from None
        except MemoryError:
            raise TemplateStopped("the model's chat template was stopped: it ran out of memory") from None
        except jinja2.TemplateError as error:
            raise TemplateError(f"the model's chat template refused this conversation: {_one_line(error)}") from None
        except Exception as error:  # noqa: BLE001 - the template is code from a file: any error is its own
            raise TemplateError(
                f"the model's chat template refused this conversation: {type(error).__name__}: {_one_line(error)}"
            ) from None
        finally:
            CURRENT.reset(token)


def compile_template(
    source: str, *, limits: RenderLimits = DEFAULT_LIMITS, clock: Callable[[], datetime] = datetime.now
) -> CompiledTemplate:
    """Compile ``source`` in the bounded sandbox, or raise ``TemplateError`` saying why not. ``clock`` gives
    ``strftime_now`` its time (local time, as transformers uses).

    Compiled templates are kept (the load check and the prompt format compile the same source; a large real
    one takes 100 ms): a ``CompiledTemplate`` holds no state between renders, so sharing one is safe, also
    across threads."""
    return _compile_cached(source, limits, clock)


@functools.lru_cache(maxsize=8)
def _compile_cached(source: str, limits: RenderLimits, clock: Callable[[], datetime]) -> CompiledTemplate:
    env = _BoundedEnvironment(limits, clock)
    token = CURRENT.set(Meter(limits, time.monotonic() + limits.seconds))
    try:
        _check_source(env, source, limits)
        return CompiledTemplate(env.from_string(source), limits)
    except TemplateError:
        raise
    except jinja2.TemplateSyntaxError as error:
        where = f" (line {error.lineno})" if error.lineno else ""
        raise TemplateError(f"the model's chat template does not compile: {_one_line(error.message)}{where}") from None
    except (RecursionError, MemoryError):
        raise TemplateError("the model's chat template does not compile: it is nested too deeply") from None
    except LimitExceeded as error:
        raise TemplateError(f"the model's chat template does not compile: {error}") from None
    except Exception as error:  # noqa: BLE001 - Python's compiler on Jinja's output (too many nested blocks)
        raise TemplateError(
            f"the model's chat template does not compile: {type(error).__name__}: {_one_line(error)}"
        ) from None
    finally:
        CURRENT.reset(token)
