"""The Hugging Face Hub through ``huggingface_hub``: list a repository, download one file into the standard HF
cache, find a downloaded one offline, and turn the library's exceptions into one line each.

The cache folder and the endpoint are read from the environment at each call and passed explicitly:
``huggingface_hub`` reads ``HF_HUB_CACHE`` / ``HF_ENDPOINT`` once, at import, so a value set later (a test,
a caller that changes its environment) would otherwise be ignored. The folder is the one model discovery scans
(``tui/core/models/sources.py``), so a pulled model is listed by ``shotglass models`` and the picker.
Imported lazily by the commands that need it: ``huggingface_hub`` takes ~0.4 s to import.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx2
from huggingface_hub import HfApi, hf_hub_download, try_to_load_from_cache
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from tui.core.errors import ModelError, UserError, shown
from tui.core.models.hub import HubFile, parse_hub_spec
from tui.core.models.sources import huggingface_hub_dir

DEFAULT_ENDPOINT = "https://huggingface.co"


class HubError(UserError):
    """The Hub could not be reached, or refused: the message is the whole story."""


def hub_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    return huggingface_hub_dir(os.environ if env is None else env, Path.home())


def hub_endpoint(env: Mapping[str, str] | None = None) -> str:
    value = (os.environ if env is None else env).get("HF_ENDPOINT", "").strip()
    return value.rstrip("/") or DEFAULT_ENDPOINT


def cached_file(ref: HubFile, cache_dir: Path) -> Path | None:
    """The file ``main`` points at in the cache, without any network access; None when not downloaded."""
    found = try_to_load_from_cache(ref.repo, ref.filename, cache_dir=cache_dir)
    return Path(found) if isinstance(found, str) else None


def resolve_offline(spec: str, env: Mapping[str, str] | None = None) -> Path:
    """``--model hf:org/name/file.gguf`` -> the downloaded file, or one line that says how to get it."""
    ref = parse_hub_spec(spec)
    found = cached_file(ref, hub_cache_dir(env))
    if found is None:
        raise ModelError(f"{shown(ref.spec)}: not downloaded; run shotglass pull {ref.repo} {shown(ref.filename)}")
    return found


def list_files(repo: str, env: Mapping[str, str] | None = None) -> list[str]:
    with hub_errors(repo, None, env):
        return HfApi(endpoint=hub_endpoint(env)).list_repo_files(repo)


def download(ref: HubFile, env: Mapping[str, str] | None = None) -> Path:
    """Into the HF cache with the library's progress bar on stderr. A dropped connection is resumed by
    ``huggingface_hub`` itself (a Range request from the bytes already received, up to five times)."""
    with hub_errors(ref.repo, ref.filename, env):
        path = hf_hub_download(ref.repo, ref.filename, cache_dir=hub_cache_dir(env), endpoint=hub_endpoint(env))
    return Path(path)


def remove_cached(pointer: Path) -> None:
    """Delete a downloaded file from the cache: the snapshot's link and the blob it points at, so neither
    discovery nor ``--model hf:`` finds it again. Nothing else of the repository is touched."""
    blob = pointer.resolve()
    for path in (pointer, blob):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


@contextmanager
def hub_errors(repo: str, filename: str | None, env: Mapping[str, str] | None) -> Iterator[None]:
    """Each failure the library raises as the one line a user needs. Order matters: the gated error is a
    repository error, the remote entry error an HTTP error."""
    what = f"{repo}/{shown(filename)}" if filename else repo
    try:
        yield
    except GatedRepoError:
        raise HubError(
            f"{repo} is gated: accept its terms on the Hub, then set HF_TOKEN to a token that may read it"
        ) from None
    except RepositoryNotFoundError:
        raise HubError(
            f"{repo}: no such repository on the Hub (a private one needs HF_TOKEN set to a token that may read it)"
        ) from None
    except RevisionNotFoundError:
        raise HubError(f"{repo}: the repository has no 'main' revision") from None
    except LocalEntryNotFoundError:
        raise HubError(
            f"cannot reach the Hub at {hub_endpoint(env)} to get {what} (check the network or HF_ENDPOINT)"
        ) from None
    except EntryNotFoundError:  # the remote 404 for a file (the local one is caught above)
        raise HubError(f"{repo} has no file {shown(filename)} (shotglass pull {repo} lists its GGUF files)") from None
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise HubError(f"the Hub answered HTTP {status} for {what}") from None
    except httpx2.HTTPError as error:  # the connection failed past the library's own retries
        raise HubError(
            f"cannot reach the Hub at {hub_endpoint(env)} for {what}: {error or type(error).__name__}"
        ) from None
    except OSError as error:  # a size that does not match the Hub's, a full disk: the first line says which
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise HubError(f"download of {what} failed: {first}") from None
