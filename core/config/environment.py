"""Intervals set in the environment only (not in config.yaml): how often a server does a
background duty. Checked at start by `antrian check-config` and `antrian serve`, like the rest
of the configuration: a wrong value stops the start with one line naming the variable."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from core.config.values import ConfigError


def seconds_from_environment(
    key: str,
    default: float,
    allowed: tuple[float, float],
    what: str,
    environ: Mapping[str, str] | None = None,
) -> float:
    """`key`'s value in seconds, `default` when unset; `what` says what it sets, for the
    refusal of a value outside `allowed`."""
    environ = os.environ if environ is None else environ
    raw = environ.get(key, "")
    if not raw.strip():
        return default
    low, high = allowed
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also refuses nan
        raise ConfigError(
            key,
            f"{what}, in seconds from {low:g} to {high:g} (got {raw!r}); leave it unset for "
            f"{default:g}.",
        )
    return value
