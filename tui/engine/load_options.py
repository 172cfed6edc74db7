"""Choices made before llama.cpp loads a model, kept apart from ``llama.py`` because none needs llama_cpp:
the load options, the checks before a load (header values llama.cpp aborts on, a writable log), the
context size, the memory check, which CPU kernels are safe to use and the prompt format."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tui.core.chat.prompt import CompletionFormat, PromptFormat
from tui.core.errors import ModelError
from tui.core.models.gguf import GgufInfo
from tui.core.models.hardware import cpu_flags
from tui.core.models.loadable import check_loadable
from tui.engine.chat_template import ChatTemplateFormat
from tui.engine.template_sandbox import TemplateError, TemplateStopped, compile_template

DEFAULT_CTX_CAP = 8192
GPU_BACKENDS = ("CUDA", "Metal", "Vulkan", "ROCm", "HIP", "SYCL", "OpenCL", "MUSA", "CANN", "Kompute")


@dataclass(frozen=True)
class LoadOptions:
    model_path: Path
    n_ctx: int | None = None
    n_threads: int = 1
    gpu_layers: int | None = None
    log_file: Path | None = None


NO_BACKTRACE_ENV = "GGML_NO_BACKTRACE"


def check_before_load(gguf: GgufInfo, log_file: Path | None) -> None:
    """Everything ``LlamaEngine`` checks before ``llama_cpp.Llama`` sees the file, each failure one line.

    The header values llama.cpp aborts on are refused (``tui/core/models/loadable.py`` says why that is
    checked up front rather than probed in a child process), and so are hostile chat templates. ggml is
    told not to run gdb on itself if it aborts anyway (its backtrace would land on the terminal). And the
    log is written to once: on a full or read-only disk that is a clear error here, not an ``OSError`` from
    the load's own log writes."""
    check_loadable(gguf)
    check_chat_templates(gguf)
    os.environ.setdefault(NO_BACKTRACE_ENV, "1")
    if log_file is None:
        return
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "a", encoding="utf-8", errors="replace") as handle:
            handle.write(f"--- shotglass: loading {gguf.path}\n")
    except OSError as error:
        raise ModelError(
            f"cannot write llama.cpp's log {log_file} ({error.strerror or error}); free some space there "
            "or make it writable"
        ) from None


TEMPLATE_KEY = "tokenizer.chat_template"
PROBE_CONVERSATIONS = (
    [{"role": "user", "content": "Hello."}],
    [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello."},
        {"role": "assistant", "content": "Hi."},
        {"role": "user", "content": "How are you?"},
    ],
)


def check_chat_templates(gguf: GgufInfo) -> None:
    """Refuse, in one line, a GGUF whose chat templates are hostile, before anything compiles them unbounded.

    Every ``tokenizer.chat_template`` key (the default and named ones such as ``.tool_use``) is compiled in
    the bounded sandbox: llama-cpp-python's ``Llama()`` would otherwise compile each in plain Jinja at load,
    where a deeply nested source recurses without end and a constant ``"x" * 10**10`` is folded in memory
    (``tui/engine/llama.py`` keeps it from compiling them at all; shotglass renders templates itself). The
    default template is also rendered on two short conversations: a template that is stopped there (a limit,
    a reach for Python internals) is refused now rather than on every gauge recount. A template that merely
    refuses a conversation (``raise_exception`` on a system role) is fine."""
    for key, value in gguf.metadata.items():
        if (key != TEMPLATE_KEY and not key.startswith(TEMPLATE_KEY + ".")) or not isinstance(value, str):
            continue
        try:
            compiled = compile_template(value)
            if key == TEMPLATE_KEY:
                for messages in PROBE_CONVERSATIONS:
                    try:
                        compiled.render(messages, add_generation_prompt=True)
                    except TemplateStopped:
                        raise
                    except TemplateError:
                        continue
        except TemplateError as error:
            raise ModelError(f"{gguf.path.name} is refused: {error} (in {key})") from None


def resolve_n_ctx(info: GgufInfo, requested: int | None) -> int:
    trained = info.context_length
    if requested is None:
        return min(trained or DEFAULT_CTX_CAP, DEFAULT_CTX_CAP)
    if trained is not None and requested > trained:
        raise ModelError(f"--ctx {requested} exceeds the model's trained context of {trained} tokens")
    return requested


def check_fits_in_memory(path: Path, available: int | None) -> None:
    """Refuse, with the numbers, a model whose weights alone exceed the memory that is free right now.

    llama.cpp mmaps the file, so an oversized model would not fail at load: it would page-thrash the
    machine. The KV cache comes on top, so this check is a floor, not a promise."""
    size = path.stat().st_size
    if available is not None and size > available:
        raise ModelError(
            f"{path.name} needs at least {size / 2**30:.1f} GiB of memory for its weights; only "
            f"{available / 2**30:.1f} GiB is available. Close other programs or pick a smaller "
            "quantization"
        )


EXTRA_BUFFERS_ENV = "SHOTGLASS_CPU_EXTRA_BUFFERS"


def use_cpu_extra_buffers() -> bool:
    """Whether llama.cpp may pick its "extra" CPU buffer types (AMX kernels, weight repacking).

    On a CPU with AMX, llama.cpp 0.3.36's AMX matmul crashes with SIGSEGV on the embedded Gemma 3 model
    (``ggml_backend_amx_mul_mat``, reproduced with bare llama-cpp-python on a 2-core AMX machine). Extra
    buffer types are all or nothing in ``llama_model_params``, so on such CPUs they are off; elsewhere on.
    ``SHOTGLASS_CPU_EXTRA_BUFFERS=1`` (or ``0``) decides explicitly.
    """
    chosen = os.environ.get(EXTRA_BUFFERS_ENV, "").strip()
    if chosen in ("0", "1"):
        return chosen == "1"
    return "amx_int8" not in cpu_flags() and "amx_tile" not in cpu_flags()


def model_param_overrides() -> dict[str, object]:
    """The ``llama_model_params`` fields shotglass sets beyond what ``llama_cpp.Llama`` takes as arguments."""
    return {} if use_cpu_extra_buffers() else {"use_extra_bufts": False}


def gpu_names(backends: Iterable[str]) -> list[str]:
    """The GPU backends among the names in llama.cpp's system-info line."""
    return [name for name in backends if any(name.upper().startswith(gpu.upper()) for gpu in GPU_BACKENDS)]


def resolve_prompt_format(
    gguf: GgufInfo, bos_text: str, eos_text: str, special_texts: Callable[[], frozenset[str]] = frozenset
) -> PromptFormat:
    """The GGUF's chat template if it has one; otherwise a labelled completion transcript.

    Never llama-cpp-python's silent Llama-2 fallback: a base model without a template (like the embedded
    Gemma 270M) would get ``[INST]`` markers it never saw in training. ``special_texts`` (the vocabulary's
    control-token texts, read on first use) keeps them from being forged in messages.
    """
    if gguf.chat_template is None:
        return CompletionFormat(special_texts=special_texts)
    return ChatTemplateFormat(
        template=gguf.chat_template, bos_token=bos_text, eos_token=eos_text, special_texts=special_texts
    )
