"""OpenTelemetry for orchestify: GenAI semantic-convention spans and client metrics.

Enable it in the config once the distribution is installed::

    plugins:
      otel:
        capture_content: false   # true: the messages and the answer go on the call's span

or register it by hand: ``plugin_manager.register(OTelPlugin(), name="otel")``. Spans and
metrics go to the global tracer and meter providers (or those passed to
:class:`OTelPlugin`); set up exporters as for any OpenTelemetry application.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._plugin import OTelPlugin

__all__ = ["OTelPlugin", "make_plugin"]


def make_plugin(settings: Mapping[str, Any]) -> OTelPlugin:
    """The plugin, from the settings of the config's ``plugins.otel`` (the entry point).

    :raises ConfigError: an unknown setting, or a value of the wrong type.
    """
    from orchestify_core.errors import ConfigError

    known = {"capture_content"}
    for key in settings:
        if key not in known:
            raise ConfigError(f"unknown setting (known: {', '.join(sorted(known))})",
                              path=f"plugins.otel.{key}")  # fmt: skip
    capture = settings.get("capture_content", False)
    if not isinstance(capture, bool):
        raise ConfigError("expected true or false", path="plugins.otel.capture_content")
    return OTelPlugin(capture_content=capture)
