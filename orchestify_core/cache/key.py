"""The cache key of a request, and the namespace that keeps tenants apart.

The key is the SHA-256 of the normalised request: the provider's type and endpoint, the
model, the messages (every part), the tools, every parameter that reaches the wire
(temperature, max_tokens, thinking and its budget, tool_choice, stop, extra, and which of
them were given), inside a namespace. Two requests that differ only in the per-attempt
``timeout`` share a key; anything the provider sees separates them.

The namespace of a provider is derived from its API key with PBKDF2-HMAC-SHA256 over a
random salt that the store makes once (so the same key gives the same namespace in every
process sharing the store), at 100,000 iterations: the API key is never stored, nor a plain
hash of it; confirming a guessed key against a stolen store costs a PBKDF2 run per guess
and per store. A configured namespace (``shared_namespace``, a provider's ``namespace``)
replaces it, which is how two keys are made to share entries.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import attrs

from ..models import CompletionRequest

__all__ = ["PBKDF2_ITERATIONS", "key_namespace", "known_namespace", "request_key"]

PBKDF2_ITERATIONS = 100_000
_derived: dict[tuple[bytes, bytes], str] = {}
_derived_lock = threading.Lock()


def known_namespace(api_key: str, salt: bytes) -> str | None:
    """The namespace of an API key if this process derived it already."""
    with _derived_lock:
        return _derived.get((api_key.encode(), salt))


def key_namespace(api_key: str, salt: bytes) -> str:
    """The namespace of an API key in a store with ``salt`` (derived once per process:
    about 20 ms of CPU, which is why the cache runs it in a worker thread)."""
    secret = api_key.encode()
    found = known_namespace(api_key, salt)
    if found is None:
        digest = hashlib.pbkdf2_hmac("sha256", secret, salt, PBKDF2_ITERATIONS)
        found = "k" + digest.hex()[:32]
        with _derived_lock:
            _derived[(secret, salt)] = found
    return found


def _plain(value: Any) -> Any:
    """What json.dumps cannot write, as text (a plugin's extra may hold anything)."""
    if attrs.has(type(value)):
        return attrs.asdict(value, recurse=True)
    if isinstance(value, set | frozenset):
        return sorted(map(repr, value))
    return repr(value)


def request_key(
    namespace: str, provider_type: str, base_url: str | None, request: CompletionRequest
) -> str:
    """The hex SHA-256 key of ``request`` in ``namespace``."""
    normalised = {
        "ns": namespace,
        "type": provider_type,
        "base_url": base_url,
        "model": request.model,
        "messages": [attrs.asdict(message, recurse=True) for message in request.messages],
        "tools": [attrs.asdict(tool, recurse=True) for tool in request.tools],
        "max_tokens": request.max_tokens,
        "temperature": None if request.temperature is None else float(request.temperature),
        "tool_choice": request.tool_choice,
        "thinking": request.thinking,
        "thinking_budget": request.thinking_budget,
        "stop": list(request.stop),
        "extra": dict(request.extra),
        "given": sorted(request.given - {"timeout"}),
    }
    text = json.dumps(normalised, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()
