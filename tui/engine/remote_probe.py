"""Find out, once at start, what kind of OpenAI-compatible server an endpoint is and what it offers.

The OpenAI API has no way to count tokens or to read the context size, but the servers people run
locally do, each in its own dialect: llama-server (``GET /props``, ``POST /tokenize`` with
``content``), llama-cpp-python's server (``POST /extras/tokenize`` with ``input``) and vLLM
(``max_model_len`` in ``/v1/models``, ``POST /tokenize`` with ``prompt``). Knowing which one answers
decides whether the gauge is exact and which sampling parameters the server honours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.core.errors import ModelError
from tui.engine.remote_http import Endpoint, HttpStatusError, MalformedJsonError, request_json
from tui.engine.remote_template import is_stand_in

LLAMA_SERVER = "llama-server"
LLAMA_CPP_PYTHON = "llama-cpp-python"
VLLM = "vllm"
GENERIC = "openai-compatible"

EXTENDED_PARAMS = ("top_k", "min_p", "repeat_penalty")
"""Sampling knobs beyond the OpenAI API; only servers known to honour them get them without a warning."""


@dataclass(frozen=True)
class TokenizeDialect:
    name: str
    path: str
    body: Callable[[str, str], dict[str, Any]]
    """(text, model id) -> request body. Each asks for the same special tokens (BOS) the server adds
    when it evaluates a completion prompt, so the count is what generation evaluates."""


TOKENIZE_DIALECTS = (
    TokenizeDialect(LLAMA_SERVER, "/tokenize", lambda text, model: {"content": text, "add_special": True}),
    TokenizeDialect(LLAMA_CPP_PYTHON, "/extras/tokenize", lambda text, model: {"input": text, "model": model}),
    TokenizeDialect(VLLM, "/tokenize", lambda text, model: {"prompt": text, "model": model}),
)


@dataclass(frozen=True)
class ServerFacts:
    kind: str
    model: str
    models: tuple[str, ...]
    tokenizer: TokenizeDialect | None
    n_ctx: int | None = None
    n_ctx_train: int | None = None
    size_bytes: int | None = None
    parameters: int | None = None
    chat_template: str | None = None
    bos_token: str = ""
    eos_token: str = ""
    template_stand_in: bool = False
    """The reported template is the server's fallback, not the model's (see ``remote_template``)."""

    @property
    def unsupported_params(self) -> tuple[str, ...]:
        return () if self.kind in (LLAMA_SERVER, LLAMA_CPP_PYTHON, VLLM) else EXTENDED_PARAMS


def probe(endpoint: Endpoint, model: str | None, *, timeout_s: float, api_key: str | None) -> ServerFacts:
    """``GET /v1/models`` must answer (else the endpoint is down or not OpenAI-compatible); the rest is
    optional and a 4xx just means 'not this dialect'."""
    try:
        listing = request_json(endpoint, "GET", "/v1/models", timeout_s=timeout_s, api_key=api_key)
    except HttpStatusError as error:
        if error.status in (401, 403):
            raise ModelError(
                f"{endpoint.url} refused the request (HTTP {error.status}): it needs an API key "
                "(--api-key KEY or OPENAI_API_KEY)"
            ) from None
        raise ModelError(
            f"{endpoint.url} does not look like an OpenAI-compatible server "
            f"(GET /v1/models answered HTTP {error.status})"
        ) from None
    entries = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(entries, list):
        raise ModelError(f"{endpoint.url} sent an unexpected model list (no 'data' array in GET /v1/models)")
    by_id = {str(entry["id"]): entry for entry in entries if isinstance(entry, dict) and entry.get("id")}
    if model is None:
        if not by_id:
            raise ModelError(f"{endpoint.url} serves no model (GET /v1/models is empty)")
        model = next(iter(by_id))
    elif by_id and model not in by_id:
        raise ModelError(f"{endpoint.url} does not serve model {model!r} (it serves: {', '.join(by_id)})")
    entry = by_id.get(model, {})
    raw_meta = entry.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    props = _optional_json(endpoint, "GET", "/props", None, timeout_s, api_key)
    is_llama_server = isinstance(props, dict) and ("default_generation_settings" in props or "chat_template" in props)
    tokenizer = _detect_tokenizer(endpoint, model, timeout_s, api_key, prefer_llama_server=is_llama_server)
    kind = GENERIC
    if is_llama_server or (tokenizer is not None and tokenizer.name == LLAMA_SERVER):
        kind = LLAMA_SERVER
    elif tokenizer is not None:
        kind = tokenizer.name
    elif "max_model_len" in entry:
        kind = VLLM
    facts: dict[str, Any] = {
        "n_ctx": _int(entry.get("max_model_len")) or _int(meta.get("n_ctx")),
        "n_ctx_train": _int(meta.get("n_ctx_train")),
        "size_bytes": _int(meta.get("size")),
        "parameters": _int(meta.get("n_params")),
    }
    if is_llama_server:
        settings = props.get("default_generation_settings")
        settings = settings if isinstance(settings, dict) else {}
        facts["n_ctx"] = _int(settings.get("n_ctx")) or _int(props.get("n_ctx")) or facts["n_ctx"]
        template = props.get("chat_template")
        facts["chat_template"] = template if isinstance(template, str) and template.strip() else None
        if facts["chat_template"] is not None and tokenizer is not None and tokenizer.name == LLAMA_SERVER:
            facts["template_stand_in"] = is_stand_in(
                facts["chat_template"], lambda marker: _special_count(endpoint, marker, timeout_s, api_key)
            )
        facts["bos_token"] = str(props.get("bos_token") or "")
        facts["eos_token"] = str(props.get("eos_token") or "")
    return ServerFacts(kind=kind, model=model, models=tuple(by_id), tokenizer=tokenizer, **facts)


def _detect_tokenizer(
    endpoint: Endpoint, model: str, timeout_s: float, api_key: str | None, *, prefer_llama_server: bool
) -> TokenizeDialect | None:
    dialects = (
        TOKENIZE_DIALECTS if prefer_llama_server else (TOKENIZE_DIALECTS[1], TOKENIZE_DIALECTS[0], TOKENIZE_DIALECTS[2])
    )
    for dialect in dialects:
        answer = _optional_json(endpoint, "POST", dialect.path, dialect.body("Hello", model), timeout_s, api_key)
        if token_list(answer) is not None:
            return dialect
    return None


def _special_count(endpoint: Endpoint, text: str, timeout_s: float, api_key: str | None) -> int | None:
    """How many tokens llama-server makes of ``text`` read as special-token text, with no BOS added."""
    body = {"content": text, "add_special": False, "parse_special": True}
    tokens = token_list(_optional_json(endpoint, "POST", "/tokenize", body, timeout_s, api_key))
    return None if tokens is None else len(tokens)


def token_list(answer: Any) -> list[int] | None:
    """The ``tokens`` array all three dialects answer with; llama-server may send ``{"id", "piece"}``s."""
    tokens = answer.get("tokens") if isinstance(answer, dict) else None
    if not isinstance(tokens, list):
        return None
    if all(isinstance(token, int) for token in tokens):
        return tokens
    if all(isinstance(token, dict) and isinstance(token.get("id"), int) for token in tokens):
        return [token["id"] for token in tokens]
    return None


def _optional_json(endpoint: Endpoint, method: str, path: str, body: Any, timeout_s: float, api_key: str | None) -> Any:
    """A probe: an HTTP error or a non-JSON answer means 'not offered'; a dead connection still raises."""
    try:
        return request_json(endpoint, method, path, body, timeout_s=timeout_s, api_key=api_key)
    except (HttpStatusError, MalformedJsonError):
        return None


def _int(value: Any) -> int | None:
    """A size or count the server reports, if plausible: a 2^70 context is a broken server, not a fact."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**53 else None
