"""Requests are checked before anything is sent: bad input is a clear error and sends nothing."""

from __future__ import annotations

import pytest

from orchestify_core import (
    AgentNotFoundError,
    ImagePart,
    LLMMessage,
    ProviderNotFoundError,
    RequestValidationError,
    UnsupportedCapabilityError,
)

LIMITED = (
    "providers:\n  fake:\n    type: scripted\n    default_model: s1\n"
    "    options:\n      capabilities: {tools: false, vision: false, thinking: false,"
    " max_output_tokens: 4096}\n"
)
HI = [LLMMessage(role="user", content="hi")]
TOOL = {"name": "t", "description": "d", "input_schema": {"type": "object"}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"messages": []}, "messages must not be empty"),
        ({"messages": [LLMMessage(role="robot", content="x")]},
         "messages[0]: unknown role 'robot' (expected one of assistant, system, tool, user)"),
        ({"messages": [LLMMessage(role="system", content="x")]},
         "messages need at least one user message"),
        ({"messages": "hi"}, "messages must be a list of LLMMessage"),
        ({"messages": HI, "max_tokens": 0}, "max_tokens must be a positive integer, got 0"),
        ({"messages": HI, "max_tokens": 5000},
         "max_tokens=5000 is more than model 's1' can produce (4096)"),
        ({"messages": HI, "temperature": 3.0}, "temperature must be between 0 and 2, got 3.0"),
        ({"messages": HI, "tools": [{"name": "t", "input_schema": {"type": "string"}}]},
         "tools[0] (t): the input schema must be a JSON Schema with type 'object'"),
        ({"messages": HI, "tools": [{"description": "no name"}]},
         "tools[0]: a tool needs a non-empty 'name'"),
    ],
)  # fmt: skip
async def test_invalid_request_is_refused_before_sending(build_registry, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    """Each invalid request raises one clear error and the provider receives nothing."""
    provider = build_registry(LIMITED).get("fake")
    with pytest.raises(RequestValidationError) as info:
        await provider.complete(**kwargs)
    assert str(info.value) == message
    assert provider.client.requests == []
    assert provider.get_usage().attempts == 0


@pytest.mark.parametrize(
    ("kwargs", "capability"),
    [
        ({"tools": [TOOL]}, "tools"),
        ({"thinking": True}, "thinking"),
        ({"messages": [LLMMessage(role="user", content=[ImagePart.from_bytes(b"\x89PNG", "image/png")])]},
         "images"),
    ],
)  # fmt: skip
async def test_capability_mismatch_is_refused(build_registry, kwargs, capability) -> None:  # type: ignore[no-untyped-def]
    """Tools, thinking or images to a model without them: an error naming model and provider."""
    provider = build_registry(LIMITED).get("fake")
    kwargs.setdefault("messages", HI)
    with pytest.raises(UnsupportedCapabilityError) as info:
        provider.stream(**kwargs)
    assert str(info.value) == f"model 's1' of provider 'fake' does not support {capability}"
    assert provider.client.requests == []


def test_openai_style_tools_are_accepted(build_registry) -> None:  # type: ignore[no-untyped-def]
    """OpenAI-style function tools and Anthropic-style tools become the same definition."""
    from orchestify_core import ToolDefinition

    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    openai_style = {
        "type": "function",
        "function": {"name": "s", "description": "d", "parameters": schema},
    }
    anthropic_style = {"name": "s", "description": "d", "input_schema": schema}
    assert ToolDefinition.coerce(openai_style) == ToolDefinition.coerce(anthropic_style)


def test_unknown_ids_list_what_exists(build_registry) -> None:  # type: ignore[no-untyped-def]
    """Unknown provider and agent ids are KeyErrors listing the configured ones."""
    registry = build_registry(LIMITED)
    with pytest.raises(ProviderNotFoundError) as info:
        registry.get("claude")
    assert isinstance(info.value, KeyError)
    assert str(info.value) == "unknown provider 'claude' (configured providers: fake)"
    with pytest.raises(
        AgentNotFoundError, match=r"unknown agent 'writer' \(configured agents: none\)"
    ):
        registry.get_for_agent("writer")


def test_image_part_needs_data_or_url() -> None:
    """An image with neither data nor URL, or inline data without a type, is refused."""
    with pytest.raises(RequestValidationError, match="exactly one of data or url"):
        ImagePart()
    with pytest.raises(RequestValidationError, match="needs a media_type"):
        ImagePart(data="AAAA")
