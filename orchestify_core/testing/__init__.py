"""Test support for orchestify users and plugin authors.

- :mod:`orchestify_core.testing.scripted`: the ``scripted`` provider type (no network).
- :mod:`orchestify_core.testing.servers`: loopback servers speaking the Anthropic and OpenAI
  wire protocols (needs ``orchestify-core[testing]``).
- :mod:`orchestify_core.testing.conformance`: the suite a provider plugin runs against itself.

Importing this package imports none of them.
"""
