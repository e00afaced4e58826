"""The [perception] config section as PoseTracker uses it: runtime.config's schema, defaults filled in.

The schema (keys, types, ranges, meaning) lives in runtime/config.py with every other section and is
documented line by line in config/default.toml; a PoseTracker built from a partial dict (tests, tools)
goes through the same validation.
"""

from __future__ import annotations

from typing import Any

from runtime.config import SCHEMA, ConfigError, _validate_table


def perception_settings(cfg: dict[str, Any] | None) -> dict[str, Any]:
    """The section merged over the defaults; a bad key or value raises ConfigError naming it."""
    out = _validate_table("[perception]", SCHEMA["perception"], dict(cfg or {}))  # type: ignore[arg-type]
    if not out["strips"] or not all(1 <= n <= 8 for n in out["strips"]):
        raise ConfigError(f"[perception]: key 'strips' is {out['strips']!r}, but it must be a non-empty list "
                          "of integers in [1, 8]")
    return out
