"""Composition root: parse arguments, pick and load the engine, then start the app or a headless command.

Every ``UserError`` ends here as one line on stderr and exit code 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from tui.cli_parser import build_parser
from tui.core.errors import ModelError, UserError, shown
from tui.core.paths import AppPaths
from tui.core.profiles.profile import DecodingProfile
from tui.core.profiles.store import DEFAULT_PROFILE_NAME, ProfileStore
from tui.engines import (
    build_engine,
    engine_options,
    gpu_note,
    load_engine,
    loading_placeholder,
    model_loader,
    model_scanner,
)

_UNDECODABLE = re.compile(r"[\ud800-\udfff]")  # how Python keeps argv bytes that are not UTF-8


def _read_text_arg(value: str, what: str) -> str:
    if value == "-":
        try:
            return sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError:
            raise UserError("standard input is not UTF-8 text") from None
    if what == "file":
        path = Path(value)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(f"no such file: {path}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise UserError(f"cannot read {path}: {error}") from None
    return value


def _example_set(args: argparse.Namespace):
    from tui.core.fewshot.example_set import read_example_set
    from tui.core.fewshot.examples import ExampleSet

    path = getattr(args, "examples", None)
    return read_example_set(path) if path is not None else ExampleSet()


def _resolve_profile(store: ProfileStore, args: argparse.Namespace, name: str | None = None) -> DecodingProfile:
    chosen = name or getattr(args, "profile", None) or DEFAULT_PROFILE_NAME
    profile = store.get(chosen[0] if isinstance(chosen, list) else chosen)
    overrides = {key: getattr(args, key, None) for key in ("max_new_tokens", "seed", "temperature")}
    if any(value is not None for value in overrides.values()):
        profile = profile.with_overrides(**overrides)
    return profile


def _eval_request(store: ProfileStore, args: argparse.Namespace, data: Path, shots_text: str, renders=None):
    """Everything ``eval`` and ``--eval`` check before a model loads: data, example set, shots, profiles,
    scoring and labels; each problem is one line (exit 2)."""
    from tui.core.eval.plan import EvalRequest, distinct_profiles
    from tui.core.eval.scoring import parse_labels, parse_scoring, with_labels
    from tui.core.fewshot.evaluation import EvalDataError, parse_shots, read_eval_data

    if getattr(args, "examples", None) is None:
        raise EvalDataError("eval: --examples FILE is required (the example set to take shots from)")
    examples = _example_set(args)
    shots = parse_shots(shots_text, len(examples.enabled_examples))
    scoring = parse_scoring(getattr(args, "score", "prefix"))
    items = read_eval_data(data)
    labels = getattr(args, "labels", None)
    scoring = with_labels(scoring, items, parse_labels(labels) if labels is not None else None)
    names = getattr(args, "profile", None) or [DEFAULT_PROFILE_NAME]
    profiles = distinct_profiles([_resolve_profile(store, args, name) for name in names])
    target = getattr(args, "target", None)
    return EvalRequest(
        examples=examples,
        items=tuple(items),
        shots=tuple(shots),
        profiles=profiles,
        scoring=scoring,
        repeats=getattr(args, "repeats", 1),
        renders=tuple(renders) if renders else (None,),
        target=target / 100 if target is not None else None,
    )


def _save_eval_run(paths: AppPaths, request, data: Path, engine, summaries) -> str:
    """Keep the run in the history database; a failure is one line, never the run's results lost."""
    from tui.core.history.eval_runs import save_run
    from tui.core.history.store import HistoryError, HistoryStore

    try:
        with HistoryStore.for_paths(paths) as history:
            run_id = save_run(
                history,
                request,
                summaries,
                dataset=shown(data),
                model_name=engine.info.name,
                model_path=engine.info.path,
                stopped=False,
            )
    except HistoryError as error:
        return f"note: run not saved in the history: {error}"
    return f"note: saved as eval run {run_id} ('shotglass runs show {run_id}', 'shotglass runs compare')"


def _eval_on_start(store: ProfileStore, args: argparse.Namespace):
    """``shotglass --eval DATA``: checked here (exit 2 with one line) before the TUI starts on it."""
    from tui.core.eval.plan import EvalOptions, default_shots

    if args.eval is None:
        if args.shots is not None:
            raise UserError("--shots is for --eval DATA (or the eval subcommand)")
        return None
    shots = args.shots
    if shots is None:
        shots = ",".join(str(k) for k in default_shots(len(_example_set(args).enabled_examples)))
    request = _eval_request(store, args, args.eval, shots)
    return EvalOptions(
        dataset=str(args.eval),
        shots=shots,
        profiles=request.profiles,
        score=args.score,
        labels=args.labels,
        repeats=args.repeats,
        target=request.target,
    )


