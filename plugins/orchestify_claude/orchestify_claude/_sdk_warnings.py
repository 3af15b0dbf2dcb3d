"""Keep the anthropic SDK's own deprecation warning off the user's screen.

``messages.create`` and ``messages.stream`` of anthropic 2.14 warn with a raw
``DeprecationWarning`` ("The model '...' is deprecated and will reach end-of-life on ...")
on every call with a model of its ``DEPRECATED_MODELS``. orchestify has already logged one
WARNING for that model when the provider first used it (``orchestify_core.lifecycle``),
with the date and a replacement, so the SDK's is hidden.

The filter is as narrow as the warnings module allows: ``ignore``, for
``DeprecationWarning`` only, whose message starts with that sentence for that one model.
It is (re)placed at the front of the filter list just before a call with such a model, so
a filter list reset since (pytest resets it around each test) or a broader ``always``
added later does not bring the SDK's warning back. Calls with any other model touch
nothing. Every other warning, including the SDK's other ones, is left alone.
"""

from __future__ import annotations

import functools
import re
import warnings

from ._catalog import deprecated_models

__all__ = ["hide_sdk_deprecation"]


@functools.cache
def _filter_for(model: str) -> tuple[str, re.Pattern[str], type[Warning], None, int]:
    """The filter list item ``warnings.filterwarnings`` builds for ``model``."""
    message = re.escape(f"The model '{model}' is deprecated and will reach end-of-life")
    return ("ignore", re.compile(message, re.IGNORECASE), DeprecationWarning, None, 0)


def hide_sdk_deprecation(model: str) -> None:
    """Hide the SDK's DeprecationWarning for ``model`` if the SDK deprecates it."""
    if model not in deprecated_models():
        return
    item = _filter_for(model)
    if warnings.filters and warnings.filters[0] == item:
        return
    warnings.filterwarnings("ignore", item[1].pattern, DeprecationWarning)
