"""A plugin whose import fails, like one whose SDK is missing."""

import orchestify_sdk_that_is_not_installed  # noqa: F401
