"""The ``cache:`` settings: what a config may say, and every mistake at once, one line each,
at its file and line."""

from __future__ import annotations

import pytest

from orchestify_core import ConfigError, loads_config
from orchestify_core.config import dump_config


def test_a_good_config_reads_back() -> None:
    config = loads_config(
        "cache:\n  backend: redis\n  url: redis://:hunter2@cache.internal:6379/2\n"
        "  ttl: 600\n  max_bytes: 1048576\n  allow_temperature: true\n"
        "  shared_namespace: team-a\n"
        "providers:\n"
        "  p: {type: scripted, default_model: m, cache: true}\n"
        "  q: {type: scripted, default_model: m, cache: {namespace: shared, ttl: 60}}\n"
        "  r: {type: scripted, default_model: m, cache: false}\n"
        "agents:\n  w: {provider: p, cache: false}\n"
    )
    cache = config.cache
    assert cache is not None
    assert (cache.backend, cache.ttl, cache.max_bytes, cache.allow_temperature) == (
        "redis",
        600.0,
        1048576,
        True,
    )
    providers = config.providers.providers
    assert providers["p"].cache is not None
    assert providers["p"].cache.enabled
    assert providers["q"].cache is not None
    assert providers["q"].cache.namespace == "shared"
    assert providers["r"].cache is not None
    assert not providers["r"].cache.enabled
    assert config.agents.agents["w"].cache is False
    shown = repr(cache) + repr(dump_config(config))
    assert "hunter2" not in shown


def test_every_mistake_at_once_one_line_each() -> None:
    text = (
        "cache:\n"  # 1
        "  backend: redis\n"  # 2
        "  ttl: -5\n"  # 3
        "  max_bytes: 10\n"  # 4
        "  prefix: 'a}b'\n"  # 5
        "providers:\n"  # 6
        "  p: {type: scripted, default_model: m, cache: 3}\n"  # 7
        "  q:\n"  # 8
        "    type: scripted\n"  # 9
        "    default_model: m\n"  # 10
        "    cache: {allow_temprature: true}\n"  # 11
        "  r: {type: scripted, default_model: m, cache: {namespace: 'bad name!', ttl: 0}}\n"
    )
    with pytest.raises(ConfigError) as caught:
        loads_config(text, file="conf.yaml")
    lines = str(caught.value).splitlines()
    assert lines == [
        "conf.yaml:1: cache.url: the redis backend needs a url (redis://host:port/db)",
        "conf.yaml:3: cache.ttl: must be a positive number of seconds (or null: no expiry)",
        "conf.yaml:4: cache.max_bytes: must be at least 1024 bytes",
        "conf.yaml:5: cache.prefix: must be 1 to 64 letters, digits or _.:@/-",
        "conf.yaml:7: providers.p.cache: expected true, false or a mapping of cache settings",
        "conf.yaml:11: providers.q.cache.allow_temprature: unknown key "
        "(did you mean 'allow_temperature'?)",
        "conf.yaml:12: providers.r.cache.namespace: must be 1 to 64 letters, digits or _.:@/-",
        "conf.yaml:12: providers.r.cache.ttl: must be a positive number of seconds",
    ]


def test_opting_in_without_a_cache_section_is_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        loads_config(
            "providers:\n  p: {type: scripted, default_model: m, cache: true}\n"
            "agents:\n  w: {provider: p, cache: true}\n",
            file="conf.yaml",
        )
    assert str(caught.value).splitlines() == [
        "conf.yaml:2: providers.p.cache: caching needs a top-level cache: section (its backend)",
        "conf.yaml:4: agents.w.cache: caching needs a top-level cache: section",
    ]


def test_unknown_backend_and_key_are_named() -> None:
    with pytest.raises(ConfigError) as caught:
        loads_config("cache:\n  backend: memcached\n  tll: 5\n", file="conf.yaml")
    lines = str(caught.value).splitlines()
    assert lines == [
        "conf.yaml:2: cache.backend: expected one of 'memory', 'sqlite', 'redis', got 'memcached'",
        "conf.yaml:3: cache.tll: unknown key (did you mean 'ttl'?)",
    ]
