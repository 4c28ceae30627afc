"""Hypothesis profiles for the rust_core suites.

`fast` (the default) keeps a local run short; `ci` explores far more examples. Pick one with
`HYPOTHESIS_PROFILE=ci`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    # The first call into a freshly imported extension, or a slow CI machine, must not flake.
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile("fast", max_examples=100, **_COMMON)
settings.register_profile("ci", max_examples=500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
