"""Writes docs/errors.md and docs/openapi.json from the code: `python -m docs.generate` (what
`make docs` runs). With `--check` it writes nothing and exits 1 when either file differs from what
it would write (tests/docs checks the same in `make check`).

Needs rust_core built (`make develop`): the error keywords come from `rust_core._rust_core`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from docs import openapi, reference
from docs.code import Code

DOCS = Path(__file__).resolve().parent
ERRORS_MD = DOCS / "errors.md"
OPENAPI_JSON = DOCS / "openapi.json"


def outputs() -> dict[Path, str]:
    """Each generated file and the text it must hold."""
    code = Code()
    spec = json.dumps(openapi.document(code), indent=2, ensure_ascii=False) + "\n"
    return {ERRORS_MD: reference.render(code), OPENAPI_JSON: spec}


def stale(expected: dict[Path, str]) -> list[Path]:
    """The files that do not hold what the generator writes now."""
    return [
        path
        for path, text in expected.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docs.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    args = parser.parse_args(argv)
    expected = outputs()
    if args.check:
        old = stale(expected)
        for path in old:
            print(
                f"{path.relative_to(DOCS.parent)} is out of date: run `make docs`", file=sys.stderr
            )
        return 1 if old else 0
    for path, text in expected.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
