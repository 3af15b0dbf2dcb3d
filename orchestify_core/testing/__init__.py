"""Test support for orchestify users and plugin authors.

- :mod:`orchestify_core.testing.scripted`: the ``scripted`` provider type (no network).
- :mod:`orchestify_core.testing.servers`: loopback servers speaking the Anthropic and OpenAI
  wire protocols (needs ``orchestify-core[testing]``).
- :mod:`orchestify_core.testing.conformance`: the suite a provider plugin runs against itself.
- :mod:`orchestify_core.testing.differential`: a fast-path plugin's decoding against its
  SDK's, answer by answer.

Importing this package imports none of them.
"""
