"""The llama.cpp engine: the only module that imports llama_cpp.

Why not ``create_completion``: it re-detokenizes the whole completion at every step (overhead grows with
reply length) and cannot tell us how many prompt tokens the KV-cache prefix saved. Here tokens go through
``Llama.generate`` (which keeps llama-cpp-python's prefix match), are detokenized one piece at a time
through a cached piece table and an incremental UTF-8 decoder, and stop strings are matched with a
hold-back scanner, so per-token overhead is constant.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import llama_cpp

from tui.core.chat import literal
from tui.core.chat.conversation import FinishReason
from tui.core.chat.stops import StopScanner
from tui.core.contract import EngineCapabilities, GenerationResult, ModelInfo, SamplingParams, TextCallback
from tui.core.errors import ModelError
from tui.core.inspector.scores import PositionScores
from tui.core.kvcache.store import PromptStateCache
from tui.core.models.gguf import read_gguf_info
from tui.core.models.hardware import available_memory_bytes, backend_label
from tui.core.profiles.profile import DecodingProfile
from tui.engine import load_options as options_
from tui.engine.compute_thread import run_on_compute_thread
from tui.engine.load_options import LoadOptions, model_param_overrides
from tui.engine.load_prints import module_prints_to
from tui.engine.prompt_states import PromptStates, StateApi
from tui.engine.scoring import apply_repeat_penalty, score_position

ABORTABLE_PROMPT_TOKENS = 64
"""Prompt evaluations at least this long get llama.cpp's abort callback; shorter ones finish in
milliseconds, and the callback costs a GIL round-trip per graph node while it is installed."""

_PARSED_SPECIAL = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_UNKNOWN
"""Token kinds that ``special=True`` tokenization matches in text and ``special=False`` leaves as text
(llama.cpp matches user-defined tokens either way)."""

_log_handle = None
_log_callback = None

T = TypeVar("T")


def route_llama_log(log_file: Path) -> None:
    """Send llama.cpp's own log to a file, never to the terminal the TUI draws on."""
    global _log_handle, _log_callback
    log_file.parent.mkdir(parents=True, exist_ok=True)
    if _log_handle is None or _log_handle.name != str(log_file):
        _log_handle = open(log_file, "a", encoding="utf-8", errors="replace")  # noqa: SIM115 - process-long

    @llama_cpp.llama_log_callback
    def _write(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        handle = _log_handle
        if handle is None or handle.closed or not text:
            return
        try:
            handle.write(text.decode("utf-8", errors="replace"))
            handle.flush()
        except (OSError, ValueError):
            pass  # a log line must never take the process down (e.g. during interpreter exit)

    _log_callback = _write  # keep a reference: llama.cpp holds a raw pointer to it
    llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))


def gpu_offload_supported() -> bool:
    return bool(llama_cpp.llama_supports_gpu_offload())


def gpu_backend_names() -> list[str]:
    """Which GPU backends this llama.cpp build has, read from its system-info line (``CUDA : ARCHS = ...``)."""
    info = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
    return options_.gpu_names(segment.split(":")[0].strip() for segment in info.split("|") if ":" in segment)


_params_patch = threading.Lock()


@contextlib.contextmanager
def default_model_params(fields: dict[str, object]) -> Iterator[None]:
    """Inside, ``llama_model_default_params`` (which ``llama_cpp.Llama`` calls for what it takes no argument
    for, like ``use_extra_bufts``) returns params with ``fields`` set; one load at a time. Also starts
    llama-cpp-python's own server with the same safe parameters (``tui.engine.llama_cpp_server``)."""
    module = llama_cpp.llama_cpp
    original = module.llama_model_default_params

    def with_fields() -> object:
        params = original()
        for name, value in fields.items():
            setattr(params, name, value)
        return params

    with _params_patch:
        module.llama_model_default_params = with_fields
        try:
            yield
        finally:
            module.llama_model_default_params = original


