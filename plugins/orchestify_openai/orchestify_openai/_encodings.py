"""The tiktoken encodings OpenAI's chat models use, shipped inside this package.

tiktoken downloads an encoding's BPE ranks on first use and caches them under a temporary
directory; a machine without internet cannot. The two files the chat models need,
``o200k_base`` (gpt-4o, gpt-4.1, gpt-4.5, the o-series, gpt-5 and later) and
``cl100k_base`` (gpt-4, gpt-4-turbo, gpt-3.5-turbo), are package data here (from
tiktoken's public encodings, MIT), checked against the SHA-256 tiktoken itself expects, and
built into a ``tiktoken.Encoding`` with tiktoken's own split pattern and special tokens.
Nothing is downloaded, no environment variable is set, no cache directory is written.

An encoding is loaded once per process (about a fifth of a second for ``o200k_base``);
:data:`load_seconds` keeps what each load took.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

__all__ = ["DEFAULT_ENCODING", "encoding", "encoding_name_for", "load_seconds"]

logger = logging.getLogger(__name__)

#: The encoding of a model tiktoken does not know (current models all use it).
DEFAULT_ENCODING = "o200k_base"

_ENDOFTEXT = "<|endoftext|>"
_ENDOFPROMPT = "<|endofprompt|>"

# name -> (file, SHA-256 tiktoken expects, split pattern, special tokens); the patterns and
# special tokens are tiktoken's (tiktoken_ext/openai_public.py), checked by the tests.
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_SPECS: dict[str, tuple[str, str, str, dict[str, int]]] = {
    "o200k_base": (
        "o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    ),
    "cl100k_base": (
        "cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        _CL100K_PATTERN,
        {
            _ENDOFTEXT: 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            _ENDOFPROMPT: 100276,
        },
    ),
}

_loaded: dict[str, tiktoken.Encoding] = {}
_lock = threading.Lock()
#: Seconds each encoding took to load (read, check, parse, build), by name.
load_seconds: dict[str, float] = {}


def encoding_name_for(model: str) -> tuple[str, bool]:
    """The encoding of ``model`` and whether tiktoken knows the model (else the default)."""
    from tiktoken.model import encoding_name_for_model

    try:
        name = encoding_name_for_model(model)
    except KeyError:
        return DEFAULT_ENCODING, False
    if name == "o200k_harmony":  # gpt-oss: o200k_base plus chat-format tokens
        return "o200k_base", True
    if name not in _SPECS:  # an encoding of the completion-era models
        return DEFAULT_ENCODING, False
    return name, True


def _ranks(file_name: str, expected_sha256: str) -> dict[bytes, int]:
    data = files(__package__).joinpath("encodings", file_name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise RuntimeError(
            f"orchestify-openai's {file_name} is damaged (sha256 {digest}, expected "
            f"{expected_sha256}); reinstall orchestify-openai"
        )
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def encoding(name: str) -> tiktoken.Encoding:
    """The encoding ``name`` (``o200k_base`` or ``cl100k_base``), loaded once per process."""
    found = _loaded.get(name)
    if found is not None:
        return found
    with _lock:
        found = _loaded.get(name)
        if found is None:
            import tiktoken

            started = time.perf_counter()
            file_name, sha256, pattern, special = _SPECS[name]
            found = tiktoken.Encoding(
                name,
                pat_str=pattern,
                mergeable_ranks=_ranks(file_name, sha256),
                special_tokens=special,
            )
            load_seconds[name] = time.perf_counter() - started
            logger.debug("tiktoken encoding %s loaded in %.3fs", name, load_seconds[name])
            _loaded[name] = found
    return found
