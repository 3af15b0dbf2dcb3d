"""Claims: defaults that follow the protocol, every field documented, bad values named."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from orchestify_core.testing.conformance import PROTOCOL_DEFAULTS, Claims

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugin-contract.md"
FIELDS = [field.name for field in attrs.fields(Claims)]


def test_openai_protocol_defaults_match_what_chat_completions_reports() -> None:
    claims = Claims().resolved("openai")
    assert claims.early_input_usage is False  # usage comes in the last chunk only
    assert (claims.thinking, claims.thinking_budget, claims.cache_write) == (False,) * 3
    assert claims.network is True


def test_anthropic_protocol_defaults() -> None:
    claims = Claims().resolved("anthropic")
    assert (claims.early_input_usage, claims.thinking, claims.cache_write) == (True,) * 3


def test_no_server_and_own_protocols() -> None:
    assert Claims().resolved(None).network is False
    assert Claims().resolved("myproto") == Claims().resolved("openai")


def test_given_claims_win_over_defaults() -> None:
    claims = Claims(thinking=True, stop=False).resolved("openai")
    assert (claims.thinking, claims.stop) == (True, False)
    assert all(isinstance(getattr(claims, name), bool) for name in FIELDS)


def test_every_field_has_a_default_for_every_protocol() -> None:
    for protocol, defaults in PROTOCOL_DEFAULTS.items():
        assert sorted(defaults) == sorted(FIELDS), protocol


def test_every_field_is_documented_with_its_defaults() -> None:
    """Each field is a row of the contract's table, with the defaults the code uses."""
    rows = {
        match[0]: match[1:]
        for match in re.findall(
            r"^\| `(\w+)` \| [^|]+ \| (True|False) \| (True|False) \| (True|False) \|$",
            DOC.read_text(),
            re.MULTILINE,
        )
    }
    assert sorted(rows) == sorted(FIELDS)
    for name, (anthropic, openai, none) in rows.items():
        documented = [value == "True" for value in (anthropic, openai, none)]
        actual = [PROTOCOL_DEFAULTS[p][name] for p in ("anthropic", "openai", None)]
        assert documented == actual, name


def test_a_claim_that_is_not_a_bool_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"Claims\.vision must be True, False or None, got 'yes'"):
        Claims(vision="yes")  # type: ignore[arg-type]
