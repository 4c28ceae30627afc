"""`import rust_core` is Lambda cold start: it must not pull in modules it can do without."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import rust_core


def test_import_leaves_json_and_typing_unloaded() -> None:
    # GIVEN a fresh interpreter WHEN it imports rust_core THEN json, re and typing stay unloaded
    # (from /, so that the rust_core/ crate folder cannot pass for the package)
    probe = (
        "import sys, rust_core; "
        "print(rust_core.RecordCodec.__name__, sorted({'json', 're', 'typing'} & set(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd="/"
    )
    assert loaded.stdout.strip() == "RecordCodec []"


def test_lazy_names_are_single_real_classes() -> None:
    with_error = None
    try:
        rust_core.json_to_item(b"{")
    except json.JSONDecodeError as exc:
        with_error = exc
    assert type(with_error) is rust_core.JSONDecodeError
    assert rust_core.JSONDecodeError is rust_core.errors.JSONDecodeError
    assert issubclass(rust_core.JSONDecodeError, rust_core.CodecError)
    assert rust_core.JSONDecodeError.__qualname__ == "JSONDecodeError"
    copy = pickle.loads(pickle.dumps(with_error))
    assert (type(copy), copy.msg, copy.pos, copy.lineno, copy.colno) == (
        rust_core.JSONDecodeError,
        "Expecting property name enclosed in double quotes",
        1,
        1,
        2,
    )
    assert rust_core.ErrorDetail.__annotations__.keys() == {"path", "message", "keyword"}
