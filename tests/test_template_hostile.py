"""Hostile chat templates are refused: one ``TemplateError`` line, fast, memory bounded, no Python reached.

A GGUF's template is code from a downloaded file. Each case here is one way such code can escape the sandbox
(attribute walks to ``__class__``, ``__globals__``), run forever (``range(10**9)``, nested loops, exponential
recursion) or exhaust memory (string and list multiplication, ``%``/``format``/``center`` width bombs, a string
doubled in a loop, output floods, ``join`` with a huge separator). The last tests put such templates into a
copy of the embedded GGUF and run ``shotglass ask`` and the TUI on it.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from gguf_mutants import STRING, encode, write_mutant
from ui_helpers import make_app, open_model_picker, wait_for

from tui.core.loading_engine import LoadingEngine
from tui.engine.template_sandbox import RenderLimits, TemplateError, TemplateStopped, compile_template

LIMITS = RenderLimits()
MESSAGES = [{"role": "user", "content": "Hello."}]
MEMORY_CEILING = 48 * 2**20
"""The most a refused render may allocate (traced by tracemalloc): a few of the 1 MB strings it may build."""
FAST = LIMITS.seconds + 1.0
"""Refused within the time limit (plus slack for a loaded machine); most cases take milliseconds."""

ESCAPES = {
    "str_class_walk": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "cycler_globals": "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "joiner_globals": "{{ joiner.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "namespace_globals": "{{ namespace.__init__.__globals__['os'].system('touch MARKER') }}",
    "self_init": "{{ self.__init__.__globals__.__builtins__.open('MARKER', 'w') }}",
    "self_private_context": "{{ self._TemplateReference__context }}",
    "lipsum_globals": "{{ lipsum.__globals__['os'].system('touch MARKER') }}",
    "dict_class": "{{ dict.__class__.__base__.__subclasses__() }}",
    "namespace_dunder_store": "{% set ns = namespace() %}{% set ns.__class__ = 1 %}",
    "namespace_underscore_keyword": "{% set ns = namespace(_private=1) %}",
    "namespace_internal_attrs": "{% set ns = namespace() %}{{ ns._Namespace__attrs }}",
    "loop_internals": "{% for x in [1] %}{{ loop._iterator }}{% endfor %}",
    "format_attribute_walk": "{{ '{0.__class__.__mro__}'.format('') }}",
    "attr_filter": "{{ ''|attr('__class__') }}",
    "include": "{% include '/etc/passwd' %}",
    "import": "{% import 'os' as os %}{{ os.system('touch MARKER') }}",
}

BOMBS = {
    "range_1e9": "{% for i in range(10**9) %}{% endfor %}",
    "range_list_1e9": "{{ range(10**9)|list }}",
    "nested_loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "nested_list_loops": "{% set l = range(100000)|list %}{% for a in l %}{% for b in l %}{% endfor %}{% endfor %}",
    "string_times": "{{ 'x' * 10**9 }}",
    "string_times_variable": "{% set n = 10**9 %}{{ 'ab' * n }}",
    "list_times": "{{ [1, 2] * 10**9 }}",
    "aliased_list_times": "{% set l = range(100000)|list %}{{ ([l] * 100000)|string }}",
    "aliased_list_sort": "{% set l = range(100000)|list %}{{ ([l] * 100000)|sort|first }}",
    "format_filter_width": "{{ '%999999999s'|format('x') }}",
    "percent_width": "{{ '%999999999d' % 1 }}",
    "percent_star_width": "{{ '%*s' % (999999999, 'x') }}",
    "percent_of_huge_value": "{% set l = range(100000)|list %}{{ '%s' % ([l] * 1000,) }}",
    "str_format_width": "{{ '{:>999999999}'.format('x') }}",
    "str_format_nested_width": "{{ '{:>{w}}'.format('x', w=999999999) }}",
    "center_filter": "{{ 'x'|center(999999999) }}",
    "center_method": "{{ 'x'.center(999999999) }}",
    "ljust_method": "{{ 'x'.ljust(999999999) }}",
    "zfill_method": "{{ '1'.zfill(999999999) }}",
    "expandtabs": "{{ ('\t' * 1000).expandtabs(999999) }}",
    "indent_filter": "{{ ('a\n' * 1000)|indent(10000000) }}",
    "join_huge_separator": "{{ range(100000)|join('x' * 100000) }}",
    "join_method_huge_separator": "{{ ('x' * 100000).join(range(100000)|map('string')) }}",
    "replace_empty": "{{ ('a' * 100000)|replace('', 'b' * 100000) }}",
    "translate_table": "{{ ('a' * 100000).translate({97: 'b' * 100000}) }}",
    "wordwrap": "{{ ('x' * 900000)|wordwrap(1, wrapstring='y' * 1000) }}",
    "batch_fill": "{{ [1]|batch(999999999, 0)|list }}",
    "slice_count": "{{ [1]|slice(999999999)|list }}",
    "sum_of_lists": "{% set l = range(100000)|list %}{{ ([l] * 1000)|sum(start=[])|length }}",
    "tojson_indent": "{{ [1, [2, [3]]]|tojson(indent=999999999) }}",
    "doubling_concat": "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}",
    "doubling_plus": "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "doubling_set_block": "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set t %}{{ ns.s }}{{ ns.s }}"
    "{% endset %}{% set ns.s = t %}{% endfor %}",
    "list_accumulation": "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}"
    "{% set ns.l = ns.l + ['x' * 1000] %}{% endfor %}",
    "many_big_locals": "".join(f"{{% set v{i} = 'x' * 999999 %}}" for i in range(200)),
    "output_flood": "{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}",
    "captured_output_flood": "{% set s = 'x' * 100000 %}{% macro m() %}{% for i in range(100000) %}{{ s }}{% endfor %}"
    "{% endmacro %}{% set y = m() %}",
    "filter_block_width": "{% filter center(999999999) %}x{% endfilter %}",
    "filter_block_flood": "{% filter upper %}{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}{% endfilter %}",
    "joiner_flood": "{% set j = joiner('x' * 100000) %}{% for i in range(100000) %}{{ j() }}{% endfor %}",
    "cycler_loops": "{% set c = cycler(1, 2) %}{% for i in range(100000) %}{% for j in range(100000) %}{{ c.next() }}"
    "{% endfor %}{% endfor %}",
    "loop_cycle": "{% for i in range(100000) %}{% for k in range(1000) %}{{ loop.cycle('a', 'b') }}{% endfor %}"
    "{% endfor %}",
    "lipsum": "{{ lipsum(10**6) }}",
    "strftime_format": "{{ strftime_now('%Y' * 999999) }}",
    "power": "{% set n = 10 %}{{ n ** 999999999 }}",
    "repeated_squaring": "{% set ns = namespace(x=10**100) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}"
    "{% endfor %}",
    "urlize_scan": "{{ ('x ' * 499999)|urlize|length }}",
    "sort_with_key": "{% for i in range(10) %}{{ ('ba' * 499999)|list|sort|first }}{% endfor %}",
    "method_results": "{% set s = 'a' * 999999 %}{% for i in range(10000) %}{% set t = s.upper() %}{% endfor %}",
    "repeated_scans": "{% set s = 'a' * 999999 %}{% for i in range(100000) %}{{ ('a' * 999 ~ 'b') in s }}{% endfor %}",
    "deep_recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "exponential_recursion": "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
    "{{ f(0) }}",
    "recursive_loop": "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
}

FAILURES = {
    "divide_by_zero": "{{ 1 / 0 }}",
    "undefined_call": "{{ nothing() }}",
    "type_error": "{{ 'a' + 1 }}",
    "raise_exception": "{{ raise_exception('Conversation roles must alternate') }}",
    "index_error": "{{ messages[5].content.upper() }}",
}

UNCOMPILABLE = {
    "syntax_error": "{% for %}",
    "unknown_tag": "{% exec 'import os' %}",
    "deep_parentheses": "{{ " + "(" * 500 + "1" + ")" * 500 + " }}",
    "deep_ifs": "{% if true %}" * 200 + "x" + "{% endif %}" * 200,
    "deep_loops": "{% for i in [1] %}" * 30 + "x" + "{% endfor %}" * 30,
    "huge_source": "{{ 'x' }}" * 40_000,
    "huge_int_literal": "{{ " + "9" * 10_000 + " }}",
}


def _render(source: str, tmp_path: Path) -> tuple[float, int]:
    """Compile and render ``source`` (``MARKER`` spelled as a path in ``tmp_path``), expecting a refusal;
    returns the seconds it took and the peak traced allocation."""
    source = source.replace("MARKER", str(tmp_path / "marker"))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(TemplateError) as refused:
            compile_template(source).render(MESSAGES, add_generation_prompt=True)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(refused.value)
    assert "\n" not in message and message.startswith("the model's chat template ")
    assert not (tmp_path / "marker").exists()
    return elapsed, peak


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escapes_are_stopped_before_any_python_is_reached(name: str, tmp_path: Path) -> None:
    source = ESCAPES[name].replace("MARKER", str(tmp_path / "marker"))
    with pytest.raises(TemplateError) as refused:
        compile_template(source).render(MESSAGES, add_generation_prompt=True)
    assert "\n" not in str(refused.value)
    assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_time_and_memory_bombs_are_stopped_fast_and_small(name: str, tmp_path: Path) -> None:
    elapsed, peak = _render(BOMBS[name], tmp_path)
    assert elapsed < FAST, f"{name} took {elapsed:.2f} s"
    assert peak < MEMORY_CEILING, f"{name} allocated {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_are_stopped_not_refused(name: str) -> None:
    """A limit crossed is ``TemplateStopped``: the load check refuses such a model outright."""
    with pytest.raises(TemplateStopped, match="was stopped: "):
        compile_template(BOMBS[name]).render(MESSAGES, add_generation_prompt=True)


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_what_the_template_raises_is_a_refusal(name: str) -> None:
    with pytest.raises(TemplateError, match="refused this conversation: ") as refused:
        compile_template(FAILURES[name]).render(MESSAGES, add_generation_prompt=True)
    assert not isinstance(refused.value, TemplateStopped)


@pytest.mark.parametrize("name", sorted(UNCOMPILABLE))
def test_uncompilable_sources_are_refused_at_compile(name: str) -> None:
    start = time.perf_counter()
    with pytest.raises(TemplateError, match="^the model's chat template does not compile: ") as refused:
        compile_template(UNCOMPILABLE[name])
    assert "\n" not in str(refused.value)
    assert time.perf_counter() - start < FAST


def test_stopped_renders_leave_the_template_usable() -> None:
    """Limits are per render: a refused render does not poison the next (a gauge recount after an edit)."""
    template = compile_template("{% if messages|length > 1 %}{{ 'x' * 10**9 }}{% endif %}{{ messages[-1].content }}")
    with pytest.raises(TemplateStopped):
        template.render(MESSAGES * 2, add_generation_prompt=True)
    assert template.render(MESSAGES, add_generation_prompt=True) == "Hello."


def test_renders_in_threads_have_their_own_budgets() -> None:
    """The gauge recounts in a worker while a reply is prepared in another: one render's spending never
    counts against another's, even on the same (cached) compiled template."""
    import threading

    source = "{% for m in messages %}{% if m.content == 'spin' %}{% for i in range(10**5) %}{% for j in range(10**5) %}"
    source += "{% endfor %}{% endfor %}{% endif %}{{ m.content }}{% endfor %}"
    template = compile_template(source)
    assert compile_template(source) is template
    outcomes: list[str] = []

    def spin() -> None:
        try:
            template.render([{"role": "user", "content": "spin"}], add_generation_prompt=True)
        except TemplateStopped as error:
            outcomes.append(str(error))

    spinner = threading.Thread(target=spin)
    spinner.start()
    honest = [template.render(MESSAGES, add_generation_prompt=True) for _ in range(200)]
    spinner.join(FAST)
    assert honest == ["Hello."] * 200
    assert len(outcomes) == 1 and "was stopped" in outcomes[0]


