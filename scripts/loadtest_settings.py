"""Production settings for ``make loadtest``, with the collected static files kept apart.

Everything comes from twinning.settings and the environment, as deployed; only
STATIC_ROOT moves under var/bench/, so collecting the hashed files the
production storage serves leaves the project's own staticfiles/ alone.
"""

from __future__ import annotations

from twinning.settings import *  # noqa: F403 - these are the production settings
from twinning.settings import BASE_DIR

STATIC_ROOT = BASE_DIR / "var" / "bench" / "loadtest-static"
