"""How the composition root builds engines: a local llama.cpp model or a remote endpoint, the loader the model
picker uses, the scan of the GGUFs on this machine, and the placeholder the TUI shows while a model loads.

Everything that imports an engine implementation does so here or in ``tui.cli``, lazily, so ``--help`` stays
instant and the UI never imports an engine.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tui.core.paths import AppPaths

API_KEY_ENV = "OPENAI_API_KEY"


def model_loader(args: argparse.Namespace, paths: AppPaths):
    """What the app calls to switch models: the same options as the command line, another file."""

    def load(path: Path, gpu_layers: int | None):
        switched = argparse.Namespace(**{**vars(args), "model": path, "gpu_layers": gpu_layers, "endpoint": None})
        return load_engine(switched, paths)

    return load


def gpu_note() -> str:
    from tui.engine.llama import gpu_backend_names, gpu_offload_supported

    if not gpu_offload_supported():
        return "this llama.cpp build is CPU-only (see the README to build it with CUDA, Metal or Vulkan)"
    return f"auto = all layers on {'/'.join(gpu_backend_names()) or 'the GPU'}; 0 = CPU only"


def model_scanner(paths: AppPaths):
    def scan() -> list:
        from tui.core.models.scan import scan_models
        from tui.core.models.sources import default_sources, read_folder_config

        embedded = paths.models_cache_dir / "gemma-3-270m-q4_k_m.gguf"
        return scan_models(
            default_sources(embedded if embedded.exists() else None, read_folder_config(paths.config_dir))
        )

    return scan


def load_engine(args: argparse.Namespace, paths: AppPaths):
    """Load the llama.cpp engine for the options given. Imported lazily: ``--help`` stays instant."""
    endpoint = getattr(args, "endpoint", None)
    if endpoint:
        from tui.engine.remote import RemoteEngine

        api_key = getattr(args, "api_key", None) or os.environ.get(API_KEY_ENV) or None
        return RemoteEngine(
            endpoint, getattr(args, "remote_model", None), n_ctx=getattr(args, "ctx", None), api_key=api_key
        )
    return build_engine(engine_options(args, paths), paths)


def engine_options(args: argparse.Namespace, paths: AppPaths):
    """The local model to load and how (the embedded one is assembled here on the first run)."""
    from tui.core.models.hardware import physical_cores
    from tui.engine.embedded import embedded_model_path
    from tui.engine.load_options import LoadOptions

    model = getattr(args, "model", None)
    if model is None:
        model = embedded_model_path(paths.models_cache_dir)
    elif str(model).startswith("hf:"):  # a model pulled from the Hub, found in the HF cache without the network
        from tui.commands.hub import resolve_offline

        model = resolve_offline(str(model))
    return LoadOptions(
        model_path=Path(model).expanduser(),
        n_ctx=getattr(args, "ctx", None),
        n_threads=getattr(args, "threads", None) or physical_cores(),
        gpu_layers=getattr(args, "gpu_layers", None),
        log_file=paths.llama_log_file,
    )


def build_engine(options, paths: AppPaths):
    from tui.commands.cache import prompt_state_cache
    from tui.engine.llama import LlamaEngine

    engine = LlamaEngine(options)
    engine.use_state_cache(prompt_state_cache(paths))  # instant resume: prompt states saved after replies
    return engine


def loading_placeholder(options, paths: AppPaths):
    """Checks that take milliseconds (the file is a GGUF llama.cpp can load) before the TUI starts, so a bad
    ``--model`` is still one line and exit 2; the load itself happens after the first frame."""
    from tui.core.loading_engine import LoadingEngine
    from tui.core.models.gguf import read_gguf_info
    from tui.engine import load_options

    gguf = read_gguf_info(options.model_path)
    load_options.check_before_load(gguf, options.log_file)
    return LoadingEngine(options.model_path, load_options.resolve_n_ctx(gguf, options.n_ctx))