def test_tight_limits_are_the_ones_enforced() -> None:
    template = compile_template(
        "{% for m in messages %}{{ m.content }}{% endfor %}", limits=RenderLimits(output_chars=10, max_steps=50)
    )
    assert template.render(MESSAGES, add_generation_prompt=True) == "Hello."
    with pytest.raises(TemplateStopped, match="over 10 characters"):
        template.render(MESSAGES * 3, add_generation_prompt=True)


# -- end to end: a hostile template inside a GGUF -----------------------------------------------------------

RENDER_BOMB = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{{ messages }}"
ESCAPE = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
NESTED = UNCOMPILABLE["deep_parentheses"]


def _mutant(model_path: Path, tmp_path: Path, name: str, keys: dict[str, str]) -> Path:
    changes = {key: encode(STRING, value) for key, value in keys.items()}
    return write_mutant(model_path, tmp_path / f"{name}.gguf", changes, weights="copy")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "keys", "key"),
    [
        ("render-bomb", {"tokenizer.chat_template": RENDER_BOMB}, "tokenizer.chat_template"),
        ("escape", {"tokenizer.chat_template": ESCAPE}, "tokenizer.chat_template"),
        ("nested", {"tokenizer.chat_template": NESTED}, "tokenizer.chat_template"),
        (
            "tool-use",
            {"tokenizer.chat_template": "{{ messages[0].content }}", "tokenizer.chat_template.tool_use": NESTED},
            "tokenizer.chat_template.tool_use",
        ),
    ],
)
def test_ask_refuses_a_hostile_template_in_one_line(
    name: str, keys: dict[str, str], key: str, shotglass_cmd, model_path: Path, cli_env, tmp_path: Path
) -> None:
    hostile = _mutant(model_path, tmp_path, name, keys)
    start = time.perf_counter()
    result = subprocess.run(
        [*shotglass_cmd, "ask", "--model", str(hostile), "--max-new-tokens", "4", "Hello"],
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_env,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{hostile.name} is refused: the model's chat template " in lines[0] and f"(in {key})" in lines[0]
    assert time.perf_counter() - start < 60


def test_llama_cpp_python_compiles_no_template_at_load(model_path: Path, tmp_path: Path) -> None:
    """A named template folded at compile time by plain Jinja (``"x" * 10**9`` in a branch never taken: one
    gigabyte at load) is never compiled by ``Llama()``: the load peaks as high as the same model without it
    (the model's own peak, weights and compute buffers, varies by machine, so the two are compared)."""
    bomb = "{% if false %}{{ 'x' * 10**9 }}{% endif %}"
    plain = {"tokenizer.chat_template": "{{ messages[0].content }}"}
    peaks = []
    for name, keys in (("plain", plain), ("fold-bomb", {**plain, "tokenizer.chat_template.tool_use": bomb})):
        model = _mutant(model_path, tmp_path, name, keys)
        script = (
            "import resource, sys\n"
            "from tui.engine.llama import LlamaEngine, LoadOptions\n"
            f"engine = LlamaEngine(LoadOptions(model_path=__import__('pathlib').Path({str(model)!r}), n_ctx=256))\n"
            "print(engine.prompt_format.render.__qualname__)\n"
            "engine.close()\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        )
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        peaks.append(int(result.stdout.split()[-1]))
    grown_mib = (peaks[1] - peaks[0]) / 1024
    assert grown_mib < 300, f"peak RSS {grown_mib:.0f} MiB above the same model without it: a template was compiled"


async def test_the_tui_ends_with_the_refusal_as_its_startup_error(store, model_path: Path, tmp_path: Path) -> None:
    """The first load of a hostile model ends the app the way every failed load does: exit code 2 and the
    one line (the CLI prints it after the terminal is restored), never a crash at mount."""
    from tui.engine.llama import LlamaEngine, LoadOptions

    hostile = _mutant(model_path, tmp_path, "tui-escape", {"tokenizer.chat_template": ESCAPE})
    app = make_app(
        store,
        LoadingEngine(str(hostile), 2048),
        load_first=lambda: LlamaEngine(LoadOptions(model_path=hostile, n_ctx=2048)),
    )
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: not pilot.app.is_running or pilot.app.startup_error is not None, timeout=60)
    assert app.return_code == 2
    assert app.startup_error is not None and "\n" not in app.startup_error
    assert "is refused: the model's chat template was stopped: it tried to reach Python internals" in (
        app.startup_error
    )


async def test_switching_to_a_hostile_model_keeps_the_app_and_says_why(
    chat_app, model_path: Path, tmp_path: Path
) -> None:
    """Picked in the model list (F10), the hostile model is refused with a notice; the chat stays on its
    model, nothing typed is lost."""
    from tui.core.models.scan import ModelEntry
    from tui.core.models.sources import SourceKind
    from tui.engine.fake import FakeEngine
    from tui.engine.llama import LlamaEngine, LoadOptions

    hostile = _mutant(model_path, tmp_path, "switch-bomb", {"tokenizer.chat_template": RENDER_BOMB})
    entry = ModelEntry(
        name=hostile.name,
        source=SourceKind.FOLDER,
        path=hostile,
        architecture="gemma3",
        parameters="270M",
        quantization="Q4_K_M",
        size_bytes=hostile.stat().st_size,
        context_length=32768,
        has_chat_template=True,
    )
    attempted: list[Path] = []

    def loader(path: Path, layers: int | None) -> LlamaEngine:
        attempted.append(path)
        return LlamaEngine(LoadOptions(model_path=path, n_ctx=2048))

    engine = FakeEngine()
    app = chat_app(engine, load_model=loader, scan_models=lambda: [entry], gpu_note="CPU-only build")
    async with app.run_test(size=(140, 40)) as pilot:
        chat = app.screen
        await open_model_picker(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: attempted and not chat.models.loading and app.screen is chat, timeout=60)
        await wait_for(pilot, lambda: any("is refused" in n.message for n in app._notifications), timeout=10)
        assert app.is_running and chat.engine is engine and not engine.closed
        notice = next(n.message for n in app._notifications if "is refused" in n.message)
        assert "was stopped: it looped or called more than" in notice and "\n" not in notice
