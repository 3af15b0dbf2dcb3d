"""The typed ``options:``: checked by the core with file, line and key path, and what each
one changes on the wire (the loopback server records every request)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from orchestify_openai._options import MaxTokensParam, OpenAIOptions, ReasoningEffort

from orchestify_core import ConfigError, LLMMessage, LLMProvider, ProviderRegistry, loads_config
from orchestify_core.cli import main
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.testing.servers import OpenAIServer

MakeProvider = Callable[..., LLMProvider]
USER = [LLMMessage(role="user", content="hi")]
HEAD = "providers:\n  gpt:\n    type: openai\n    api_key: sk-test-0000\n"
HEAD += "    default_model: gpt-4o-mini\n"


def registry(text: str, file: str = "openai.yaml") -> ProviderRegistry:
    config = loads_config(text, file=file, environ={})
    return ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())


def bodies(server: OpenAIServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests if r.path == "/v1/chat/completions"]


def test_options_are_structured_into_the_attrs_class() -> None:
    """The core hands the plugin an OpenAIOptions built from the YAML mapping."""
    provider = registry(
        HEAD + "    options: {reasoning_effort: high, max_tokens_param: max_tokens,"
        " send_defaults: false}\n"
    ).get("gpt")
    assert provider._context.options == OpenAIOptions(
        reasoning_effort=ReasoningEffort.HIGH,
        max_tokens_param=MaxTokensParam.MAX_TOKENS,
        send_defaults=False,
    )
    assert registry(HEAD).get("gpt")._context.options == OpenAIOptions()


def test_options_take_their_values_as_strings_in_code() -> None:
    """Built in code, the choices take their strings; a bad one is a clear ValueError."""
    options = OpenAIOptions(reasoning_effort="high", max_tokens_param="max_completion_tokens")  # type: ignore[arg-type]
    assert options.reasoning_effort is ReasoningEffort.HIGH
    assert options.max_tokens_param is MaxTokensParam.MAX_COMPLETION_TOKENS
    with pytest.raises(ValueError, match="extreme"):
        OpenAIOptions(reasoning_effort="extreme")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="send_defaults"):
        OpenAIOptions(send_defaults="no")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("option", "key"),
    [
        ("effort: high", "effort"),
        ("reasoning_effort: extreme", "reasoning_effort"),
        ("reasoning_effort: 5", "reasoning_effort"),
        ("max_tokens_param: tokens", "max_tokens_param"),
        ("send_defaults: 'no'", "send_defaults"),
        ("send_defaults: 1", "send_defaults"),
    ],
)
def test_bad_option_names_file_line_and_key(option: str, key: str) -> None:
    """Unknown keys and bad values are ConfigErrors at the option's file, line and path."""
    with pytest.raises(ConfigError) as info:
        registry(HEAD + f"    options:\n      {option}\n")
    assert str(info.value).startswith(f"openai.yaml:7: providers.gpt.options.{key}: ")
    assert "\n" not in str(info.value)


def test_unknown_option_suggests_the_close_one() -> None:
    with pytest.raises(ConfigError, match=r"did you mean 'send_defaults'"):
        registry(HEAD + "    options: {send_default: false}\n")


def test_check_command_refuses_a_bad_option_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``orchestify check`` exits 2 with one line naming file, line and key."""
    path = tmp_path / "orchestify.yaml"
    path.write_text(HEAD + "    options:\n      reasoning_effort: extreme\n")
    assert main(["check", "-c", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"orchestify: error: {path}:7: providers.gpt.options.reasoning_effort: ")
    assert err.count("\n") == 1


async def test_defaults_are_sent_by_default(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """send_defaults (true by default): the config's temperature and max_tokens are sent."""
    await provider.complete(USER)
    [body] = bodies(openai_server)
    assert body["temperature"] == 0.7
    assert body["max_tokens"] == provider.config.max_tokens


async def test_send_defaults_false_leaves_unset_parameters_out(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """send_defaults false: what the caller did not set is not sent (complete and stream);
    what the caller set is."""
    provider = make_provider(options={"send_defaults": False})
    await provider.complete(USER)
    async for _ in provider.stream(USER):
        pass
    await provider.complete(USER, temperature=0.2, max_tokens=50, stop=["END"])
    async for _ in provider.stream(USER, temperature=0.0, max_tokens=60, stop=["X"]):
        pass
    unset_complete, unset_stream, set_complete, set_stream = bodies(openai_server)
    for body in (unset_complete, unset_stream):
        assert not {"temperature", "max_tokens", "max_completion_tokens", "stop"} & set(body)
    assert (set_complete["temperature"], set_complete["max_tokens"]) == (0.2, 50)
    assert set_complete["stop"] == ["END"]
    assert (set_stream["temperature"], set_stream["max_tokens"]) == (0.0, 60)
    assert set_stream["stop"] == ["X"]


async def test_send_defaults_false_keeps_an_agents_defaults(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """A bound view's (an agent's) temperature and max_tokens count as set."""
    provider = make_provider(options={"send_defaults": False}).bind(temperature=0.3, max_tokens=40)
    await provider.complete(USER)
    [body] = bodies(openai_server)
    assert (body["temperature"], body["max_tokens"]) == (0.3, 40)


async def test_reasoning_model_without_defaults_sends_no_limit(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """A reasoning model with send_defaults false: no max_completion_tokens unless set."""
    provider = make_provider(default_model="o4-mini", options={"send_defaults": False})
    await provider.complete(USER, thinking=True)
    await provider.complete(USER, thinking=True, max_tokens=3000)
    first, second = bodies(openai_server)
    assert "max_completion_tokens" not in first
    assert first["reasoning_effort"] == "medium"
    assert second["max_completion_tokens"] == 3000
