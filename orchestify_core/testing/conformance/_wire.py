"""Reading what reached the wire: each protocol's request body, field by field.

The loopback servers record every request (headers and parsed JSON body). A
:class:`WireFormat` says where a protocol puts each field the suite checks, so one check
("the stop sequences arrive") serves every protocol. A plugin with its own fake server
subclasses :class:`WireFormat` for its own protocol (docs/plugin-contract.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["AnthropicWire", "OpenAIWire", "WireFormat", "wire_format"]

Body = Mapping[str, Any]


def _text_of(content: object) -> str:
    """A message content (a string or a list of text blocks) as one string."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(block.get("text", "")) for block in content if isinstance(block, Mapping)
        )
    return ""


class WireFormat:
    """Where a protocol puts each request field; every reader takes one request body.

    A reader returns None when the field is absent. Subclasses override all of them.
    """

    #: The paths of generation requests (other requests, such as model lists, are ignored).
    generation_paths: tuple[str, ...] = ()

    def system(self, body: Body) -> str | None:
        """The system prompt's text, from the place the protocol gives it."""
        raise NotImplementedError

    def stop(self, body: Body) -> list[str] | None:
        """The stop sequences."""
        raise NotImplementedError

    def temperature(self, body: Body) -> float | None:
        raise NotImplementedError

    def max_tokens(self, body: Body) -> int | None:
        """The output limit."""
        raise NotImplementedError

    def tools(self, body: Body) -> dict[str, tuple[str | None, Any]] | None:
        """``{name: (description, JSON schema)}`` of the tools offered."""
        raise NotImplementedError

    def forced_tool(self, body: Body) -> str | None:
        """The name of the tool the request forces, if it forces one."""
        raise NotImplementedError

    def images(self, body: Body) -> list[tuple[str, str]]:
        """``(media type, base64 data)`` of every inline image in the user messages."""
        raise NotImplementedError

    def thinking_budget(self, body: Body) -> int | None:
        """The thinking budget in tokens."""
        raise NotImplementedError

    def cache_breakpoints(self, body: Body) -> list[Any]:
        """The prompt-cache breakpoints in reading order (tools, system, messages), as the
        protocol spells each one."""
        raise NotImplementedError


class AnthropicWire(WireFormat):
    """The Messages API: ``system`` apart, ``stop_sequences``, ``input_schema`` tools."""

    generation_paths = ("/v1/messages",)

    def system(self, body: Body) -> str | None:
        system = body.get("system")
        return _text_of(system) if system is not None else None

    def stop(self, body: Body) -> list[str] | None:
        stop = body.get("stop_sequences")
        return list(stop) if isinstance(stop, list) else None

    def temperature(self, body: Body) -> float | None:
        value = body.get("temperature")
        return float(value) if isinstance(value, int | float) else None

    def max_tokens(self, body: Body) -> int | None:
        value = body.get("max_tokens")
        return value if isinstance(value, int) else None

    def tools(self, body: Body) -> dict[str, tuple[str | None, Any]] | None:
        tools = body.get("tools")
        if not isinstance(tools, list):
            return None
        return {str(t.get("name")): (t.get("description"), t.get("input_schema")) for t in tools}

    def forced_tool(self, body: Body) -> str | None:
        choice = body.get("tool_choice")
        if isinstance(choice, Mapping) and choice.get("type") == "tool":
            name = choice.get("name")
            return name if isinstance(name, str) else None
        return None

    def images(self, body: Body) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for message in body.get("messages") or ():
            if message.get("role") != "user" or not isinstance(message.get("content"), list):
                continue
            for block in message["content"]:
                source = block.get("source") if block.get("type") == "image" else None
                if isinstance(source, Mapping) and source.get("type") == "base64":
                    found.append((str(source.get("media_type")), str(source.get("data"))))
        return found

    def thinking_budget(self, body: Body) -> int | None:
        thinking = body.get("thinking")
        if isinstance(thinking, Mapping) and thinking.get("type") == "enabled":
            budget = thinking.get("budget_tokens")
            return budget if isinstance(budget, int) else None
        return None

    def cache_breakpoints(self, body: Body) -> list[Any]:
        """Every ``cache_control``: on tools, system blocks, then message content blocks."""
        blocks: list[Any] = list(body.get("tools") or ())
        system = body.get("system")
        if isinstance(system, list):
            blocks.extend(system)
        for message in body.get("messages") or ():
            content = message.get("content") if isinstance(message, Mapping) else None
            if isinstance(content, list):
                blocks.extend(content)
        return [
            b["cache_control"] for b in blocks if isinstance(b, Mapping) and "cache_control" in b
        ]


class OpenAIWire(WireFormat):
    """Chat Completions: a ``system``/``developer`` message, ``stop``, function tools."""

    generation_paths = ("/v1/chat/completions",)

    def system(self, body: Body) -> str | None:
        texts = [
            _text_of(m.get("content"))
            for m in body.get("messages") or ()
            if m.get("role") in ("system", "developer")
        ]
        return "\n\n".join(texts) if texts else None

    def stop(self, body: Body) -> list[str] | None:
        stop = body.get("stop")
        if isinstance(stop, str):
            return [stop]
        return list(stop) if isinstance(stop, list) else None

    def temperature(self, body: Body) -> float | None:
        value = body.get("temperature")
        return float(value) if isinstance(value, int | float) else None

    def max_tokens(self, body: Body) -> int | None:
        for name in ("max_completion_tokens", "max_tokens"):
            value = body.get(name)
            if isinstance(value, int):
                return value
        return None

    def tools(self, body: Body) -> dict[str, tuple[str | None, Any]] | None:
        tools = body.get("tools")
        if not isinstance(tools, list):
            return None
        functions = [t.get("function") or {} for t in tools if t.get("type") == "function"]
        return {str(f.get("name")): (f.get("description"), f.get("parameters")) for f in functions}

    def forced_tool(self, body: Body) -> str | None:
        choice = body.get("tool_choice")
        if isinstance(choice, Mapping) and choice.get("type") == "function":
            name = (choice.get("function") or {}).get("name")
            return name if isinstance(name, str) else None
        return None

    def images(self, body: Body) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for message in body.get("messages") or ():
            if message.get("role") != "user" or not isinstance(message.get("content"), list):
                continue
            for block in message["content"]:
                url = (block.get("image_url") or {}).get("url", "")
                header, _, data = str(url).partition(";base64,")
                if block.get("type") == "image_url" and header.startswith("data:") and data:
                    found.append((header.removeprefix("data:"), data))
        return found

    def thinking_budget(self, body: Body) -> int | None:
        return None  # Chat Completions takes an effort, not a budget


_FORMATS: dict[str, WireFormat] = {"anthropic": AnthropicWire(), "openai": OpenAIWire()}


def wire_format(protocol: str) -> WireFormat:
    """The reader of a loopback server's protocol (``"anthropic"`` or ``"openai"``)."""
    try:
        return _FORMATS[protocol]
    except KeyError:
        raise ValueError(
            f"no wire format for protocol {protocol!r}: a suite with its own fake server "
            "overrides wire_format() (see docs/plugin-contract.md)"
        ) from None
