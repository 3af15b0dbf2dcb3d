"""Plugin discovery: by name, isolated failures, clear errors, allowlist, metadata-only listing."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pluggy
import pytest

from orchestify_core import (
    DuplicatePluginError,
    LLMMessage,
    PluginLoadError,
    ProviderRegistry,
    UnknownProviderTypeError,
    loads_config,
)
from orchestify_core.plugins import installed_plugins

from ..conftest import requires_test_plugins

pytestmark = pytest.mark.usefixtures("clean_plugin_env")

ECHO = "providers:\n  talker:\n    type: echo\n    default_model: echo-1\n"


@requires_test_plugins
async def test_third_party_plugin_from_yaml(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A separately installed distribution is found by its entry point and used from YAML."""
    registry = build_registry(ECHO + "    options: {prefix: 'said: '}\n")
    provider = registry.get("talker")
    response = await provider.complete([LLMMessage(role="user", content="hello there")])
    assert response.content == "said: hello there"
    assert response.cost_usd is not None
    assert provider.price().source == "echo price list"  # type: ignore[union-attr]
    chunks = [c async for c in provider.stream([LLMMessage(role="user", content="a b")])]
    assert "".join(chunks).strip() == "said: a b"


@requires_test_plugins
def test_listing_reads_metadata_only() -> None:
    """Listing plugins names type, distribution and version, and imports no plugin."""
    code = (
        "import json, sys\n"
        "from orchestify_core.plugins import installed_plugins\n"
        "infos = installed_plugins()\n"
        "print(json.dumps({'types': [[i.provider_type, i.distribution, i.version] for i in infos],"
        " 'imported': sorted(m for m in sys.modules if m.startswith(('orchestify_echo',"
        " 'orchestify_broken', 'orchestify_claude', 'orchestify_openai', 'orchestify_litellm',"
        " 'anthropic', 'openai', 'litellm')))}))"
    )
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout)  # fmt: skip
    assert ["echo", "orchestify-echo", "1.2.3"] in out["types"]
    assert ["broken", "orchestify-broken", "0.0.1"] in out["types"]
    assert out["imported"] == []


@requires_test_plugins
def test_broken_plugin_does_not_break_other_types(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A registry that does not use a broken plugin builds fine."""
    registry = build_registry(ECHO)
    assert registry.list_providers() == ["talker"]


@requires_test_plugins
def test_broken_plugin_error_names_plugin_distribution_and_cause(build_registry) -> None:  # type: ignore[no-untyped-def]
    """Using a plugin that fails to import names the type, distribution, version and cause."""
    with pytest.raises(PluginLoadError) as info:
        build_registry("providers:\n  b:\n    type: broken\n    default_model: m\n")
    assert str(info.value) == (
        "provider plugin 'broken' from orchestify-broken 0.0.1 failed to load: "
        "ModuleNotFoundError: No module named 'orchestify_sdk_that_is_not_installed'"
    )
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


@requires_test_plugins
def test_plugin_with_unknown_hook_is_refused(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A plugin declaring a hook orchestify does not define is refused with the hook's name."""
    with pytest.raises(PluginLoadError, match="unknown hook 'orchestify_complet'"):
        build_registry("providers:\n  b:\n    type: badhooks\n    default_model: m\n")


@requires_test_plugins
def test_duplicate_type_names_both_distributions(build_registry) -> None:  # type: ignore[no-untyped-def]
    """Two distributions claiming one type is an error naming both."""
    with pytest.raises(DuplicatePluginError) as info:
        build_registry("providers:\n  d:\n    type: dup\n    default_model: m\n")
    assert "orchestify-broken, orchestify-echo" in str(info.value)


def test_unknown_type_lists_installed_and_install_hint(build_registry) -> None:  # type: ignore[no-untyped-def]
    """An unknown type lists the installed types and the pip install that would add it."""
    with pytest.raises(UnknownProviderTypeError) as info:
        build_registry("providers:\n  x:\n    type: mistral\n    default_model: m\n")
    message = str(info.value)
    assert message.startswith("unknown provider type 'mistral' (installed types: ")
    assert "scripted" in message
    assert "install the plugin that provides type 'mistral'" in message


@pytest.mark.parametrize(
    ("provider_type", "distribution"),
    [("anthropic", "orchestify-claude"), ("openai", "orchestify-openai"),
     ("litellm", "orchestify-litellm")],
)  # fmt: skip
def test_install_hint_names_the_real_distribution(
    provider_type: str,
    distribution: str,
    build_registry: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first-party type that cannot load names the distribution that provides it."""
    monkeypatch.setenv("ORCHESTIFY_PLUGINS", "scripted")
    with pytest.raises(UnknownProviderTypeError) as info:
        build_registry(f"providers:\n  x:\n    type: {provider_type}\n    default_model: m\n")
    assert "not allowed by ORCHESTIFY_PLUGINS" in str(info.value)
    from orchestify_core.plugins import _install_hint

    assert _install_hint(provider_type) == f"install its plugin: pip install {distribution}"


@requires_test_plugins
def test_allowlist_restricts_loading(build_registry, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """ORCHESTIFY_PLUGINS keeps other installed plugins from loading."""
    monkeypatch.setenv("ORCHESTIFY_PLUGINS", "scripted")
    with pytest.raises(UnknownProviderTypeError, match="not allowed by ORCHESTIFY_PLUGINS"):
        build_registry(ECHO)
    assert {i.provider_type for i in installed_plugins() if i.allowed} == {"scripted"}


def test_failed_build_leaves_nothing(plugin_manager: pluggy.PluginManager) -> None:
    """When one provider of a config fails, from_config raises and returns no registry."""
    config = loads_config(
        "providers:\n  ok: {type: scripted, default_model: m}\n"
        "  bad: {type: nonexistent, default_model: m}\n",
        environ={},
    )
    with pytest.raises(UnknownProviderTypeError):
        ProviderRegistry.from_config(config, plugin_manager=plugin_manager)