def _dispatch(args: argparse.Namespace, paths: AppPaths) -> int:
    store = ProfileStore(paths.user_profiles_dir)
    if args.command == "profiles":
        from tui.commands.profiles import ProfilesRequest, run_profiles

        embedded = paths.models_cache_dir / "gemma-3-270m-q4_k_m.gguf"
        request = ProfilesRequest(
            name=getattr(args, "name", None),
            file=getattr(args, "file", None),
            output=getattr(args, "output", None),
            force=getattr(args, "force", False),
            target=getattr(args, "target", None),
            model=getattr(args, "model", None) or (embedded if embedded.is_file() else None),
            section=getattr(args, "section", None),
            verbose=getattr(args, "verbose", False),
        )
        return run_profiles(store, args.action, request)
    if args.command == "ask":
        from tui.commands.ask import run_ask

        names = getattr(args, "profile", None) or [DEFAULT_PROFILE_NAME]
        if isinstance(names, str):
            names = [names]  # given before the subcommand
        profiles = [_resolve_profile(store, args, name) for name in names]
        prompt = _read_text_arg(args.prompt, "prompt")
        if not prompt.strip():
            raise UserError("ask: the prompt is empty")
        _example_set(args)  # a bad example set fails before the model loads
        engine = load_engine(args, paths)
        try:
            return run_ask(
                engine,
                profiles,
                prompt,
                system=args.system or "",
                as_json=args.json,
                seed=args.seed,
                pins=_example_set(args),
            )
        finally:
            engine.close()
    if args.command == "models":
        from tui.commands.models import run_models
        from tui.engine.embedded import embedded_model_path

        return run_models(args, paths, embedded_model_path(paths.models_cache_dir))
    if args.command == "cache":
        from tui.commands.cache import run_cache

        return run_cache(args, paths)
    if args.command == "config":
        from tui.commands.config import run_config
        from tui.ui.keymap import key_rows

        return run_config(args, paths, key_rows=key_rows)
    if args.command == "pull":
        from tui.commands.pull import run_pull

        return run_pull(args)
    if args.command == "runs":
        from tui.commands.runs import run_runs

        return run_runs(args, paths)
    if args.command == "history":
        from tui.commands.history import run_history

        return run_history(args, paths)
    if args.command == "eval":
        from tui.commands.evaluate import run_eval
        from tui.core.eval.export import check_new_file
        from tui.core.fewshot.evaluation import parse_renders

        request = _eval_request(store, args, args.data, args.shots, parse_renders(args.render) if args.render else None)
        if args.csv is not None:
            check_new_file(args.csv, args.force)
        engine = load_engine(args, paths)
        save = (
            None if getattr(args, "no_history", False) else partial(_save_eval_run, paths, request, args.data, engine)
        )
        try:
            return run_eval(engine, request, as_json=args.json, csv_path=args.csv, force=args.force, save_run=save)
        finally:
            engine.close()
    if args.command == "tokens":
        from tui.commands.tokens import run_tokens

        text = _read_text_arg(args.file, "file")
        engine = load_engine(args, paths)
        try:
            return run_tokens(engine, text)
        finally:
            engine.close()

    from tui.core.fewshot.examples import ExampleSet
    from tui.ui.app import AppSettings, ShotglassApp

    eval_on_start = _eval_on_start(store, args)
    keymap = _keymap(args, paths)
    profile = _resolve_profile(store, args)
    pins = _example_set(args)
    local = not getattr(args, "endpoint", None)
    load_first = None
    if local:  # draw the screen first, load the model in a worker
        options = engine_options(args, paths)
        engine = loading_placeholder(options, paths)
        load_first = partial(build_engine, options, paths)
    else:
        engine = load_engine(args, paths)
    history = None
    try:
        from tui.core.history.store import HistoryError, HistoryStore
        from tui.engine.estimate import estimate_tokens

        if not getattr(args, "no_history", False):
            try:
                history = HistoryStore.for_paths(paths)
            except HistoryError as error:
                raise HistoryError(f"{error} (start with --no-history to chat without saving)") from None
        if args.resume is not None:
            _check_resume(args, history)
        resume = not args.new and pins == ExampleSet() and not _flag(args, "profile") and not _flag(args, "system")
        app = ShotglassApp(
            AppSettings(
                engine=engine,
                profiles=store,
                profile=profile,
                pins=pins,
                estimate=estimate_tokens,
                history=history,
                resume=resume,
                resume_id=args.resume,
                system_prompt=args.system or "",
                load_model=model_loader(args, paths) if local else None,
                scan_models=model_scanner(paths) if local else None,
                gpu_note=gpu_note() if local else "",
                load_first=load_first,
                eval_on_start=eval_on_start,
                keymap=keymap,
            )
        )
        if getattr(args, "theme", None):
            app.theme = args.theme
        started_theme = app.theme
        app.run()
        if app.startup_error is not None:
            raise ModelError(app.startup_error)
        engine = app.engine
        code = app.return_code  # 1 when the app ended on an exception (Textual printed it): not a success
        from tui.commands.config import remember_theme

        unsaved = remember_theme(paths, started_theme, app.theme)  # the theme picked in the palette
        if unsaved is not None:
            print(f"shotglass: config: {unsaved}", file=sys.stderr)
    finally:
        engine.close()
        if history is not None:
            for line in history.close():  # writes given up after the screen was gone: said here instead
                print(f"shotglass: history: {line}", file=sys.stderr)
    return code or 0


