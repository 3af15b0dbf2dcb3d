"""The v2 plugin contract: dispatch by type, checks at registration, one plugin API."""

from __future__ import annotations

import ast
import asyncio
import inspect
import pathlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pluggy
import pytest

import orchestify_core.plugin as plugin_api
from orchestify_core import (
    ConfigError,
    LLMMessage,
    PluginError,
    PluginLoadError,
    ProviderRegistry,
    UnknownProviderTypeError,
    hookspecs,
    loads_config,
)
from orchestify_core.breaker import CircuitBreaker
from orchestify_core.plugin import (
    CircuitBreakerProtocol,
    CompletionRequest,
    FinishReason,
    LLMResponse,
    ModelCapabilities,
    ProviderContext,
    RetryPolicyProtocol,
    TextPart,
    Usage,
    hookimpl,
)
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.protocols import AttemptRecord
from orchestify_core.retry import RetryPolicy
from orchestify_core.testing.scripted import ScriptedClient
from orchestify_core.usage import Attempt, Outcome

from ..conftest import requires_test_plugins

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTED = "  fake:\n    type: scripted\n    default_model: s1\n"
ECHO = "  mine:\n    type: echo\n    default_model: e1\n"


def user(text: str) -> list[LLMMessage]:
    return [LLMMessage(role="user", content=text)]


# --------------------------------------------------------------------------- dispatch


@requires_test_plugins
@pytest.mark.parametrize("order", ["scripted first", "echo first"])
async def test_unguarded_plugin_works_beside_scripted_in_either_order(order: str) -> None:
    """A third-party plugin with no type guard (orchestify-echo) and the scripted type in
    one config: each provider is served by its own plugin only, whatever the order."""
    entries = SCRIPTED + ECHO if order == "scripted first" else ECHO + SCRIPTED
    config = loads_config("providers:\n" + entries, file="both.yaml", environ={})
    registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
    fake, mine = registry.get("fake"), registry.get("mine")
    assert (await fake.complete(user("hello"))).content == "echo: hello"
    assert (await mine.complete(user("hello"))).content == "echo: hello"
    assert isinstance(fake.client, ScriptedClient)
    assert type(mine.client).__name__ == "EchoClient"
    assert mine.client.calls == 1
    assert "".join([c async for c in mine.stream(user("a b"))]).strip() == "echo: a b"
    assert mine.client.calls == 2
    assert fake.capabilities().tools
    assert not mine.capabilities().tools
    assert mine.price() is not None
    assert mine.price().source == "echo price list"
    assert fake.price() is not None
    assert fake.price().source != "echo price list"
    await registry.aclose()