class _NoChatFormatter:
    """Stands in for llama-cpp-python's ``Jinja2ChatFormatter`` while ``Llama()`` loads. The real one compiles
    every ``tokenizer.chat_template*`` of the GGUF in unbounded Jinja (a hostile one recurses or folds
    ``"x" * 10**10`` at load) for ``create_chat_completion``, which shotglass never calls: its templates are
    rendered by ``tui/engine/template_sandbox.py``, bounded."""

    def __init__(self, **_fields: object) -> None:
        pass

    def to_chat_handler(self) -> object:
        return _no_chat_completion


def _no_chat_completion(*_args: object, **_kwargs: object) -> object:
    raise ModelError("shotglass renders chat templates itself; llama-cpp-python's chat completion is not used")


@contextlib.contextmanager
def without_chat_formatters() -> Iterator[None]:
    """Inside, ``Llama()`` compiles no chat template (used inside ``default_model_params``: one load at a
    time; llama-cpp-python's own server keeps its formatters)."""
    module = llama_cpp.llama_chat_format
    original = module.Jinja2ChatFormatter
    module.Jinja2ChatFormatter = _NoChatFormatter  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        module.Jinja2ChatFormatter = original  # type: ignore[misc]


class LlamaEngine:
    def __init__(self, options: LoadOptions) -> None:
        gguf = read_gguf_info(options.model_path)
        options_.check_before_load(gguf, options.log_file)  # values llama.cpp aborts on; a writable log
        n_ctx = options_.resolve_n_ctx(gguf, options.n_ctx)
        offload = gpu_offload_supported()
        if not offload or options.gpu_layers == 0:
            options_.check_fits_in_memory(options.model_path, available_memory_bytes())
        gpu_layers = options.gpu_layers if options.gpu_layers is not None else (-1 if offload else 0)
        if options.log_file is not None:
            route_llama_log(options.log_file)
        log_target = open(options.log_file, "a", encoding="utf-8") if options.log_file else open("/dev/null", "w")
        try:
            # verbose=True keeps llama-cpp-python from dup2()-ing fds 1 and 2 during the load; its Python
            # prints (and no other thread's stderr) go to the log file instead of the screen.
            with (
                log_target,
                default_model_params(model_param_overrides()),
                module_prints_to([llama_cpp.llama, llama_cpp._logger], log_target),
                without_chat_formatters(),
            ):
                self._llm = llama_cpp.Llama(
                    model_path=str(options.model_path),
                    n_ctx=n_ctx,
                    n_threads=options.n_threads,
                    n_threads_batch=options.n_threads,
                    n_gpu_layers=gpu_layers,
                    verbose=True,
                )
        except ValueError as error:
            hint = f"; details in {options.log_file}" if options.log_file else ""
            raise ModelError(
                f"llama.cpp could not load {options.model_path} (truncated or corrupt GGUF?): {error}{hint}"
            ) from None
        self._llm.verbose = False
        # Llama() turned llama.cpp's log up for the load; contexts made later (Ctrl+N) stay quiet.
        llama_cpp._logger.set_verbose(False)
        self._vocab = self._llm._model.vocab
        self._ctx = self._llm._ctx.ctx
        self._lock = threading.Lock()
        self._vocab_lock = threading.Lock()
        """Guards tokenization (which may run beside generation) against ``close()``: use after free segfaults."""
        self._pieces: dict[int, bytes] = {}
        self._cancel: threading.Event | None = None
        self._abort_cb = llama_cpp.ggml_abort_callback(self._should_abort)
        self._no_abort_cb = llama_cpp.ggml_abort_callback()  # no arguments: a NULL function pointer
        self._closed = False
        self._states: PromptStates | None = None
        self._add_bos = bool(self._llm._model.add_bos_token())
        self._bos_text = self._token_text(self._llm.token_bos())
        self.prompt_format = options_.resolve_prompt_format(
            gguf, self._bos_text, self._token_text(self._llm.token_eos()), self._special_texts
        )
        backend = backend_label(offload, gpu_layers, gpu_backend_names() if offload else [])
        self.capabilities = EngineCapabilities(exact_counts=True, rescoring=True, reuse_limit=True, label_scoring=True)
        self.info = ModelInfo(
            path=str(options.model_path),
            name=gguf.name,
            architecture=gguf.architecture,
            size_label=gguf.size_label,
            quantization=gguf.quantization,
            n_ctx=self._llm.n_ctx(),
            n_ctx_train=gguf.context_length,
            backend=backend,
            n_threads=options.n_threads,
            gpu_layers=gpu_layers,
            prompt_format=self.prompt_format.description,
        )

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return self._llm._model.token_get_text(token)

    # -- tokens -------------------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        """The exact tokens ``generate`` evaluates for ``text``.

        Vocabulary-only (no context state), so it runs outside the generation lock, like llama-server
        tokenizes in its HTTP threads while decoding. BOS is added unless the text already starts with
        it (chat templates often write ``{{ bos_token }}`` themselves).
        """
        pieces = literal.spans(text)
        plain_text = literal.unmarked(text)
        add_bos = self._add_bos and not (self._bos_text and plain_text.startswith(self._bos_text))
        with self._vocab_lock:
            if self._closed:
                raise ModelError("the model was closed")
            model = self._llm._model
            if len(pieces) <= 1 and not any(is_plain for _piece, is_plain in pieces):
                return model.tokenize(plain_text.encode("utf-8"), add_bos=add_bos, special=True)
            tokens: list[int] = []
            for index, (piece, is_plain) in enumerate(pieces):
                # Text people wrote (marked by the prompt format) never becomes a special token.
                tokens += model.tokenize(piece.encode("utf-8"), add_bos=add_bos and index == 0, special=not is_plain)
            return tokens

    def _stop_tokens(self, stops: tuple[str, ...]) -> tuple[frozenset[int], tuple[str, ...]]:
        """Stops that are one control token (a template's ``<|im_end|>``) become token stops, since control
        tokens are never shown as text; the rest stay text stops for the scanner."""
        tokens: set[int] = set()
        texts: list[str] = []
        with self._vocab_lock:
            for stop in stops:
                ids = self._llm._model.tokenize(stop.encode("utf-8"), add_bos=False, special=True)
                if len(ids) == 1 and self._is_control(ids[0]):
                    tokens.add(ids[0])
                else:
                    texts.append(stop)
        return frozenset(tokens), tuple(texts)

    def _is_control(self, token: int) -> bool:
        return bool(llama_cpp.llama_vocab_get_attr(self._vocab, token) & llama_cpp.LLAMA_TOKEN_ATTR_CONTROL)

    def _special_texts(self) -> frozenset[str]:
        """The texts of control tokens (what ``special=True`` tokenization would turn into one token). Read on the
        first render, which may be in the gauge's worker thread: under the vocabulary lock, like tokenizing."""
        texts = set()
        with self._vocab_lock:
            if self._closed:
                raise ModelError("the model was closed")
            for token in range(self._llm.n_vocab()):
                if llama_cpp.llama_vocab_get_attr(self._vocab, token) & _PARSED_SPECIAL:
                    text = self._token_text(token)
                    if text:
                        texts.add(text)
        return frozenset(texts)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def _piece(self, token: int) -> bytes:
        piece = self._pieces.get(token)
        if piece is None:
            buffer = ctypes.create_string_buffer(64)
            size = llama_cpp.llama_token_to_piece(self._vocab, token, buffer, 64, 0, False)
            if size < 0:
                buffer = ctypes.create_string_buffer(-size)
                size = llama_cpp.llama_token_to_piece(self._vocab, token, buffer, -size, 0, False)
            piece = buffer.raw[:size]
            self._pieces[token] = piece
        return piece

    def detokenize(self, tokens: list[int]) -> str:
        return b"".join(self._piece(token) for token in tokens).decode("utf-8", errors="replace")

    # -- generation ---------------------------------------------------------------------------------

    def _should_abort(self, _data: ctypes.c_void_p) -> bool:
        cancel = self._cancel
        return bool(cancel is not None and cancel.is_set())

    def _set_abort(self, enabled: bool) -> None:
        llama_cpp.llama_set_abort_callback(self._ctx, self._abort_cb if enabled else self._no_abort_cb, None)

    def _reused_prefix(self, tokens: list[int]) -> int:
        """How many prompt tokens the KV cache already holds (mirrors ``Llama.generate``'s prefix match)."""
        cached = self._llm.input_ids[: self._llm.n_tokens].tolist()
        longest = 0
        for have, want in zip(cached, tokens):
            if have != want:
                break
            longest += 1
        if longest == len(tokens):
            if self._llm.n_tokens == len(tokens) and not self._llm._requires_eval:
                return longest
            return longest - 1
        return longest

    def _computing(self, body: Callable[[], T], cancel: threading.Event) -> T:
        """``body`` on the compute thread (``tui/engine/compute_thread.py``), holding the engine lock, on a model
        that is still open."""

        def locked() -> T:
            with self._lock:
                if self._closed:
                    raise ModelError("the model was closed")
                return body()

        return run_on_compute_thread(locked, cancel)

    def generate(
        self,
        prompt: str,
        params: SamplingParams,
        on_text: TextCallback,
        cancel: threading.Event,
        reuse_limit: int | None = None,
        forced: tuple[int, ...] = (),
    ) -> GenerationResult:
        tokens = self.tokenize(prompt)
        if len(tokens) + params.max_new_tokens > self.info.n_ctx:
            raise ModelError(
                f"prompt of {len(tokens)} tokens plus {params.max_new_tokens} new tokens exceeds "
                f"the context of {self.info.n_ctx}"
            )

        def body() -> GenerationResult:
            if reuse_limit is not None and self._llm.n_tokens > reuse_limit:
                self._llm.n_tokens = max(0, reuse_limit)  # generate() drops the KV cells past this point
                self._llm._requires_eval = True
            if self._states is not None and reuse_limit is None:  # a replay reuses exactly what the original did
                self._states.restore(self._llm, self._ctx, tokens, self._reused_prefix(tokens), self.info.n_ctx)
            return self._generate_locked(tokens, params, on_text, cancel, tuple(forced))

        return self._computing(body, cancel)  # on_text is called there too

    def _generate_locked(
        self,
        prompt_tokens: list[int],
        params: SamplingParams,
        on_text: TextCallback,
        cancel: threading.Event,
        forced: tuple[int, ...] = (),
    ) -> GenerationResult:
        llm = self._llm
        tokens = prompt_tokens + list(forced)
        reused = self._reused_prefix(tokens)
        evaluated = len(tokens) - reused
        llm.set_seed(params.seed)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        stop_tokens, stop_texts = self._stop_tokens(params.stop)
        scanner = StopScanner(stop_texts)
        finish = FinishReason.LENGTH
        completion = 0
        generated: list[int] = list(forced)
        for token in forced:
            completion += 1
            on_text(scanner.feed(decoder.decode(self._piece(token))), completion)
        start = time.perf_counter()
        first_at = end = start
        self._cancel = cancel
        abortable = evaluated >= ABORTABLE_PROMPT_TOKENS
        if abortable:
            self._set_abort(True)
        stream = llm.generate(
            tokens,
            top_k=params.top_k,
            top_p=params.top_p,
            min_p=params.min_p,
            typical_p=1.0,
            temp=params.temperature,
            repeat_penalty=params.repeat_penalty,
            reset=True,
        )
        try:
            for token in stream if completion < params.max_new_tokens else ():
                if completion == len(forced):
                    first_at = time.perf_counter()
                    if abortable:
                        self._set_abort(False)
                        abortable = False
                if cancel.is_set():
                    finish = FinishReason.CANCELLED
                    break
                if llama_cpp.llama_vocab_is_eog(self._vocab, token) or token in stop_tokens:
                    finish = FinishReason.END_OF_SEQUENCE
                    break
                completion += 1
                generated.append(token)
                on_text(scanner.feed(decoder.decode(self._piece(token))), completion)
                if scanner.stopped:
                    finish = FinishReason.STOP_STRING
                    break
                if completion >= params.max_new_tokens:
                    break
        except RuntimeError as error:
            # An abort during prompt evaluation surfaces as a failed llama_decode.
            if not cancel.is_set():
                raise ModelError(f"llama.cpp failed during generation: {error}") from None
            finish = FinishReason.CANCELLED
            # n_tokens only advances after a successful decode, and the next eval() first removes every
            # KV cell past it: the prefix evaluated before the abort stays valid and reusable.
            llm._requires_eval = True
        finally:
            stream.close()
            if abortable:
                self._set_abort(False)
            self._cancel = None
            end = time.perf_counter()
        if finish is not FinishReason.STOP_STRING:
            tail = scanner.feed(decoder.decode(b"", final=True)) + scanner.flush()
            if tail:
                on_text(tail, completion)
        sampled = completion - len(forced)
        if sampled == 0:
            first_at = end
        decode_time = end - first_at
        rate = (sampled - 1) / decode_time if sampled > 1 and decode_time > 0 else 0.0
        return GenerationResult(
            text=scanner.emitted,
            finish_reason=finish,
            prompt_tokens=len(prompt_tokens),
            evaluated_prompt_tokens=evaluated,
            completion_tokens=completion,
            ttft_s=first_at - start,
            tokens_per_s=rate,
            seed=params.seed,
            tokens=tuple(generated),
        )

    def rescore(
        self,
        prompt: str,
        reply_tokens: tuple[int, ...],
        profile: DecodingProfile,
        reuse_limit: int | None,
        cancel: threading.Event,
    ) -> list[PositionScores]:
        """Re-run a finished reply token by token and measure, at each position, the distribution the
        sampler saw. Evaluates exactly like generation did (same cached prefix, same prompt batch, then one
        token per decode), so the logits are the generation's own; each row is reduced to a few numbers
        by ``score_position`` and dropped, so no ``logits_all`` buffer is ever held."""
        import numpy as np

        tokens = self.tokenize(prompt)

        def body() -> list[PositionScores]:
            llm = self._llm
            if reuse_limit is not None and llm.n_tokens > reuse_limit:
                llm.n_tokens = max(0, reuse_limit)
                llm._requires_eval = True
            reused = min(self._reused_prefix(tokens), len(tokens) - 1)
            llm.n_tokens = reused
            llm.eval(tokens[reused:])
            n_vocab = llm.n_vocab()
            scores: list[PositionScores] = []
            for index, token in enumerate(reply_tokens):
                if cancel.is_set():
                    break
                row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self._ctx, -1), shape=(n_vocab,))
                logits = apply_repeat_penalty(row.copy(), list(reply_tokens[:index]), profile.repeat_penalty)
                scores.append(score_position(logits, token, index, profile, self.token_text))
                if index < len(reply_tokens) - 1:
                    llm.eval([token])
            return scores

        return self._computing(body, cancel)

    def label_logprobs(self, prompt: str, continuations: tuple[str, ...], cancel: threading.Event) -> tuple[float, ...]:
        """Score each continuation by its log-probability after ``prompt``, with no sampling (``eval --score
        choice``). The prompt is evaluated once (after the cached prefix, like ``generate``) and its last
        logits kept; each continuation is then evaluated from that shared prefix, one token per decode so only
        the last row of logits is ever needed, and its KV cells are dropped before the next one. Stops between
        tokens when ``cancel`` is set (the values so far come back; the caller drops them)."""
        import numpy as np

        prompt_tokens = self.tokenize(prompt)
        tails = [self._continuation_tokens(prompt_tokens, prompt, text) for text in continuations]
        longest = max((len(tail) for tail in tails), default=0)
        if len(prompt_tokens) + longest > self.info.n_ctx:
            raise ModelError(
                f"prompt of {len(prompt_tokens)} tokens plus a {longest}-token label exceeds the context of "
                f"{self.info.n_ctx}"
            )

        def log_softmax_row(n_vocab: int) -> np.ndarray:
            row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self._ctx, -1), shape=(n_vocab,))
            row = row.astype(np.float64)
            top = row.max()
            return row - (top + np.log(np.exp(row - top).sum()))

        def body() -> tuple[float, ...]:
            llm = self._llm
            n_vocab = llm.n_vocab()
            reused = min(self._reused_prefix(prompt_tokens), len(prompt_tokens) - 1)
            llm.n_tokens = reused
            self._cancel = cancel
            abortable = len(prompt_tokens) - reused >= ABORTABLE_PROMPT_TOKENS
            self._set_abort(abortable)
            try:
                llm.eval(prompt_tokens[reused:])
            except RuntimeError as error:
                llm._requires_eval = True
                if cancel.is_set():
                    return ()
                raise ModelError(f"llama.cpp failed evaluating the prompt: {error}") from None
            finally:
                if abortable:
                    self._set_abort(False)
                self._cancel = None
            after_prompt = log_softmax_row(n_vocab)
            values: list[float] = []
            try:
                for tail in tails:
                    if cancel.is_set():
                        break
                    total = float(after_prompt[tail[0]]) if tail else 0.0
                    llm.n_tokens = len(prompt_tokens)  # the next eval drops the previous label's cells
                    for position, token in enumerate(tail[:-1]):
                        llm.eval([token])
                        total += float(log_softmax_row(n_vocab)[tail[position + 1]])
                    values.append(total)
            finally:
                llm.n_tokens = len(prompt_tokens)
                llm._requires_eval = True  # the logits held are a label's: generate re-evaluates the last token
            return tuple(values)

        return self._computing(body, cancel)

    def _continuation_tokens(self, prompt_tokens: list[int], prompt: str, text: str) -> list[int]:
        """The tokens ``text`` adds after the prompt, as the model would read prompt + text; where the
        tokenizer merges across the boundary, the text tokenized alone (as plain text) follows the prompt."""
        whole = self.tokenize(prompt + literal.unmarked(text))
        if whole[: len(prompt_tokens)] == prompt_tokens and len(whole) > len(prompt_tokens):
            return whole[len(prompt_tokens) :]
        with self._vocab_lock:
            if self._closed:
                raise ModelError("the model was closed")
            return self._llm._model.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def token_text(self, token: int) -> str:
        return self._piece(token).decode("utf-8", errors="replace")

    def use_state_cache(self, cache: PromptStateCache) -> None:
        """Save prompt states after replies and restore them on a later start (instant resume)."""
        api = StateApi(llama_cpp.llama_state_seq_save_file, llama_cpp.llama_state_seq_load_file, llama_cpp.llama_token)
        self._states = PromptStates(cache, Path(self.info.path), api)

    def save_prompt_state(self) -> None:
        with self._lock:
            if self._states is not None and not self._closed:
                self._states.save(self._llm, self._ctx)

    def forget_conversation(self) -> None:
        """Give back the KV cache's memory with a fresh llama.cpp context (the old one is freed).

        The KV buffer is allocated for the whole context at load, but the operating system hands out its pages
        only as a chat fills them: after a 2,700-token chat on the embedded model RSS was 63 MiB above a fresh
        start, and clearing the cells does not return a page. A new context starts untouched (7 MiB above).
        The next prompt is evaluated from the start, or restored from a saved state that it shares most of."""

        def locked() -> None:
            with self._lock:
                if self._closed or self._llm.n_tokens == 0 or self.info.gpu_layers != 0:
                    return  # offloaded: the device holds the cache whole, and two contexts may not fit there
                llm = self._llm
                fresh = llama_cpp._internals.LlamaContext(model=llm._model, params=llm.context_params, verbose=False)
                old, llm._ctx = llm._ctx, fresh  # the model frees ``fresh`` before itself at close
                old.close()
                self._ctx = fresh.ctx
                llm.n_tokens = 0
                llm._requires_eval = True

        run_on_compute_thread(locked)

    def close(self) -> None:
        """Free the model. Waits for a running generation to finish: use after close segfaults."""
        with self._lock, self._vocab_lock:
            if not self._closed:
                self._closed = True
                self._llm.close()
