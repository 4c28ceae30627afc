"""The test suites (a package, so that `tests` is ours even where a library installs its own)."""
