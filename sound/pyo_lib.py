"""The one place pyo is imported: without a wx GUI, and without pyo's banner on stdout."""

from __future__ import annotations

import os

os.environ.setdefault("PYO_GUI_WX", "0")

import pyo  # noqa: E402

__all__ = ["pyo"]
