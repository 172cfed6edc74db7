"""``shotglass pull REPO [FILE]``: download a GGUF from the Hugging Face Hub into the standard HF cache.

Without FILE the repository's listing decides: one GGUF is taken, several are printed (stdout, one a line)
and the command exits 2 asking for one. A split model is pulled with all its parts. After the download the
header is read (``read_gguf_info``): a file that is not a GGUF is removed from the cache again, so model
discovery and ``--model hf:`` never offer something llama.cpp cannot open, and the command exits 2.

Resuming: ``huggingface_hub`` resumes a dropped connection itself within the run (a Range request from the
bytes received, up to five times). A run that is interrupted (Ctrl+C) leaves no partial file behind: the
library (2.x) downloads each attempt into its own temporary file and deletes it on failure, so the next
``pull`` starts that file again.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from tui.core.errors import ModelError, shown
from tui.core.models.gguf import read_gguf_info
from tui.core.models.hub import HubFile, choose_gguf, parse_filename, parse_repo_id, split_parts


def register(commands: Any) -> None:
    pull = commands.add_parser(
        "pull", help="download a GGUF from the Hugging Face Hub (then use it with --model hf:REPO/FILE)"
    )
    pull.add_argument("repo", help="the Hub repository, org/name")
    pull.add_argument("file", nargs="?", help="the .gguf file in it (default: the only one; several are listed)")


def run_pull(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    from tui.commands.hub import HubError, cached_file, download, hub_cache_dir, list_files

    out = out or sys.stdout  # looked up per call: a caller (a test) may have replaced it

    repo = parse_repo_id(args.repo)
    filename = parse_filename(args.file) if args.file else None
    if filename is None:
        choice = choose_gguf(list_files(repo))
        if choice.chosen is None:
            if not choice.candidates:
                raise HubError(f"{repo} has no .gguf files")
            for name in choice.candidates:
                out.write(f"{name}\n")
            out.flush()
            print(
                f"shotglass: error: {repo} has {len(choice.candidates)} GGUF files; "
                f"name one: shotglass pull {repo} FILE",
                file=sys.stderr,
            )
            return 2
        filename = choice.chosen
    first = HubFile(repo, filename)
    for part in split_parts(filename):
        ref = HubFile(repo, part)
        before = cached_file(ref, hub_cache_dir())
        path = download(ref)
        _check_gguf(ref, path)
        size = path.stat().st_size
        verb = "already downloaded" if before == path else "downloaded"
        out.write(f"{verb} {repo}/{shown(part)} ({size / 2**20:,.1f} MiB): {path}\n")
    out.write(f"use it: shotglass --model {shown(first.spec)}\n")
    return 0


def _check_gguf(ref: HubFile, path: Path) -> None:
    """Every part of a split model is a GGUF of its own (with split metadata), so each one is read."""
    from tui.commands.hub import HubError, remove_cached

    try:
        read_gguf_info(path)
    except ModelError as error:
        remove_cached(path)
        reason = str(error).split(":", 1)[0]
        raise HubError(
            f"{ref.repo}/{shown(ref.filename)} is {reason}; removed it from the Hugging Face cache"
        ) from None