class Unguarded:
    """An owner registered by hand, with no type guard: it would break any other type."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def orchestify_create_client(self, provider: ProviderContext) -> object:
        self.seen.append(provider.provider_id)
        return object()

    @hookimpl
    def orchestify_capabilities(self, provider: ProviderContext, model: str) -> ModelCapabilities:
        return ModelCapabilities(tools=False)

    @hookimpl
    def orchestify_complete(
        self, provider: ProviderContext, request: CompletionRequest
    ) -> Awaitable[LLMResponse]:
        async def answer() -> LLMResponse:
            return LLMResponse.from_parts(
                [TextPart("unguarded")], model=request.model, usage=Usage(3, 1),
                finish_reason=FinishReason.STOP,
            )  # fmt: skip

        return answer()


@pytest.mark.parametrize("order", ["scripted first", "unguarded first"])
async def test_hand_registered_owner_reaches_only_its_type(order: str) -> None:
    host = create_plugin_manager()
    owner = Unguarded()
    host.register_provider_plugin("hand", owner)
    hand = "  h:\n    type: hand\n    default_model: m\n"
    entries = SCRIPTED + hand if order == "scripted first" else hand + SCRIPTED
    registry = ProviderRegistry.from_config(
        loads_config("providers:\n" + entries, environ={}), plugin_manager=host
    )
    assert owner.seen == ["h"]
    assert (await registry.get("h").complete(user("x"))).content == "unguarded"
    assert (await registry.get("fake").complete(user("x"))).content == "echo: x"
    assert registry.get("fake").capabilities().tools


def test_cross_cutting_plugin_reaches_every_type() -> None:
    """A plugin registered with plain register() is cross-cutting: it sees every type."""
    host = create_plugin_manager()
    seen: list[str] = []

    class Override:
        @hookimpl(tryfirst=True)
        def orchestify_capabilities(self, provider: ProviderContext, model: str) -> Any:
            seen.append(provider.provider_type)
            return None

    host.register(Override())
    host.register_provider_plugin("hand", Unguarded())
    config = loads_config(
        "providers:\n" + SCRIPTED + "  h:\n    type: hand\n    default_model: m\n", environ={}
    )
    registry = ProviderRegistry.from_config(config, plugin_manager=host)
    registry.get("fake").capabilities()
    registry.get("h").capabilities()
    assert sorted(seen) == ["hand", "scripted"]


def test_a_plain_pluggy_manager_is_refused_clearly(build_registry: Any) -> None:
    manager = pluggy.PluginManager("orchestify")
    with pytest.raises(TypeError, match="create_plugin_manager"):
        ProviderRegistry.from_config(
            loads_config("providers:\n" + SCRIPTED, environ={}), plugin_manager=manager
        )


# --------------------------------------------------------------------------- registration checks


@requires_test_plugins
def test_async_def_hook_is_refused_naming_plugin_distribution_and_hook(
    build_registry: Any,
) -> None:
    with pytest.raises(PluginLoadError) as info:
        build_registry("providers:\n  x:\n    type: asynchooks\n    default_model: m\n")
    message = str(info.value)
    assert "'asynchooks'" in message
    assert "orchestify-broken" in message
    assert "'orchestify_complete' is async" in message
    assert "plain function" in message


def test_async_def_cross_cutting_hook_is_refused() -> None:
    class AsyncWrapper:
        @hookimpl
        async def orchestify_stream(self, provider: Any, request: Any) -> AsyncIterator[Any]:
            yield None

    host = create_plugin_manager()
    with pytest.raises(PluginError, match="'orchestify_stream' is an async generator"):
        host.register(AsyncWrapper(), name="wrapper")
    assert not host.has_plugin("wrapper")


async def test_owner_answering_none_is_an_error_naming_plugin_and_hook() -> None:
    class Silent(Unguarded):
        @hookimpl
        def orchestify_complete(self, provider: ProviderContext, request: Any) -> None:
            return None

    host = create_plugin_manager()
    host.register_provider_plugin("silent", Silent(), distribution="silent-dist", version="1.0")
    provider = ProviderRegistry.from_config(
        loads_config("providers:\n  s:\n    type: silent\n    default_model: m\n", environ={}),
        plugin_manager=host,
    ).get("s")
    with pytest.raises(PluginError) as info:
        await provider.complete(user("x"))
    assert "plugin 'silent' (silent-dist 1.0)" in str(info.value)
    assert "orchestify_complete" in str(info.value)
    assert provider.get_usage().attempts == 1  # the attempt is accounted all the same


def test_owner_creating_no_client_is_a_config_error() -> None:
    class NoClient(Unguarded):
        @hookimpl
        def orchestify_create_client(self, provider: ProviderContext) -> None:
            return None

    host = create_plugin_manager()
    host.register_provider_plugin("noclient", NoClient())
    with pytest.raises(ConfigError, match=r"providers\.n: .*did not create a client"):
        ProviderRegistry.from_config(
            loads_config("providers:\n  n:\n    type: noclient\n    default_model: m\n"),
            plugin_manager=host,
        )


def test_client_build_failure_is_one_error_naming_the_provider_without_the_key() -> None:
    class Exploding(Unguarded):
        @hookimpl
        def orchestify_create_client(self, provider: ProviderContext) -> object:
            key = provider.config.api_key.get_secret_value()  # type: ignore[union-attr]
            raise ValueError(f"bad region for key {key}")

    host = create_plugin_manager()
    host.register_provider_plugin("boom", Exploding())
    text = "providers:\n  b:\n    type: boom\n    default_model: m\n    api_key: ${K}\n"
    with pytest.raises(ConfigError) as info:
        ProviderRegistry.from_config(
            loads_config(text, environ={"K": "sk-secret-1234"}), plugin_manager=host
        )
    message = str(info.value)
    assert "providers.b" in message
    assert "could not build its client" in message
    assert "ValueError: bad region" in message
    assert "sk-secret-1234" not in message
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


# --------------------------------------------------------------------------- building


async def test_from_config_closes_what_it_built_when_a_later_provider_fails() -> None:
    host = create_plugin_manager()
    built: list[ScriptedClient] = []

    class Watch:
        @hookimpl(wrapper=True)
        def orchestify_create_client(self, provider: ProviderContext) -> Any:
            client = yield
            built.append(client)
            return client

    host.register(Watch())
    text = "providers:\n" + SCRIPTED + "  bad:\n    type: nosuchtype\n    default_model: m\n"
    with pytest.raises(UnknownProviderTypeError):
        await asyncio.to_thread(
            ProviderRegistry.from_config, loads_config(text), plugin_manager=host
        )
    assert len(built) == 1
    assert built[0].closed


def test_bad_option_names_file_line_and_key(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(SCRIPTED.join(["providers:\n", "    options: {echo_chunk_size: lots}\n"]))
    with pytest.raises(ConfigError) as info:
        ProviderRegistry.from_config(
            loads_config(path.read_text(), file=str(path)), plugin_manager=create_plugin_manager()
        )
    assert str(info.value).startswith(f"{path}:5: providers.fake.options.echo_chunk_size: ")


async def test_typed_options_reach_the_plugin(build_registry: Any) -> None:
    provider = build_registry(
        "providers:\n" + SCRIPTED + "    options: {echo_chunk_size: 2, unpriced: true}\n"
    ).get("fake")
    chunks = [chunk async for chunk in provider.stream(user("abcd"))]
    assert chunks == ["ec", "ho", ": ", "ab", "cd"]
    assert provider.price() is None


# --------------------------------------------------------------------------- requests


async def test_per_call_timeout_and_given_parameters_reach_the_plugin(build_registry: Any) -> None:
    provider = build_registry("providers:\n" + SCRIPTED + "    timeout: 30\n").get("fake")
    await provider.complete(user("x"), timeout=900, temperature=0.2)
    await provider.complete(user("y"))
    first, second = provider.client.requests
    assert first.timeout == 900
    assert second.timeout == 30
    assert first.is_given("temperature")
    assert first.is_given("timeout")
    assert not second.is_given("temperature")
    assert not second.is_given("max_tokens")
    assert second.temperature == 0.7  # the default is still filled in


async def test_an_agents_settings_count_as_given(build_registry: Any) -> None:
    registry = build_registry(
        "providers:\n" + SCRIPTED + "agents:\n  a:\n    provider: fake\n    temperature: 0.1\n"
    )
    await registry.get_for_agent("a").complete(user("x"))
    (request,) = registry.get("fake").client.requests
    assert request.is_given("temperature")
    assert request.temperature == 0.1


# --------------------------------------------------------------------------- one plugin API


def test_the_plugin_api_names_everything_a_plugin_uses() -> None:
    for name in plugin_api.__all__:
        assert hasattr(plugin_api, name), name


@pytest.mark.parametrize(
    "package", ["orchestify_claude", "orchestify_openai", "orchestify_litellm"]
)
def test_first_party_plugins_import_only_the_plugin_api(package: str) -> None:
    folder = ROOT / "plugins" / package / package
    if not folder.is_dir():
        pytest.skip(f"{package} is not in this checkout")
    offenders = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("orchestify_core")
                and node.module != "orchestify_core.plugin"
            ):
                offenders.append(f"{path.name}: from {node.module} import ...")
            if isinstance(node, ast.Import):
                offenders += [
                    f"{path.name}: import {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("orchestify_core")
                ]
    assert not offenders


@pytest.mark.parametrize(
    "package", ["orchestify_claude", "orchestify_openai", "orchestify_litellm"]
)
def test_first_party_plugins_never_check_their_type(package: str) -> None:
    folder = ROOT / "plugins" / package / package
    if not folder.is_dir():
        pytest.skip(f"{package} is not in this checkout")
    assert not [p.name for p in folder.glob("*.py") if "provider_type !=" in p.read_text()]


# --------------------------------------------------------------------------- protocols and docs


def _members(protocol: type) -> set[str]:
    return {
        name
        for name, _ in inspect.getmembers(protocol)
        if not name.startswith("_") and name in protocol.__dict__
    }


@pytest.mark.parametrize(
    ("hook", "protocol"),
    [("orchestify_retry_policy", RetryPolicyProtocol),
     ("orchestify_circuit_breaker", CircuitBreakerProtocol),
     ("orchestify_attempt_finished", AttemptRecord)],
)  # fmt: skip
def test_hookspec_docstrings_name_every_member_the_core_uses(hook: str, protocol: type) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    for member in _members(protocol):
        assert member in doc, f"{hook}'s docstring does not mention {member}"


def test_the_cores_own_objects_satisfy_the_protocols() -> None:
    config = loads_config("providers:\n" + SCRIPTED).providers.providers["fake"]
    assert isinstance(RetryPolicy(config.retry), RetryPolicyProtocol)
    assert isinstance(CircuitBreaker("x"), CircuitBreakerProtocol)
    attempt = Attempt("p", "m", Outcome.COMPLETED, Usage(), None, 0.1)
    assert isinstance(attempt, AttemptRecord)


class MinimalPolicy:
    """Exactly RetryPolicyProtocol, nothing else: the core must need nothing more."""

    __slots__ = ("sleeps",)

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    @property
    def max_retries(self) -> int:
        return 2

    def delay(self, error: BaseException, retry_number: int) -> float | None:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


class MinimalBreaker:
    """Exactly CircuitBreakerProtocol."""

    __slots__ = ("calls",)

    def __init__(self) -> None:
        self.calls: list[str] = []

    def before_call(self) -> Any:
        self.calls.append("before")
        return len(self.calls)

    def after_call(self, ticket: Any, error: BaseException | None) -> None:
        self.calls.append(f"after {ticket} {type(error).__name__}")


async def test_replacements_written_from_the_protocols_work(
    plugin_manager: pluggy.PluginManager, build_registry: Any
) -> None:
    policy, breaker = MinimalPolicy(), MinimalBreaker()
    records: list[AttemptRecord] = []

    class Replacements:
        @hookimpl(tryfirst=True)
        def orchestify_retry_policy(self, provider: ProviderContext) -> MinimalPolicy:
            return policy

        @hookimpl(tryfirst=True)
        def orchestify_circuit_breaker(self, provider: ProviderContext) -> MinimalBreaker:
            return breaker

        @hookimpl
        def orchestify_attempt_finished(self, provider: Any, attempt: AttemptRecord) -> None:
            records.append(attempt)

    plugin_manager.register(Replacements())
    registry = build_registry("providers:\n" + SCRIPTED)
    provider = registry.get("fake")
    fault = plugin_api.InternalServerError("flaky", status_code=500)
    from orchestify_core.testing.scripted import ScriptedReply

    provider.client.enqueue(ScriptedReply(error=fault), ScriptedReply(text="ok"))
    assert (await provider.complete(user("x"))).content == "ok"
    assert policy.sleeps == [0.0]
    assert breaker.calls == ["before", "after 1 InternalServerError", "before", "after 3 NoneType"]
    assert [r.outcome for r in records] == ["error", "completed"]
    assert all(isinstance(r, AttemptRecord) for r in records)