def _keymap(args: argparse.Namespace, paths: AppPaths) -> dict[str, str]:
    """``[keys]`` from config.toml as a Textual keymap, checked before the model loads (one line, exit 2)."""
    from tui.commands.config import config_path
    from tui.ui.keymap import check_keymap

    return check_keymap(getattr(args, "config_keys", ()), shown(config_path(paths)))


def _flag(args: argparse.Namespace, key: str) -> bool:
    """Given on the command line for this run (not a default from config.toml)."""
    return getattr(args, key, None) is not None and key not in getattr(args, "from_config", ())


def _check_resume(args: argparse.Namespace, history) -> None:
    """``--resume ID`` fails here, before the screen is drawn, when it cannot open that conversation."""
    from tui.core.history.store import HistoryError

    if history is None:
        raise UserError("--resume needs the saved history: drop --no-history")
    if args.new:
        raise UserError("--new and --resume contradict each other: give one of them")
    if _flag(args, "system"):
        raise UserError("--system with --resume: a resumed chat keeps its own system prompt (F6 changes it)")
    try:
        history.conversation_info(args.resume)
    except HistoryError as error:
        raise HistoryError(f"--resume {args.resume}: {error} (shotglass history list shows them)") from None


def _loads_llama(args: argparse.Namespace) -> bool:
    return args.command in (None, "ask", "eval", "tokens") and not getattr(args, "endpoint", None)


def main(argv: Sequence[str] | None = None) -> int:
    """Exit codes: 0 done, 2 one clear line on stderr (a bad input, a crash inside llama.cpp, an
    unwritable or full disk), 130 interrupted, 1 an unexpected exception (a bug, shown as a traceback)."""
    undecodable = next((arg for arg in (sys.argv[1:] if argv is None else argv) if _UNDECODABLE.search(arg)), None)
    if undecodable is not None:  # Python keeps bytes that are not UTF-8 as lone surrogates
        print(f"shotglass: error: argument '{shown(undecodable)}' is not valid UTF-8", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = AppPaths.default()
    if argv is None and _loads_llama(args):
        from tui import crash_guard

        if crash_guard.enabled():
            return crash_guard.run_guarded(
                lambda: _run(args, paths), log_file=paths.llama_log_file, restore_terminal=args.command is None
            )
    return _run(args, paths)


def _run(args: argparse.Namespace, paths: AppPaths) -> int:
    try:
        if args.command in (None, "ask", "eval", "tokens"):  # the commands config.toml sets defaults for
            from tui.commands.config import apply_settings, read_settings

            apply_settings(args, read_settings(paths), paths)
        return _dispatch(args, paths)
    except UserError as error:
        print(f"shotglass: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("shotglass: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as error:  # a full or read-only disk met outside the checks that name their file
        where = (
            f": {error.filename}"
            if error.filename
            else f" (shotglass writes under {paths.log_dir} and {paths.data_dir})"
        )
        print(f"shotglass: error: {error.strerror or error}{where}", file=sys.stderr)
        return 2
