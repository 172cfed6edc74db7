"""``shotglass pull`` against a loopback fake Hub (``tests/fake_hub.py``) and ``--model hf:`` resolved offline."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from fake_hub import FakeHub, FakeHubServer, tiny_gguf

from tui.cli import main
from tui.core.errors import ModelError, UserError
from tui.core.models.hub import HubNameError, choose_gguf, parse_hub_spec, parse_repo_id, split_parts
from tui.core.models.sources import ScanSource, SourceKind, find_candidates

REPO = "acme/tiny-GGUF"


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[FakeHub]:
    import huggingface_hub  # its log handler keeps the stderr of the moment it was made: this test's

    for handler in logging.getLogger(huggingface_hub.__name__).handlers:
        if isinstance(handler, logging.StreamHandler):
            monkeypatch.setattr(handler, "stream", sys.stderr)
    fake = FakeHub({REPO: {"tiny-Q4_K_M.gguf": tiny_gguf(4096), "README.md": b"# tiny\n"}})
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for name in ("HF_TOKEN", "HF_HUB_OFFLINE", "HF_HOME"):
        monkeypatch.delenv(name, raising=False)
    with FakeHubServer(fake) as url:
        monkeypatch.setenv("HF_ENDPOINT", url)
        yield fake


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def test_pull_without_file_takes_the_only_gguf_and_discovery_lists_it(
    hub: FakeHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pull", REPO]) == 0
    out = capsys.readouterr().out
    assert f"downloaded {REPO}/tiny-Q4_K_M.gguf" in out and f"--model hf:{REPO}/tiny-Q4_K_M.gguf" in out
    cache = tmp_path / "hf-cache"
    found = [c for c in find_candidates(ScanSource(SourceKind.HUGGINGFACE, cache)) if not hasattr(c, "reason")]
    assert [c.name for c in found] == [f"{REPO}/tiny-Q4_K_M.gguf"]
    assert found[0].path.read_bytes() == hub.repos[REPO]["tiny-Q4_K_M.gguf"]
    # A second pull finds it in the cache (one metadata request, no body).
    hub.requests.clear()
    assert main(["pull", REPO, "tiny-Q4_K_M.gguf"]) == 0
    assert "already downloaded" in capsys.readouterr().out
    assert [method for method, _, _ in hub.requests] == ["HEAD"]


def test_several_ggufs_are_listed_and_exit_2(hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    hub.repos[REPO].update({"tiny-Q8_0.gguf": tiny_gguf(), "mmproj-tiny.gguf": tiny_gguf()})
    assert main(["pull", REPO]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["tiny-Q4_K_M.gguf", "tiny-Q8_0.gguf"]
    assert captured.err == f"shotglass: error: {REPO} has 2 GGUF files; name one: shotglass pull {REPO} FILE\n"


def test_interrupted_download_resumes_from_the_bytes_received(
    hub: FakeHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """huggingface_hub keeps what it received in whole 10 MiB chunks: cut after 23 MiB, it asks for the rest
    from 20 MiB."""
    data = tiny_gguf(25 * 2**20)
    hub.repos[REPO]["big.gguf"] = data
    hub.cut_after["big.gguf"] = 23 * 2**20
    assert main(["pull", REPO, "big.gguf"]) == 0
    gets = [ranges for method, _, ranges in hub.requests if method == "GET"]
    assert gets == [None, f"bytes={20 * 2**20}-"]  # the second GET asks only for the rest
    captured = capsys.readouterr()
    assert "Trying to resume download" in captured.err
    path = Path(captured.out.split(": ")[1].splitlines()[0])
    assert path.read_bytes() == data
    assert not list((tmp_path / "hf-cache").rglob("*.incomplete"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["pull", "acme/nothing-here", "x.gguf"], "acme/nothing-here: no such repository on the Hub"),
        (["pull", "acme/nothing-here"], "acme/nothing-here: no such repository on the Hub"),
        (["pull", REPO, "missing.gguf"], f"{REPO} has no file missing.gguf (shotglass pull {REPO} lists"),
        (["pull", "not-a-repo-id"], "'not-a-repo-id' is not a Hub repository id"),
        (["pull", REPO, "README.md"], "'README.md' is not a .gguf file"),
        (["pull", REPO, "../x.gguf"], "'../x.gguf' is not a file path inside a repository"),
    ],
)
def test_bad_repo_or_file_is_one_line_and_exit_2(
    hub: FakeHub, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.count("\n") == 1 and captured.err.startswith(f"shotglass: error: {message}")


def test_a_file_that_is_not_gguf_is_refused_and_removed_from_the_cache(
    hub: FakeHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.repos[REPO]["fake.gguf"] = b"<html>rate limited</html>" * 10
    assert main(["pull", REPO, "fake.gguf"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"shotglass: error: {REPO}/fake.gguf is not a GGUF file (no GGUF magic bytes at the start); "
        "removed it from the Hugging Face cache\n"
    )
    cache = tmp_path / "hf-cache"
    assert not [p for p in cache.rglob("*") if p.is_file() and p.read_bytes().startswith(b"<html>")]
    assert list(find_candidates(ScanSource(SourceKind.HUGGINGFACE, cache))) == []
    with pytest.raises(ModelError, match="not downloaded"):
        _engine_model(f"hf:{REPO}/fake.gguf")


def _engine_model(spec: str) -> Path:
    from tui.core.paths import AppPaths
    from tui.engines import engine_options

    args = argparse.Namespace(model=Path(spec), ctx=None, threads=1, gpu_layers=None)
    return engine_options(args, AppPaths.default()).model_path


def test_hf_model_resolves_offline_after_pull(hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    spec = f"hf:{REPO}/tiny-Q4_K_M.gguf"
    with pytest.raises(ModelError) as missing:
        _engine_model(spec)
    assert str(missing.value) == f"{spec}: not downloaded; run shotglass pull {REPO} tiny-Q4_K_M.gguf"
    assert hub.requests == []  # resolving never asks the Hub
    assert main(["pull", REPO, "tiny-Q4_K_M.gguf"]) == 0
    hub.requests.clear()
    assert _engine_model(spec).read_bytes() == hub.repos[REPO]["tiny-Q4_K_M.gguf"]
    assert hub.requests == []


def test_missing_hf_model_on_the_command_line_is_exit_2(hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "hi", "--model", f"hf:{REPO}/tiny-Q4_K_M.gguf"]) == 2
    assert capsys.readouterr().err == (
        f"shotglass: error: hf:{REPO}/tiny-Q4_K_M.gguf: not downloaded; run shotglass pull {REPO} tiny-Q4_K_M.gguf\n"
    )
    assert main(["ask", "hi", "--model", "hf:just-a-name.gguf"]) == 2
    assert "expected hf:org/name/file.gguf" in capsys.readouterr().err


def test_real_model_through_hf_spec(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cache layout huggingface_hub writes (refs/main, snapshots/<commit>/file -> blobs), with the real
    model in it: ``ask --model hf:...`` loads and answers."""
    cache = tmp_path / "hub"
    repo_dir = cache / "models--acme--gemma"
    commit = "a" * 40
    (repo_dir / "refs").mkdir(parents=True)
    (repo_dir / "refs" / "main").write_text(commit)
    (repo_dir / "snapshots" / commit).mkdir(parents=True)
    (repo_dir / "snapshots" / commit / "gemma.gguf").symlink_to(model_path)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    from tui.commands import ask  # run_ask binds sys.stdout when imported; this test's capture is today's

    monkeypatch.setattr(ask, "run_ask", partial(ask.run_ask, out=sys.stdout))
    assert (
        main(["ask", "The capital of France is", "--model", "hf:acme/gemma/gemma.gguf", "--max-new-tokens", "3"]) == 0
    )
    assert capsys.readouterr().out.strip()


def test_pure_names() -> None:
    assert parse_hub_spec("hf:org/name/sub/dir/f.gguf").filename == "sub/dir/f.gguf"
    assert parse_repo_id("TheBloke/Llama-2-7B-GGUF") == "TheBloke/Llama-2-7B-GGUF"
    for bad in ("org", "org/name/x", "-org/name", "org/na--me", "org/", "org/name."):
        with pytest.raises(HubNameError):
            parse_repo_id(bad)
    assert issubclass(HubNameError, UserError)
    choice = choose_gguf(["a-00001-of-00002.gguf", "a-00002-of-00002.gguf", "notes.txt"])
    assert choice.chosen == "a-00001-of-00002.gguf"
    assert split_parts("a-00001-of-00002.gguf") == ("a-00001-of-00002.gguf", "a-00002-of-00002.gguf")
    assert split_parts("a.gguf") == ("a.gguf",)
