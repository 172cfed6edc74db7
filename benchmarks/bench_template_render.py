"""Chat-template render cost per gauge recount: shotglass's bounded sandbox vs transformers' plain one.

Why: every gauge recount renders the whole conversation through the model's chat template (the counts are
exact because they count the rendered prompt), so the bounds that stop hostile templates (every loop
iteration, call, string operator and output piece is metered) must not make honest templates slow. This
renders a 40-message chat through every template of llama.cpp's corpus (the pinned sdist, as the tests
read it) in both environments, alternated, and prints the five slowest under the bounds, with their plain
cost beside them. The plain environment is the one transformers builds (``ImmutableSandboxedEnvironment``,
trim/lstrip blocks, loop controls, a pass-through ``generation`` tag, ``tojson``, ``raise_exception``,
``strftime_now``), with no bounds. No model is loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from statistics import median

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "data" / "templates")]

from conversations import BOS, EOS, LONG_CHAT, NOW  # noqa: E402
from sdist import real_templates  # noqa: E402

from tui.engine.template_sandbox import TemplateError, compile_template  # noqa: E402


class _Generation(jinja2.ext.Extension):
    tags = {"generation"}

    def parse(self, parser: jinja2.parser.Parser) -> list[jinja2.nodes.Node]:
        next(parser.stream)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


def _fail(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def plain_environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[_Generation, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = lambda value, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )
    env.globals.update(raise_exception=_fail, strftime_now=lambda fmt: NOW.strftime(fmt))
    return env


def _time(render, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        samples.append(time.perf_counter() - start)
    return median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="renders per template and side (median kept)")
    parser.add_argument("--top", type=int, default=5, help="how many of the slowest templates to show")
    args = parser.parse_args()

    env = plain_environment()
    variables = {"messages": LONG_CHAT, "add_generation_prompt": True, "bos_token": BOS, "eos_token": EOS}
    rows = []
    for path in real_templates():
        source = path.read_text(encoding="utf-8")
        bounded = compile_template(source, clock=lambda: NOW)
        plain = env.from_string(source)
        try:
            bounded_out = bounded.render(LONG_CHAT, add_generation_prompt=True, bos_token=BOS, eos_token=EOS)
        except TemplateError:
            continue  # the template refuses this chat (transformers does too: tests/test_template_corpus.py)
        assert plain.render(tools=None, documents=None, **variables) == bounded_out, path.name
        bounded_ms = plain_ms = 0.0
        for _ in range(2):  # alternated halves, so a burst of load hits both sides
            bounded_ms += _time(
                lambda b=bounded: b.render(LONG_CHAT, add_generation_prompt=True, bos_token=BOS, eos_token=EOS),
                args.runs // 2,
            )
            plain_ms += _time(lambda p=plain: p.render(tools=None, documents=None, **variables), args.runs // 2)
        rows.append((bounded_ms / 2, plain_ms / 2, len(bounded_out), path.stem))

    rows.sort(reverse=True)
    print(f"40-message chat, {len(rows)} templates rendered, median of {args.runs} renders per side")
    print(f"{'template':48} {'bounded ms':>11} {'plain ms':>9} {'ratio':>6} {'chars':>7}")
    for bounded_ms, plain_ms, chars, name in rows[: args.top]:
        print(f"{name[:48]:48} {bounded_ms:11.2f} {plain_ms:9.2f} {bounded_ms / plain_ms:6.2f} {chars:7d}")
    ratios = sorted((b / p, n, b) for b, p, _c, n in rows)
    worst = ratios[-1]
    print(
        f"summary: slowest bounded render {rows[0][0]:.2f} ms ({rows[0][3]}); bounded/plain median ratio "
        f"{median(r for r, _n, _b in ratios):.2f} over {len(rows)} templates, worst {worst[0]:.2f} "
        f"({worst[1]}, {worst[2]:.2f} ms)"
    )


if __name__ == "__main__":
    main()
