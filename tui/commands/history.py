"""``shotglass history list | show ID | export ID | import FILE | search QUERY``: saved conversations, headless.

Wiring in ``tui/cli.py``: in ``build_parser()``, after the other subcommands::

    from tui.commands.history import register as register_history
    register_history(commands)

and in ``_dispatch()``, before the app starts::

    if args.command == "history":
        from tui.commands.history import run_history
        return run_history(args, paths)

``register`` imports nothing heavy (``--help`` stays instant); the store is imported when a command runs.
Errors are ``HistoryError`` (a ``UserError``), so ``main`` already prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from tui.core.paths import AppPaths


def _positive(what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{what} must be 1 or more, got {value}")
        return value

    return parse


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``history`` to the CLI's subcommands; nested parsers use the same parser class as the parent."""
    history = subparsers.add_parser("history", help="list, show, search, export and import saved conversations")
    actions = history.add_subparsers(dest="history_action", required=True, parser_class=type(history))
    listing = actions.add_parser("list", help="conversations, most recently updated first")
    listing.add_argument("--limit", type=_positive("--limit"), default=50, help="how many (default 50)")
    show = actions.add_parser("show", help="print one conversation as Markdown")
    show.add_argument("id", type=_positive("conversation id"))
    export = actions.add_parser("export", help="write a conversation as Markdown or as JSON (OpenAI messages)")
    export.add_argument("id", type=_positive("conversation id"))
    export.add_argument("--format", choices=("md", "json"), help="default: json when -o names a .json file, else md")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--force", action="store_true", help="replace an existing regular file at -o")
    imported = actions.add_parser("import", help="add a conversation from a JSON file ('export --format json')")
    imported.add_argument("file", type=Path)
    search = actions.add_parser("search", help="full-text search over every conversation")
    search.add_argument("query")
    search.add_argument("--limit", type=_positive("--limit"), default=20, help="how many hits (default 20)")
    return history


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _emphasis(out: TextIO) -> tuple[str, str]:
    """Matches in bold on a terminal; piped or redirected output gets the plain text (no ``**`` markup)."""
    return ("\x1b[1m", "\x1b[22m") if out.isatty() else ("", "")


def run_history(args: argparse.Namespace, paths: AppPaths, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from tui.core.history.store import HistoryError, HistoryStore
    from tui.core.output_file import write_new_text

    with HistoryStore.for_paths(paths) as store:
        if store.notice:
            err.write(f"shotglass: {store.notice}\n")
        action = args.history_action
        if action == "list":
            summaries = store.list_conversations(limit=args.limit)
            if not summaries:
                out.write(f"no saved conversations yet (history: {store.path})\n")
            width = max((len(str(summary.id)) for summary in summaries), default=2)
            for summary in summaries:
                out.write(
                    f"{summary.id:>{width}}  {_when(summary.updated_at)}  {summary.message_count:>5} msgs  "
                    f"{summary.title or '(untitled)'}\n"
                )
        elif action == "show":
            out.write(store.export_markdown(args.id))
        elif action == "export":
            chosen = args.format or ("json" if args.output and args.output.suffix.lower() == ".json" else "md")
            if chosen == "json":
                text = json.dumps(store.export_json(args.id), indent=2, ensure_ascii=False) + "\n"
            else:
                text = store.export_markdown(args.id)
            if args.output is None:
                out.write(text)
            else:
                write_new_text(args.output, text, force=args.force, error=HistoryError)
                out.write(f"exported conversation {args.id} to {args.output} ({chosen})\n")
        elif action == "import":
            conversation_id = store.import_file(args.file)
            title = store.conversation_info(conversation_id).title
            out.write(f"imported '{title}' from {args.file} as conversation {conversation_id}\n")
        elif action == "search":
            hits = store.search(args.query, limit=args.limit, mark=_emphasis(out))
            if not hits:
                out.write(f"no messages match {args.query!r}\n")
            for hit in hits:
                snippet = " ".join(hit.snippet.split())
                out.write(f"{hit.conversation_id:>4}  {hit.title or '(untitled)'}  [{hit.role.value}] {snippet}\n")
    return 0
