"""`import rust_core` is Lambda cold start: it must not pull in modules it can do without."""

from __future__ import annotations

import json
import pickle
import platform
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_the_version_is_the_crates_and_the_distributions() -> None:
    from importlib.metadata import version

    # The wheel's metadata takes the crate's version (pyproject.toml: dynamic = ["version"])
    assert rust_core.__version__ == version("rust_core")
    cargo = Path(__file__).resolve().parents[2] / "rust_core" / "Cargo.toml"
    if cargo.is_file():  # not beside the wheel check's copy of these tests
        import tomllib

        package = tomllib.loads(cargo.read_text(encoding="utf-8"))["package"]
        assert rust_core.__version__ == package["version"]


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


def _import_from_copy(tmp_path: Path, module_bytes: bytes | None) -> str:
    """Imports a copy of the package whose compiled module is `module_bytes` (None: missing) and
    returns what the ImportError says."""
    package = tmp_path / "rust_core"
    shutil.copytree(Path(rust_core.__file__).parent, package, ignore=shutil.ignore_patterns("*.so"))
    if module_bytes is not None:
        (package / "_rust_core.abi3.so").write_bytes(module_bytes)
    probe = "import rust_core"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: "), result.stderr
    return last.removeprefix("ImportError: ")


def _elf_header(machine: int) -> bytes:
    # A 64-bit little-endian shared object header, for `machine`, and nothing loadable after it.
    return (
        b"\x7fELF\x02\x01\x01"
        + bytes(9)
        + (3).to_bytes(2, "little")
        + machine.to_bytes(2, "little")
    )


def test_a_module_for_the_other_architecture_is_named(tmp_path: Path) -> None:
    here = platform.machine()
    other, other_code = ("aarch64", 183) if here == "x86_64" else ("x86_64", 62)
    said = _import_from_copy(tmp_path, _elf_header(other_code) + bytes(100))
    layer = "layer-x86_64.zip" if here == "x86_64" else "layer-arm64.zip"
    assert said == (
        f"rust_core was built for {other} but this machine is {here}: deploy {layer} (make layer) "
        f"or the {here} wheel, or set the function's Architectures to match the layer."
    )


def test_a_missing_module_is_named(tmp_path: Path) -> None:
    said = _import_from_copy(tmp_path, None)
    assert said.startswith("rust_core's compiled module is missing from ")
    assert said.endswith(
        f"install the wheel built for {platform.machine()} (make wheels), "
        "or build it in place with `maturin develop`."
    )
