"""The command line's grammar: every subcommand, option, type check and help text, and nothing else.

Kept apart from ``tui/cli.py`` (which decides what to run) so the parser can be built and checked on its own:
the layering test builds it without importing any UI or engine module, and the config checks compare their
ranges with the ones here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from tui import __version__
from tui.core.profiles.store import DEFAULT_PROFILE_NAME

MAX_CTX = 1_048_576
MIN_CTX = 128


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"shotglass: error: {message} (see 'shotglass --help')\n")


def _int_in(low: int, high: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low} and {high}, got {value}")
        return value

    return parse


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _model_options(parser: argparse.ArgumentParser, default, multi_profile: bool = False) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--model", type=Path, default=default, help="GGUF file (default: the embedded Gemma 3 270M)")
    group.add_argument(
        "--endpoint",
        default=default,
        help="an OpenAI-compatible server (llama-server, vLLM, llama-cpp-python's server) instead "
        "of a local model, e.g. http://127.0.0.1:8080",
    )
    group.add_argument("--remote-model", default=default, help="model name to request from --endpoint")
    group.add_argument("--api-key", default=default, help="key for --endpoint (default: $OPENAI_API_KEY)")
    group.add_argument(
        "--ctx",
        type=_int_in(MIN_CTX, MAX_CTX, "--ctx"),
        default=default,
        help="context size in tokens (default: the model's trained context, at most 8192)",
    )
    group.add_argument(
        "--threads", type=_int_in(1, 1024, "--threads"), default=default, help="CPU threads (default: physical cores)"
    )
    group.add_argument(
        "--gpu-layers",
        type=_int_in(-1, 100_000, "--gpu-layers"),
        default=default,
        help="layers to offload to the GPU, -1 = all (default: all if this build can offload)",
    )
    if multi_profile:
        group.add_argument(
            "--profile",
            action="append",
            default=default,
            help=f"decoding profile; repeat it to compare profiles (default: {DEFAULT_PROFILE_NAME})",
        )
    else:
        group.add_argument("--profile", default=default, help=f"decoding profile (default: {DEFAULT_PROFILE_NAME})")
    group.add_argument("--examples", type=Path, default=default, help="example set (TOML) to pin as few-shot examples")


def _eval_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--score", default="prefix", help="prefix (default), exact, regex:PATTERN or choice (labels by log-probability)"
    )
    parser.add_argument("--labels", help="choice scoring: the candidate labels a,b,c (default: the data's outputs)")
    parser.add_argument(
        "--repeats", type=_int_in(1, 100, "--repeats"), default=1, help="seeds per sampling profile (default: 1)"
    )
    parser.add_argument(
        "--target", type=_int_in(0, 100, "--target"), help="accuracy you aim for, in percent (for the advice)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="shotglass", description="Chat with local GGUF models; prompt-engineering workbench.")
    _model_options(parser, None, multi_profile=True)
    lab = parser.add_argument_group("prompt lab (start on the eval screen)")
    lab.add_argument("--eval", type=Path, metavar="DATA", help="JSON-lines dataset to evaluate the --examples on")
    lab.add_argument("--shots", help="shot counts to compare (default: 0,1,2,4,8 up to the set's size)")
    _eval_options(lab)
    parser.add_argument("--new", action="store_true", help="start a new chat instead of reopening the last one")
    parser.add_argument(
        "--no-history", action="store_true", help="chat without opening the saved history (nothing is read or saved)"
    )
    parser.add_argument(
        "--resume",
        type=_int_in(1, 2**63 - 1, "--resume"),
        metavar="ID",
        help="open saved conversation ID (see 'shotglass history list')",
    )
    parser.add_argument("--system", metavar="TEXT", help="system prompt for a new chat")
    parser.add_argument("--version", action="version", version=f"shotglass {__version__}")
    sub_defaults = argparse.SUPPRESS
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    ask = commands.add_parser("ask", help="answer one prompt headless")
    ask.add_argument("prompt", help="the prompt ('-' reads standard input)")
    ask.add_argument("--system", default=argparse.SUPPRESS, help="system prompt")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--max-new-tokens", type=_int_in(1, 131_072, "--max-new-tokens"))
    ask.add_argument("--seed", type=_int_in(0, 2**32 - 1, "--seed"))
    ask.add_argument("--temperature", type=_number)
    _model_options(ask, sub_defaults, multi_profile=True)

    evaluate = commands.add_parser("eval", help="score a few-shot task at several shot counts")
    evaluate.add_argument("data", type=Path, help='JSON lines: {"input": ..., "output": ...}')
    evaluate.add_argument("--shots", default="0,1,2,4", help="shot counts to compare (default: 0,1,2,4)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument(
        "--render", help="compare how a chat template model sees the pins: turns,labelled (default: the set's own)"
    )
    _eval_options(evaluate)
    evaluate.add_argument("--csv", type=Path, help="also write the results table to this CSV file")
    evaluate.add_argument("--force", action="store_true", help="replace an existing --csv file")
    _model_options(evaluate, sub_defaults, multi_profile=True)

    profiles = commands.add_parser("profiles", help="list, show, export and import decoding profiles")
    actions = profiles.add_subparsers(dest="action", required=True, parser_class=_Parser)
    actions.add_parser("list", help="all profiles, built-in and user")
    actions.add_parser("show", help="print one profile as TOML").add_argument("name")
    from tui.core.profiles.exporters import TARGETS

    export = actions.add_parser(
        "export", help="write a profile as shotglass TOML, or with --to as the file another tool loads"
    )
    export.add_argument("name")
    export.add_argument(
        "--to",
        dest="target",
        choices=TARGETS,
        help="an Ollama Modelfile, LM Studio preset, SillyTavern preset or llama-server INI",
    )
    export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--force", action="store_true", help="replace an existing file")
    export.add_argument(
        "--model",
        type=Path,
        default=argparse.SUPPRESS,
        help="model for the Modelfile's FROM / the INI's model key (default: the embedded model if assembled)",
    )
    imported = actions.add_parser(
        "import",
        help="validate and install a profile file (shotglass TOML, Ollama "
        "Modelfile, LM Studio preset, SillyTavern preset or llama.cpp INI)",
    )
    imported.add_argument("file", type=Path)
    imported.add_argument("--name", help="profile name (default: from the file)")
    imported.add_argument("--force", action="store_true", help="overwrite or shadow an existing profile")
    imported.add_argument("--section", help="llama.cpp INI: the section to import (default: the first with sampling)")
    imported.add_argument("-v", "--verbose", action="store_true", help="also list the settings that change nothing")
    actions.add_parser("path", help="where profiles live")

    from tui.commands.cache import register as register_cache
    from tui.commands.config import register as register_config
    from tui.commands.history import register as register_history
    from tui.commands.models import register as register_models
    from tui.commands.pull import register as register_pull

    register_history(commands)
    from tui.commands.runs import register as register_runs

    register_runs(commands)
    register_models(commands)
    register_cache(commands)
    register_pull(commands)
    register_config(commands)

    tokens = commands.add_parser("tokens", help="count tokens exactly (model) and approximately (cl100k)")
    tokens.add_argument("file", help="text file, or '-' for standard input")
    _model_options(tokens, sub_defaults)
    return parser
